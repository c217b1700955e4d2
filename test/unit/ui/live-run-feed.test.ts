// The writing end of the live channel: a run empties the file, then appends its bins and marks; the UI's reader
// gets exactly those events back.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseLiveChunk } from '../../../common/live-run.js';
import { LiveRunFeed } from '../../../tasks/live-run-feed.js';

const events = (file: string) => parseLiveChunk('', readFileSync(file, 'utf8')).events;

describe('LiveRunFeed', () => {
  it('starts the file over and writes the bins that ended, by machine name', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'pglab-live-')), 'live-run.jsonl');
    LiveRunFeed.start('bench', 'an older run', file).mark('note', 'old');
    const feed = LiveRunFeed.start('chaos', 'kill pg0', file);
    const t0 = performance.now();
    const log = { acks: [{ sentAt: 1, ackAt: 5, node: '10.42.0.10' }, { sentAt: 2, ackAt: 7, node: '10.42.0.10' }], failures: [{ at: 150 }] };
    const stop = feed.followWrites(log, t0, 1_000_000, (ip) => (ip === '10.42.0.10' ? 'pg0' : ip));
    feed.mark('fault', 'kill pg0', 1_000_120);
    await new Promise((r) => setTimeout(r, 250));
    stop();
    feed.end(true);
    const e = events(file);
    expect(e[0]).toMatchObject({ type: 'run', kind: 'chaos', title: 'kill pg0', pid: process.pid });
    const bins = e.filter((x) => x.type === 'bin');
    expect(bins[0]).toEqual({ type: 'bin', at: 1_000_000, binMs: 100, acks: { pg0: 2 }, latencyMs: { p50: 4.5, max: 5 }, failures: 0 });
    expect(bins[1]).toMatchObject({ at: 1_000_100, acks: {}, failures: 1 });
    expect(e.some((x) => x.type === 'mark' && x.kind === 'fault')).toBe(true);
    expect(e.at(-1)).toMatchObject({ type: 'end', ok: true });
    expect(e.some((x) => x.type === 'mark' && x.label === 'old')).toBe(false);
  });

  it('turns a benchmark\'s running totals into what each report added', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'pglab-live-')), 'live-run.jsonl');
    const feed = LiveRunFeed.start('bench', 'postgres', file);
    feed.benchProgress('postgres title-by-id', 0, 0, 0); // warm-up: no measured time yet
    feed.benchProgress('postgres title-by-id', 500, 250, 0);
    feed.benchProgress('postgres title-by-id', 1100, 500, 2);
    const bins = events(file).filter((x) => x.type === 'bin');
    expect(bins.map((b) => (b.type === 'bin' ? [b.binMs, b.acks, b.failures] : null))).toEqual([
      [250, { 'postgres title-by-id': 500 }, 0],
      [250, { 'postgres title-by-id': 600 }, 2],
    ]);
  });

  it('never fails the run when the file cannot be written', () => {
    const feed = LiveRunFeed.start('chaos', 'x', '/nonexistent-dir/live-run.jsonl');
    expect(() => feed.mark('fault', 'x')).not.toThrow();
  });
});
