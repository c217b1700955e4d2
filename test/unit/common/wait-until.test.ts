// waitUntil: returns the first value that is not "not yet", and a timeout names what it waited for and what it saw last.
import { describe, expect, it } from 'vitest';
import { WaitTimeout, notYet, waitUntil } from '../../../common/wait-until.js';

describe('waitUntil', () => {
  it('returns the value of the first check that passes', async () => {
    let n = 0;
    const v = await waitUntil('three calls', () => (++n >= 3 ? { calls: n } : notYet(`call ${n}`)), { timeoutMs: 5000, intervalMs: 1 });
    expect(v).toEqual({ calls: 3 });
  });

  it('reads a falsy value as not yet', async () => {
    let n = 0;
    expect(await waitUntil('truthy', () => (++n > 2 ? 'yes' : false), { timeoutMs: 5000, intervalMs: 1 })).toBe('yes');
  });

  it('times out with what it waited for and the last reason it saw', async () => {
    let n = 0;
    const err = await waitUntil('pg0 to be the primary', () => notYet(`primary is pg${++n % 2}`), { timeoutMs: 50, intervalMs: 5 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WaitTimeout);
    expect((err as WaitTimeout).message).toMatch(/^timed out after 50ms waiting for pg0 to be the primary \(last seen: primary is pg[01]\)$/);
  });

  it('ends the wait on an error unless told to retry, then keeps the error as the reason', async () => {
    await expect(waitUntil('x', () => { throw new Error('connection refused'); }, { timeoutMs: 1000 })).rejects.toThrow('connection refused');
    await expect(waitUntil('etcd to answer', () => { throw new Error('connection refused'); }, { timeoutMs: 30, intervalMs: 5, retryErrors: true }))
      .rejects.toThrow('waiting for etcd to answer (last seen: connection refused)');
  });

  it('reports each new reason once', async () => {
    const seen: string[] = [];
    let n = 0;
    await waitUntil('done', () => (++n > 5 ? true : notYet(n < 3 ? 'booting' : 'starting')), { timeoutMs: 5000, intervalMs: 1, onReason: (r) => seen.push(r) });
    expect(seen).toEqual(['booting', 'starting']);
  });

  it('stops when its signal is aborted', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('Ctrl-C')), 20);
    await expect(waitUntil('never', () => notYet('no'), { timeoutMs: Infinity, intervalMs: 5, signal: ac.signal })).rejects.toThrow();
  });

  it('checks once more at the deadline instead of sleeping past it', async () => {
    let t = 0;
    let checks = 0;
    const err = await waitUntil('x', () => { checks++; t += 40; return notYet('no'); }, { timeoutMs: 100, intervalMs: 1, now: () => t }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WaitTimeout);
    expect(checks).toBe(3);
  });
});
