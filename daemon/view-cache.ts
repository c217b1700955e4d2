// The cluster view kept current by the etcd watch, so an idle cycle needs no range read; decisions that act re-read.
import type { ClusterKeys } from '../common/cluster-keys.js';
import { parseClusterView, type RawKey } from './cluster-view.js';
import type { ClusterView, RawRead, WatchEvent } from './dcs.js';

/**
 * A range read installs the keys at its revision; watch events newer than that revision are applied on top. The
 * watch stream is in revision order, so "apply an event iff its revision is above the last read's" keeps the map
 * equal to etcd's at some revision. Events that arrive while a read is in flight may be newer than the read: they
 * are kept and applied again once it lands. A watch that breaks or reconnects invalidates the map until the next read.
 *
 * The map can still be stale (a watch stream delayed by a slow or cut network says nothing): callers use it only
 * for cycles that change nothing, and read again before any action (see Daemon.cycle).
 */
export class ViewCache {
  private kvs = new Map<string, RawKey>();
  private readRevision = -1;
  private valid = false;
  private readsInFlight = 0;
  private duringRead: WatchEvent[] = [];
  private parsed: ClusterView | null = null;
  private resets = 0;

  constructor(private readonly keys: ClusterKeys) {}

  /** True once a read was installed and the watch has not broken since. */
  usable(): boolean {
    return this.valid && this.readsInFlight === 0;
  }

  /** The watch broke, reconnected or failed: nothing it delivered can be trusted to be complete. */
  invalidate(): void {
    this.valid = false;
    this.resets++;
  }

  /** Wraps a range read: events that arrive meanwhile are replayed on top of it when they are newer. */
  async read(fetch: () => Promise<RawRead>, watching: boolean): Promise<ClusterView> {
    this.readsInFlight++;
    const resets = this.resets;
    let raw: RawRead;
    try {
      raw = await fetch();
    } finally {
      this.readsInFlight--;
    }
    const rev = Number(raw.revision);
    this.kvs = new Map(raw.kvs.filter((kv) => !kv.key.startsWith(this.keys.historyPrefix)).map((kv) => [kv.key, kv]));
    this.readRevision = rev;
    const pending = this.duringRead;
    if (this.readsInFlight === 0) this.duringRead = [];
    for (const e of pending) this.put(e);
    // A reset while the read was in flight may have lost events after its revision.
    this.valid = watching && this.resets === resets;
    this.parsed = null;
    return this.view();
  }

  /** One watch event (in revision order). */
  apply(e: WatchEvent): void {
    if (this.readsInFlight > 0) this.duringRead.push(e);
    this.put(e);
  }

  private put(e: WatchEvent): void {
    if (Number(e.modRevision) <= this.readRevision || e.key.startsWith(this.keys.historyPrefix)) return;
    const cur = this.kvs.get(e.key);
    if (cur && Number(cur.modRevision) >= Number(e.modRevision)) return;
    if (e.value === null) this.kvs.delete(e.key);
    else this.kvs.set(e.key, { key: e.key, value: e.value, modRevision: e.modRevision, lease: e.lease });
    this.parsed = null;
  }

  /** The parsed view of the map (parsed again only after a change). */
  view(): ClusterView {
    this.parsed ??= parseClusterView([...this.kvs.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)), this.keys);
    return this.parsed;
  }
}
