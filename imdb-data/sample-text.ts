// Names, titles and characters for the sample, including the awkward characters real IMDb text has (quotes, backslashes, non-ASCII).
import type { Prng } from './prng.js';
import { ADJECTIVES, FIRST_NAMES, FOREIGN_WORDS, LAST_NAMES, NOUNS } from './sample-vocabulary.js';

export function imdbId(prefix: 'tt' | 'nm', index: number): string {
  const n = String(index + 1); // IMDb ids start at 1
  return prefix + (n.length < 7 ? n.padStart(7, '0') : n);
}

export function personName(rng: Prng): string {
  const first = rng.pick(FIRST_NAMES);
  const last = rng.pick(LAST_NAMES);
  const u = rng.float();
  if (u < 0.005) return `${first} "${rng.pick(NOUNS)}" ${last}`; // nickname in double quotes
  if (u < 0.1) return `${first} ${String.fromCharCode(65 + rng.int(26))}. ${last}`;
  return `${first} ${last}`;
}

export function titleText(rng: Prng): string {
  const u = rng.float();
  let title: string;
  if (u < 0.3) title = `The ${rng.pick(ADJECTIVES)} ${rng.pick(NOUNS)}`;
  else if (u < 0.5) title = `${rng.pick(NOUNS)} of the ${rng.pick(NOUNS)}`;
  else if (u < 0.65) title = `${rng.pick(ADJECTIVES)} ${rng.pick(NOUNS)}s`;
  else if (u < 0.75) title = `${rng.pick(LAST_NAMES)}'s ${rng.pick(NOUNS)}`;
  else if (u < 0.85) title = `${rng.pick(NOUNS)}: ${rng.pick(ADJECTIVES)} ${rng.pick(NOUNS)}`;
  else title = `${rng.pick(NOUNS)} ${rng.between(2, 9)}`;
  const v = rng.float();
  if (v < 0.005) return `The "${rng.pick(ADJECTIVES)}" ${rng.pick(NOUNS)}`; // embedded quotes
  if (v < 0.0058) return `${title} \\ ${rng.pick(NOUNS)}`; // a literal backslash, rare as in IMDb
  if (v < 0.03) return `${title}, Part ${rng.between(1, 3)}`;
  return title;
}

export function episodeTitle(rng: Prng, season: number, episode: number): string {
  // IMDb has millions of placeholder episode titles like "Episode #1.5".
  if (season > 0 && rng.chance(0.55)) return `Episode #${season}.${episode}`;
  return titleText(rng);
}

export function foreignTitle(rng: Prng, title: string): string {
  return `${rng.pick(FOREIGN_WORDS)} ${title.split(' ').pop() ?? ''}`.trim();
}

/** The JSON array IMDb writes in title.principals.characters. */
export function charactersJson(rng: Prng, category: string): string {
  if (category === 'self') return JSON.stringify(rng.chance(0.2) ? ['Self - Host'] : ['Self']);
  const one = rng.chance(0.002) ? `Dr. "${rng.pick(NOUNS)}" ${rng.pick(LAST_NAMES)}` : `${rng.pick(FIRST_NAMES)} ${rng.pick(LAST_NAMES)}`;
  return JSON.stringify(rng.chance(0.03) ? [one, rng.pick(['Narrator', 'Various', 'Himself', 'Herself'])] : [one]);
}
