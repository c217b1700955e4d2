import { describe, expect, it } from 'vitest';
import { clusterKeys } from '../../../common/cluster-keys.js';
import type { RawRead, WatchEvent } from '../../../daemon/dcs.js';
import { ViewCache } from '../../../daemon/view-cache.js';

const keys = clusterKeys('t');
const member = (node: string, role = 'replica') =>
  JSON.stringify({ node, connectHost: '127.0.0.1', pgPort: 5432, apiUrl: 'http://x', role, pgUp: true, crashed: false, timeline: 1, systemId: '1', walLsn: null, receivedLsn: null, replayedLsn: null, lagBytes: null, streaming: true, upstream: null, replication: [], syncApplied: null, appliedGeneration: 1, noFailover: false, message: '', updatedAt: '' });
const put = (key: string, value: string, rev: number): WatchEvent => ({ key, value, modRevision: String(rev), lease: '7' });
const del = (key: string, rev: number): WatchEvent => ({ key, value: null, modRevision: String(rev), lease: '0' });
const read = (revision: number, kvs: Array<[string, string, number]>): (() => Promise<RawRead>) => async () => ({ revision: String(revision), kvs: kvs.map(([key, value, rev]) => ({ key, value, modRevision: String(rev), lease: '7' })) });

describe('ViewCache', () => {
  it('applies watch events newer than the last read and ignores older ones', async () => {
    const c = new ViewCache(keys);
    await c.read(read(10, [[keys.member('pg1'), member('pg1'), 9]]), true);
    c.apply(put(keys.member('pg2'), member('pg2'), 8)); // older than the read: already in it (or deleted since)
    expect(Object.keys(c.view().members)).toEqual(['pg1']);
    c.apply(put(keys.member('pg2'), member('pg2'), 11));
    c.apply(del(keys.member('pg1'), 12));
    expect(Object.keys(c.view().members)).toEqual(['pg2']);
    expect(c.view().members['pg2']?.modRevision).toBe('11');
  });

  it('replays events that arrived during a read and are newer than it', async () => {
    const c = new ViewCache(keys);
    let answer: (r: RawRead) => void = () => undefined;
    const pending = c.read(() => new Promise<RawRead>((r) => (answer = r)), true);
    expect(c.usable()).toBe(false);
    c.apply(del(keys.leader, 21)); // after the read's revision: must survive the read's install
    c.apply(put(keys.member('pg1'), member('pg1', 'primary'), 19)); // before it: the read has it already
    answer({ revision: '20', kvs: [{ key: keys.leader, value: 'pg0', modRevision: '5', lease: '7' }, { key: keys.member('pg1'), value: member('pg1'), modRevision: '19', lease: '7' }] });
    const view = await pending;
    expect(view.leader).toBeNull();
    expect(view.members['pg1']?.value.role).toBe('replica');
    expect(c.usable()).toBe(true);
  });

  it('is not usable before the watch runs, nor after it reset, until the next read', async () => {
    const c = new ViewCache(keys);
    await c.read(read(3, []), false);
    expect(c.usable()).toBe(false);
    await c.read(read(4, []), true);
    expect(c.usable()).toBe(true);
    c.invalidate();
    expect(c.usable()).toBe(false);
    await c.read(read(5, []), true);
    expect(c.usable()).toBe(true);
  });

  it('stays unusable when the watch reset while a read was in flight', async () => {
    const c = new ViewCache(keys);
    let answer: (r: RawRead) => void = () => undefined;
    const pending = c.read(() => new Promise<RawRead>((r) => (answer = r)), true);
    c.invalidate();
    answer({ revision: '2', kvs: [] });
    await pending;
    expect(c.usable()).toBe(false);
  });

  it('leaves history out of the view', async () => {
    const c = new ViewCache(keys);
    await c.read(read(2, [[keys.history(1), '{}', 2]]), true);
    c.apply(put(keys.history(2), '{}', 3));
    expect(c.view().problems).toEqual([]);
  });
});
