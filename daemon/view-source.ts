// The cluster view a cycle decides on, and how fresh it is: the watch-fed copy while it can be trusted, else a range read.
import type { ClusterConfig, ClusterKeys, DesiredState, Maintenance, MemberState } from '../common/cluster-keys.js';
import type { Clock } from './clock.js';
import type { ClusterView, Dcs } from './dcs.js';
import type { LogFn } from './daemon-log.js';
import { ViewCache } from './view-cache.js';
import { memberSignature } from './watch-filter.js';

/** A cycle on the watch-fed view reads etcd in full at least this often anyway (a safety net for a silent watch). */
const FULL_READ_EVERY_MS = 2000;
const WATCH_RETRY_MS = 1000;

export interface ViewSourceHooks {
  clock: Clock;
  log: LogFn;
  /** A watch event that may change a decision arrived: run a cycle now. */
  wake: () => void;
  /** While the leader waits for fresh replica state after a failure, every member publish is news. */
  everyPublishCounts: () => boolean;
  /** The daemon is shutting down: the watch is not started again. */
  stopping: () => boolean;
}

/**
 * The copy can be stale (a watch stream on a slow or cut network says nothing), so it only ever decides *not* to do
 * something: every action is decided again on a full read (`freshBeforeActing`).
 */
export class ClusterViewSource {
  private current: ClusterView | null = null;
  /** The current view came from a range read made in this cycle (not only from the watch). */
  private fresh = false;
  private reachable = false;
  private lastDesired: DesiredState | null = null;
  private lastConfig: ClusterConfig | null = null;
  /** As last read; kept while etcd is unreachable: a pause is not lifted by a cut. */
  private lastMaintenance: Maintenance | null = null;
  private readonly cache: ViewCache;
  private watching = false;
  private lastFullReadAt = -Infinity;
  private readonly signatures = new Map<string, string>();

  constructor(
    private readonly dcs: Dcs,
    private readonly keys: ClusterKeys,
    private readonly hooks: ViewSourceHooks,
  ) {
    this.cache = new ViewCache(keys);
  }

  get view(): ClusterView | null {
    return this.current;
  }
  get isFresh(): boolean {
    return this.fresh;
  }
  /** etcd answered the last read this daemon made. */
  get etcdOk(): boolean {
    return this.reachable;
  }
  /** The last desired state read (or written by this daemon as the leader), kept through etcd outages. */
  get desired(): DesiredState | null {
    return this.lastDesired;
  }
  get config(): ClusterConfig | null {
    return this.lastConfig;
  }
  get maintenance(): Maintenance | null {
    return this.lastMaintenance;
  }

  /** The watch feeds the view cache and wakes the cycle; until it runs, every cycle reads etcd in full. */
  startWatch(): void {
    this.dcs
      .watch(
        (e) => {
          this.cache.apply(e);
          this.onWatchEvent(e.key, e.value);
        },
        () => this.cache.invalidate(),
      )
      .then(() => {
        this.watching = true;
        this.hooks.log('watch', 'etcd watch running', true);
      })
      .catch((err) => {
        this.hooks.log('watch', `etcd watch failed (reading etcd in full every cycle; retrying): ${(err as Error).message}`, true);
        if (!this.hooks.stopping()) this.hooks.clock.setTimeout(() => this.startWatch(), WATCH_RETRY_MS);
      });
  }

  /** Member puts only wake a cycle when their role-relevant fields change. */
  onWatchEvent(key: string, value: string | null): void {
    // The primary rewrites last-lsn with every publish; it changes no decision, and waking every daemon on it
    // tripled etcd's write rate in the simulation.
    if (key === this.keys.lastLsn) return;
    const sig = value === null ? 'deleted' : memberSignature(value);
    if (sig !== null && !this.hooks.everyPublishCounts()) {
      if (this.signatures.get(key) === sig) return;
      this.signatures.set(key, sig);
    }
    this.hooks.wake();
  }

  /**
   * The view a cycle starts from: the watch-fed copy while it is complete, etcd answered the last full read, the
   * lease is confirmed and the last full read is recent; otherwise a full range read. Never throws: `etcdOk` says.
   */
  async take(leaseValid: boolean): Promise<void> {
    try {
      const cached = this.reachable && leaseValid && this.cache.usable() && this.hooks.clock.now() - this.lastFullReadAt < FULL_READ_EVERY_MS;
      const view = cached ? this.cache.view() : await this.readFull();
      if (cached) this.install(view, false);
      this.hooks.log('problems', view.problems.length ? `ignoring unparseable keys (keeping the last good state): ${view.problems.join('; ')}` : 'etcd keys parse cleanly', true);
      this.hooks.log('etcd', 'etcd reachable', true);
    } catch (err) {
      this.reachable = false;
      this.hooks.log('etcd', `etcd unreachable: ${(err as Error).message}`, true);
    }
  }

  /** A range read of the cluster prefix, installed in the cache and as the current view. */
  async readFull(): Promise<ClusterView> {
    const view = await this.cache.read(() => this.dcs.readRaw(), this.watching);
    this.lastFullReadAt = this.hooks.clock.now();
    this.install(view, true);
    return view;
  }

  /**
   * Before anything consequential (campaign, desired-state CAS, any node action) on a view only the watch fed: read
   * in full. Null when that read fails (then nothing is done this cycle).
   */
  async freshBeforeActing(): Promise<ClusterView | null> {
    if (this.fresh) return this.current;
    try {
      return await this.readFull();
    } catch (err) {
      this.reachable = false;
      this.hooks.log('etcd', `reading etcd before acting failed (not acting): ${(err as Error).message}`);
      return null;
    }
  }

  /** After this daemon changed the desired state: the members it read predate the change, so read again (null: failed). */
  async rereadAfterOwnWrite(): Promise<ClusterView | null> {
    try {
      return await this.readFull();
    } catch (err) {
      this.hooks.log('etcd', `re-reading after a desired-state change failed: ${(err as Error).message}`);
      this.current = null;
      return null;
    }
  }

  /** This daemon wrote the desired state (the leader's CAS succeeded). */
  wroteDesired(written: DesiredState): void {
    this.lastDesired = written;
  }

  private install(view: ClusterView, fresh: boolean): void {
    this.current = view;
    this.fresh = fresh;
    this.reachable = true;
    if (view.desired) this.lastDesired = view.desired.value;
    if (view.config) this.lastConfig = view.config;
    this.lastMaintenance = view.maintenance;
  }
}

/** The member states of a view by node name. */
export function membersOf(view: ClusterView | null): Record<string, MemberState> {
  const members: Record<string, MemberState> = {};
  for (const [n, v] of Object.entries(view?.members ?? {})) members[n] = v.value;
  return members;
}
