// Word lists and weighted categories the sample generator draws from, shaped after the real IMDb data.
import { weightedTable } from './prng.js';

/** Title types with their approximate share of IMDb titles (per mille). */
export const TITLE_TYPES = weightedTable([
  ['tvEpisode', 780],
  ['short', 90],
  ['movie', 65],
  ['video', 28],
  ['tvSeries', 25],
  ['tvMovie', 13],
  ['tvMiniSeries', 5],
  ['tvSpecial', 4],
  ['videoGame', 4],
  ['tvShort', 1],
] as const);

export const SERIES_TYPES: ReadonlySet<string> = new Set(['tvSeries', 'tvMiniSeries']);

/** Genres in IMDb's spelling with rough frequencies. */
export const GENRES = weightedTable([
  ['Drama', 30], ['Comedy', 22], ['Documentary', 14], ['Short', 8], ['Action', 6], ['Crime', 6], ['Romance', 6],
  ['Talk-Show', 5], ['Reality-TV', 5], ['Family', 5], ['Animation', 5], ['Adventure', 4], ['Thriller', 4],
  ['Music', 4], ['Horror', 4], ['News', 3], ['Mystery', 3], ['Fantasy', 3], ['Game-Show', 2], ['Sci-Fi', 2],
  ['Biography', 2], ['History', 2], ['Sport', 2], ['Adult', 1], ['Musical', 1], ['War', 1], ['Western', 1], ['Film-Noir', 0.2],
] as const);

/** Typical runtime range in minutes per title type. */
export const RUNTIME: Record<string, readonly [number, number]> = {
  movie: [70, 150], tvMovie: [60, 120], tvEpisode: [20, 60], short: [1, 40], tvShort: [1, 30], video: [5, 120],
  tvSeries: [20, 60], tvMiniSeries: [40, 60], tvSpecial: [30, 120], videoGame: [60, 600],
};

/** Chance that a title of this type has a rating (≈13% of all titles overall, like IMDb). */
export const RATED_SHARE: Record<string, number> = {
  movie: 0.45, tvSeries: 0.35, tvMiniSeries: 0.4, tvMovie: 0.3, videoGame: 0.25, video: 0.2, short: 0.15, tvEpisode: 0.09,
  tvSpecial: 0.15, tvShort: 0.1,
};

/** Mean number of alternative titles per title type (≈4.7 per title overall). */
export const AKAS_MEAN: Record<string, number> = { movie: 14, tvSeries: 9, tvMiniSeries: 7, tvMovie: 6, tvEpisode: 3.5 };

export const PROFESSIONS = weightedTable([
  ['actor', 30], ['actress', 20], ['miscellaneous', 12], ['producer', 8], ['writer', 8], ['director', 6],
  ['camera_department', 5], ['editor', 3], ['composer', 3], ['sound_department', 3], ['art_department', 2],
  ['cinematographer', 2], ['self', 2], ['make_up_department', 1], ['stunts', 1], ['visual_effects', 1],
] as const);

export const FIRST_NAMES = [
  'James', 'Mary', 'John', 'Patricia', 'Robert', 'Jennifer', 'Michael', 'Linda', 'William', 'Elizabeth', 'David', 'Barbara',
  'Richard', 'Susan', 'Joseph', 'Jessica', 'Thomas', 'Sarah', 'Charles', 'Karen', 'Ana', 'Luis', 'Sofia', 'Mateo', 'Yuki',
  'Hiroshi', 'Priya', 'Arjun', 'Olga', 'Ivan', 'Fatima', 'Omar', 'Chloé', 'François', 'Zoë', 'Björn', 'Łukasz', 'Søren',
  'Ngozi', 'Kwame', 'Mei', 'Wei', 'Aisha', 'Diego', 'Lucía', 'Emma', 'Noah', 'Olivia', 'Liam', 'Ava', 'Kenji', 'Anna',
];

export const LAST_NAMES = [
  'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez', 'Hernandez',
  'Lopez', 'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin', 'Lee', 'Tanaka', 'Suzuki',
  'Sato', 'Kumar', 'Sharma', 'Patel', 'Ivanov', 'Petrova', 'Müller', 'Schröder', 'Dubois', 'Lefèvre', "O'Brien",
  'Nakamura', 'Kowalski', 'Nielsen', 'Okafor', 'Mensah', 'Chen', 'Wang', 'Rossi', 'Bianchi', 'Silva', 'Santos', 'Novák',
];

export const ADJECTIVES = [
  'Silent', 'Last', 'Dark', 'Lost', 'Golden', 'Broken', 'Hidden', 'Wild', 'Eternal', 'Little', 'Secret', 'Crimson',
  'Endless', 'Frozen', 'Burning', 'Forgotten', 'Electric', 'Quiet', 'Savage', 'Midnight', 'Final', 'Strange', 'Blue',
];

export const NOUNS = [
  'River', 'Night', 'Road', 'Heart', 'City', 'Dream', 'Storm', 'Garden', 'House', 'Game', 'Kingdom', 'Shadow', 'Summer',
  'Train', 'Island', 'Mirror', 'Empire', 'Winter', 'Promise', 'Voice', 'Journey', 'Star', 'Harbor', 'Detective', 'Mountain',
];

/** Words used for foreign-language original titles and akas, so non-ASCII text flows through the loaders. */
export const FOREIGN_WORDS = [
  'La Nuit', 'Le Rêve', 'Der Fluss', 'Die Stadt', 'El Camino', 'La Vida', 'Il Giardino', 'Das Spiel', 'Ночь', 'Река',
  '夜の街', '約束', '沈黙', 'O Coração', 'Ålen', 'Łąka', 'Çiçek', 'Ὁ Ἥλιος', 'Сон', 'Mùa Hè',
];

export const REGIONS = ['US', 'GB', 'DE', 'FR', 'ES', 'IT', 'JP', 'IN', 'BR', 'CA', 'AU', 'MX', 'RU', 'SE', 'PL', 'TR', 'GR', 'KR', 'XWW'];
export const LANGUAGES: Record<string, string> = { JP: 'ja', IN: 'hi', RU: 'ru', GR: 'el', KR: 'ko', XWW: 'en', CA: 'fr', ES: 'es' };

export const AKA_TYPES = weightedTable([
  ['\\N', 45], ['imdbDisplay', 40], ['alternative', 5], ['working', 4], ['festival', 2], ['dvd', 2], ['tv', 1], ['video', 1],
] as const);

export const AKA_ATTRIBUTES = ['literal English title', 'short title', 'alternative spelling', 'complete title', 'new title', 'reissue title'];

export const WRITER_JOBS = ['screenplay', 'story', 'novel', 'written by', 'teleplay', 'creator', 'based on the book by'];
export const PRODUCER_JOBS = ['producer', 'executive producer', 'co-producer', 'line producer'];

/** Crew categories after the cast, in the order IMDb tends to list them. */
export const CREW_CATEGORIES = ['director', 'writer', 'producer', 'composer', 'cinematographer', 'editor', 'production_designer', 'casting_director'];
