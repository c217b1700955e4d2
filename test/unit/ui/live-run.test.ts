// The live channel from a chaos or bench run to pglab ui: its line format, the 100 ms bins, and a run's view.
import { describe, expect, it } from 'vitest';
import { closeBins, encodeLiveEvent, foldLiveEvents, parseLiveChunk, type LiveEvent } from '../../../common/live-run.js';

const run: LiveEvent = { type: 'run', at: 1000, kind: 'chaos', title: 'kill pg0', pid: 42 };
const mark: LiveEvent = { type: 'mark', at: 3000, kind: 'fault', label: 'kill pg0' };

describe('parseLiveChunk', () => {
  it('reads whole lines and keeps the unfinished one for the next chunk', () => {
    const text = encodeLiveEvent(run) + encodeLiveEvent(mark);
    const cut = text.length - 10;
    const first = parseLiveChunk('', text.slice(0, cut));
    expect(first.events).toEqual([run]);
    const second = parseLiveChunk(first.rest, text.slice(cut));
    expect(second.events).toEqual([mark]);
    expect(second.rest).toBe('');
  });

  it('skips lines that are not events, and counts them', () => {
    const r = parseLiveChunk('', `not json\n{"type":"mystery","at":1}\n{"type":"mark","at":"soon","kind":"fault","label":"x"}\n${encodeLiveEvent(mark)}`);
    expect(r.events).toEqual([mark]);
    expect(r.skipped).toBe(3);
  });
});

describe('closeBins', () => {
  const acks = [
    { sentAt: 10, ackAt: 20, node: 'pg0' },
    { sentAt: 20, ackAt: 50, node: 'pg0' },
    { sentAt: 60, ackAt: 90, node: 'pg0' },
    { sentAt: 250, ackAt: 310, node: 'pg1' },
  ];

  it('closes only bins that have ended, counting acks per server with their latency', () => {
    const r = closeBins(acks, [], { nextBinAt: 0, ackIndex: 0, failureIndex: 0 }, 150);
    expect(r.bins).toEqual([{ startMs: 0, acks: { pg0: 3 }, latencyMs: { p50: 30, max: 30 }, failures: 0 }]);
    expect(r.cursor).toEqual({ nextBinAt: 100, ackIndex: 3, failureIndex: 0 });
  });

  it('emits empty bins: a stretch with no acknowledged write is the drop the chart shows', () => {
    const r = closeBins(acks, [{ at: 120 }, { at: 180 }], { nextBinAt: 100, ackIndex: 3, failureIndex: 0 }, 400);
    expect(r.bins.map((b) => [b.startMs, b.acks, b.failures])).toEqual([
      [100, {}, 2],
      [200, {}, 0],
      [300, { pg1: 1 }, 0],
    ]);
    expect(r.bins[0]?.latencyMs).toBeNull();
  });

  it('counts an ack that arrives after its bin was closed in the next bin', () => {
    const late = [...acks.slice(0, 3), { sentAt: 80, ackAt: 95, node: 'pg0' }];
    const r = closeBins(late, [], { nextBinAt: 100, ackIndex: 3, failureIndex: 0 }, 200);
    expect(r.bins).toEqual([{ startMs: 100, acks: { pg0: 1 }, latencyMs: { p50: 15, max: 15 }, failures: 0 }]);
  });
});

describe('foldLiveEvents', () => {
  it('starts over at a run event and notes the end', () => {
    const old: LiveEvent = { type: 'mark', at: 10, kind: 'note', label: 'old run' };
    const v = foldLiveEvents({ run: null, events: [old], ended: false }, [run, mark, { type: 'end', at: 4000, ok: true }]);
    expect(v.run).toEqual(run);
    expect(v.events.map((e) => e.type)).toEqual(['run', 'mark', 'end']);
    expect(v.ended).toBe(true);
  });

  it('keeps the run event but drops events older than the window', () => {
    const bins: LiveEvent[] = [0, 1, 2, 3].map((i) => ({ type: 'bin', at: 1000 + i * 60_000, binMs: 100, acks: {}, latencyMs: null, failures: 0 }));
    const v = foldLiveEvents({ run: null, events: [], ended: false }, [run, ...bins], 120_000);
    expect(v.events.map((e) => e.type + e.at)).toEqual(["run1000", "bin61000", "bin121000", "bin181000"]);
  });
});
