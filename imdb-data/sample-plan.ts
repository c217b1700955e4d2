// First pass of the sample generator: type, year, genres and series membership of every title, kept in typed arrays.
import { Prng, pickWeighted } from './prng.js';
import { GENRES, SERIES_TYPES, TITLE_TYPES } from './sample-vocabulary.js';

export const TITLE_TYPE_NAMES: readonly string[] = TITLE_TYPES.values;
const EPISODE = TITLE_TYPE_NAMES.indexOf('tvEpisode');
const SERIES = TITLE_TYPE_NAMES.indexOf('tvSeries');

/** Genres as IMDb lists them: alphabetically. Bit i of a mask is GENRE_NAMES[i]. */
export const GENRE_NAMES: readonly string[] = [...GENRES.values].sort();

export interface TitlePlan {
  count: number;
  type: Uint8Array; // index into TITLE_TYPE_NAMES
  year: Uint16Array; // 0 = unknown
  genres: Uint32Array; // bit mask over GENRE_NAMES, 0 = none
  parent: Int32Array; // episode → index of its series, else -1
  season: Uint16Array; // 0 = unknown
  episode: Uint16Array; // 0 = unknown
}

export function isEpisode(plan: TitlePlan, i: number): boolean {
  return plan.type[i] === EPISODE;
}

export function typeName(plan: TitlePlan, i: number): string {
  return TITLE_TYPE_NAMES[plan.type[i]!]!;
}

export function genreList(mask: number): string[] {
  const out: string[] = [];
  for (let b = 0; b < GENRE_NAMES.length; b++) if (mask & (1 << b)) out.push(GENRE_NAMES[b]!);
  return out;
}

/** Release years lean heavily toward recent decades, as on IMDb. */
function drawYear(rng: Prng): number {
  const u = rng.float();
  if (u < 0.04) return rng.between(1894, 1929);
  if (u < 0.2) return rng.between(1930, 1989);
  if (u < 0.45) return rng.between(1990, 2009);
  return rng.between(2010, 2025);
}

function drawGenres(rng: Prng): number {
  const u = rng.float();
  const n = u < 0.06 ? 0 : u < 0.6 ? 1 : u < 0.85 ? 2 : 3;
  let mask = 0;
  for (let k = 0, tries = 0; k < n && tries < 10; tries++) {
    const bit = 1 << GENRE_NAMES.indexOf(pickWeighted(rng, GENRES));
    if (!(mask & bit)) {
      mask |= bit;
      k++;
    }
  }
  return mask;
}

export function planTitles(count: number, seed: number): TitlePlan {
  const rng = new Prng(seed, 'plan');
  const plan: TitlePlan = {
    count,
    type: new Uint8Array(count),
    year: new Uint16Array(count),
    genres: new Uint32Array(count),
    parent: new Int32Array(count).fill(-1),
    season: new Uint16Array(count),
    episode: new Uint16Array(count),
  };
  const series: number[] = [];
  for (let i = 0; i < count; i++) {
    const t = TITLE_TYPE_NAMES.indexOf(pickWeighted(rng, TITLE_TYPES));
    plan.type[i] = t;
    plan.year[i] = rng.chance(0.04) ? 0 : drawYear(rng);
    plan.genres[i] = drawGenres(rng);
    if (SERIES_TYPES.has(TITLE_TYPE_NAMES[t]!)) series.push(i);
  }
  // Every episode needs a series to belong to; a tiny sample might have drawn none.
  if (series.length === 0 && count > 0) {
    plan.type[0] = SERIES;
    series.push(0);
  }
  const episodesSoFar = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    if (plan.type[i] !== EPISODE) continue;
    // Skewed choice: a few long-running series get most of the episodes.
    const p = series[rng.skewed(series.length, 1.5)]!;
    plan.parent[i] = p;
    if (rng.chance(0.7)) plan.genres[i] = plan.genres[p]!;
    const k = episodesSoFar[p]!++;
    const perSeason = 6 + ((Math.imul(p, 2654435761) >>> 0) % 20);
    const season = 1 + Math.floor(k / perSeason);
    if (!rng.chance(0.03)) {
      plan.season[i] = Math.min(season, 65535);
      plan.episode[i] = 1 + (k % perSeason);
    }
    const parentYear = plan.year[p] || 2000;
    plan.year[i] = rng.chance(0.05) ? 0 : Math.min(parentYear + season - 1, 2026);
  }
  return plan;
}
