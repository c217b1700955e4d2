import { describe, expect, it } from 'vitest';
import { UserError } from '../../../common/errors.js';
import type { StepContext } from '../../../tasks/graph/step.js';
import { LOAD_ATTEMPTS, loadAgainAfterConnectionLoss, lossNote } from '../../../tasks/load-again-after-connection-loss.js';
import { DEFAULT_TOPOLOGY as T } from '../../../lab/topology.js';

const lost = () => Object.assign(new Error('server conn crashed?'), { code: '08P01' });

function context(abort = new AbortController()): StepContext & { lines: string[] } {
  const lines: string[] = [];
  return { signal: abort.signal, output: (l) => lines.push(l), setTitle: () => undefined, lines };
}

describe('loadAgainAfterConnectionLoss', () => {
  it('loads again, once the cluster is healthy, after the connection to the primary was lost', async () => {
    const ctx = context();
    const calls: string[] = [];
    const r = await loadAgainAfterConnectionLoss(T, ctx, async () => {
      calls.push('load');
      if (calls.length === 1) throw lost();
      return 'loaded';
    }, async () => calls.push('wait'));
    expect(r.value).toBe('loaded');
    expect(r.losses).toEqual(['server conn crashed?']);
    expect(lossNote(r.losses)).toBe('; loaded again after the connection to the primary was lost (server conn crashed?)');
    expect(lossNote([])).toBe('');
    expect(calls).toEqual(['load', 'wait', 'load']);
    expect(ctx.lines.join('\n')).toMatch(/connection to the primary was lost \(server conn crashed\?\)/);
  });

  it('does not retry a load that failed for another reason', async () => {
    let loads = 0;
    const bad = Object.assign(new Error('duplicate key value'), { code: '23505' });
    await expect(loadAgainAfterConnectionLoss(T, context(), async () => {
      loads++;
      throw bad;
    }, async () => undefined)).rejects.toBe(bad);
    expect(loads).toBe(1);
  });

  it('loads again after two losses in a row (a crash, then a failover a moment later)', async () => {
    let loads = 0;
    const r = await loadAgainAfterConnectionLoss(T, context(), async () => {
      if (++loads < LOAD_ATTEMPTS) throw lost();
      return 'loaded';
    }, async () => undefined);
    expect(r.value).toBe('loaded');
    expect(loads).toBe(LOAD_ATTEMPTS);
  });

  it('gives up with a clear message when every attempt loses its connection', async () => {
    let loads = 0;
    const err = await loadAgainAfterConnectionLoss(T, context(), async () => {
      loads++;
      throw lost();
    }, async () => undefined).catch((e: unknown) => e);
    expect(loads).toBe(LOAD_ATTEMPTS);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toContain(`lost its connection to the primary ${LOAD_ATTEMPTS} times`);
    expect((err as UserError).hint).toContain('run the load again');
  });

  it('does not retry after Ctrl-C', async () => {
    const abort = new AbortController();
    let loads = 0;
    await expect(loadAgainAfterConnectionLoss(T, context(abort), async () => {
      loads++;
      abort.abort();
      throw lost();
    }, async () => undefined)).rejects.toThrow('server conn crashed?');
    expect(loads).toBe(1);
  });
});
