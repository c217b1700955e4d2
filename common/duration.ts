// Parses human durations ("500ms", "10s", "2m", "1.5s") into milliseconds.
import { UserError } from './errors.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function parseDuration(text: string, what = 'duration'): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(text);
  if (!match) throw new UserError(`invalid ${what} "${text}"`, 'write it like 500ms, 10s or 2m');
  const value = Number(match[1]);
  const unit = match[2] ?? 's';
  return Math.round(value * (UNITS[unit] as number));
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  return `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000)}s`;
}
