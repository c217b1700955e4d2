import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../../../daemon/clock.js';
import type { EtcdGateway } from '../../../../daemon/etcd/gateway.js';
import { CREATED_MS, PrefixWatch } from '../../../../daemon/etcd/prefix-watch.js';

/** Streams as the gateway would open them; the test plays the member's side. */
class StreamLog {
  readonly opened: { onMessage: (msg: unknown) => void; onEnd: (why: string) => void; stops: boolean[] }[] = [];

  gateway(): EtcdGateway {
    return {
      clock: systemClock,
      openStream: (_path: string, _body: unknown, onMessage: (msg: unknown) => void, onEnd: (why: string) => void) => {
        const s = { onMessage, onEnd, stops: [] as boolean[] };
        this.opened.push(s);
        return {
          stop: (memberFailed: boolean) => {
            s.stops.push(memberFailed);
            s.onEnd('stopped');
          },
        };
      },
    } as unknown as EtcdGateway;
  }
}

describe('PrefixWatch', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('replaces a stream that never confirms it is watching, and reports the reset', () => {
    const log = new StreamLog();
    let resets = 0;
    const w = new PrefixWatch(log.gateway(), '/p/', () => undefined, () => resets++);
    w.start();
    vi.advanceTimersByTime(CREATED_MS - 1);
    expect(log.opened[0]!.stops).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(log.opened[0]!.stops).toEqual([true]); // its member is skipped for the next stream
    expect(resets).toBe(1);
    vi.advanceTimersByTime(1000);
    expect(log.opened).toHaveLength(2);
    w.stop();
  });

  it('keeps a confirmed stream however quiet it is', () => {
    const log = new StreamLog();
    const events: string[] = [];
    const w = new PrefixWatch(log.gateway(), '/p/', (e) => events.push(`${e.key}=${e.value}`), () => undefined);
    w.start();
    log.opened[0]!.onMessage({ result: { header: { revision: '5' }, created: true } });
    vi.advanceTimersByTime(60_000);
    expect(log.opened).toHaveLength(1);
    expect(log.opened[0]!.stops).toEqual([]);
    log.opened[0]!.onMessage({ result: { events: [{ kv: { key: Buffer.from('/p/a').toString('base64'), value: Buffer.from('1').toString('base64'), mod_revision: '6' } }] } });
    expect(events).toEqual(['/p/a=1']);
    w.stop();
  });

  it('gives a reopened stream its own deadline, and none after stop', () => {
    const log = new StreamLog();
    const w = new PrefixWatch(log.gateway(), '/p/', () => undefined, () => undefined);
    w.start();
    log.opened[0]!.onEnd('the watch stream ended'); // the member went away before confirming
    vi.advanceTimersByTime(CREATED_MS); // the first stream's deadline must not stop the second
    expect(log.opened).toHaveLength(2);
    expect(log.opened[1]!.stops).toEqual([]);
    log.opened[1]!.onMessage({ result: { header: { revision: '1' }, created: true } });
    vi.advanceTimersByTime(CREATED_MS * 2);
    expect(log.opened[1]!.stops).toEqual([]);
    w.stop();
    vi.advanceTimersByTime(CREATED_MS * 2);
    expect(log.opened).toHaveLength(2);
  });
});
