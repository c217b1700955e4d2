// The distributed configuration store behind one small interface: etcd in production, memory in unit tests.
import type {
  ClusterConfig,
  DesiredState,
  HistoryEntry,
  LastLsn,
  Maintenance,
  MemberState,
  NodeRequest,
  NodeRequestKind,
  Refusal,
  RoleChangeRequest,
} from '../common/cluster-keys.js';

export interface Versioned<T> {
  value: T;
  /** etcd mod revision of the key, the token for compare-and-swap. */
  modRevision: string;
  /** Id of the lease the key is bound to ("0" or absent when none). */
  lease?: string;
}

/** Everything under the cluster prefix, read at one revision and parsed; unparseable keys become problems. */
export interface ClusterView {
  leader: string | null;
  desired: Versioned<DesiredState> | null;
  config: ClusterConfig | null;
  /** Mod revision of the config key, for `config set`'s compare-and-swap (null when absent). */
  configRevision: string | null;
  /** Set while the cluster is paused: no automatic failover, sync-set change or start/stop/rejoin. */
  maintenance: Maintenance | null;
  /** Pending operator requests per node (restart/<node>, reinit/<node>). */
  nodeRequests: Record<NodeRequestKind, Record<string, NodeRequest>>;
  initialized: string | null;
  request: RoleChangeRequest | null;
  refusal: Refusal | null;
  members: Record<string, Versioned<MemberState>>;
  /** Members whose key exists (so their lease is alive) but does not parse: never taken as absent. */
  unreadableMembers: string[];
  /** The last WAL position a primary published; outlives its member key. */
  lastLsn: LastLsn | null;
  /** Holder of the re-clone lock, if any. */
  recloneLock: string | null;
  /** One line per key that held something we could not parse ("desired: not JSON"). Never acted upon. */
  problems: string[];
  /** True when the desired key exists but could not be parsed (so "absent" must not be assumed). */
  desiredUnreadable: boolean;
}

/** One key as etcd returned it, before parsing. */
export interface RawKey {
  key: string;
  value: string;
  modRevision: string;
  lease?: string;
}

/** The raw keys under the prefix (history excluded) and the revision they were read at. */
export interface RawRead {
  revision: string;
  kvs: RawKey[];
}

/** One change under the prefix, as the watch delivers it: a delete has value null and the delete's revision. */
export interface WatchEvent {
  key: string;
  value: string | null;
  modRevision: string;
  lease: string;
}

export interface CasExtras {
  history?: HistoryEntry;
  /** Delete the pending switchover/failover request in the same transaction. */
  consumeRequest?: boolean;
  /** Record why the pending request was refused (in the same transaction). */
  refusal?: Refusal;
  /**
   * A failover's input: the failed primary's member key must still be as the leader saw it (modRevision null:
   * absent). A primary that published meanwhile (e.g. its restarted daemon) makes the decision stale.
   */
  memberUnchanged?: { node: string; modRevision: string | null };
}

/**
 * Atomic contract of each method. Every call has a deadline and rejects on timeout or
 * connection failure; callers treat a rejection as "unknown", never as "no".
 */
export interface Dcs {
  /** One consistent read of the whole cluster prefix. */
  read(): Promise<ClusterView>;
  /** The same read, unparsed, with its revision (for a view that the watch keeps current). */
  readRaw(): Promise<RawRead>;
  /** Grants a lease of `ttlSeconds`; returns its id and the TTL etcd granted (it may round up). */
  grantLease(ttlSeconds: number): Promise<{ id: string; ttlSeconds: number }>;
  /** One keepalive with its own (short) deadline; true when the lease is alive, false when etcd says it expired. */
  keepAlive(leaseId: string, timeoutMs: number): Promise<boolean>;
  revokeLease(leaseId: string): Promise<void>;
  /** Puts this member's observed state bound to the lease; with `lastLsn`, writes that key in the same transaction. */
  publishMember(state: MemberState, leaseId: string, lastLsn?: LastLsn): Promise<void>;
  /**
   * Takes the re-clone lock (bound to the lease) if nobody holds it; resolves true if `node` holds it afterwards.
   * Only the holder may remove its data directory, so no two members are ever without data at once.
   */
  acquireRecloneLock(node: string, leaseId: string): Promise<boolean>;
  /** Deletes the re-clone lock only if it still names `node`. */
  releaseRecloneLock(node: string): Promise<void>;
  /** Creates the leader key bound to the lease if absent; resolves true if `node` holds it afterwards. */
  campaign(node: string, leaseId: string): Promise<boolean>;
  /** Deletes the leader key only if it still names `node`. */
  resign(node: string): Promise<void>;
  /**
   * Writes the desired state if its mod revision is still `expectRevision` and the leader key
   * still names `leader`; with the extras in the same transaction. Resolves false on a lost race.
   */
  casDesired(expectRevision: string, next: DesiredState, leader: string, extras?: CasExtras): Promise<boolean>;
  /** Records the system identifier once; resolves false if another value is already there. */
  markInitialized(systemId: string): Promise<boolean>;
  /** Creates the request key if absent; resolves false if a request is already pending. */
  putRequest(request: RoleChangeRequest): Promise<boolean>;
  /** Puts the maintenance key (pause), or deletes it (null: resume). Not bound to a lease: a pause outlives daemons. */
  setMaintenance(value: Maintenance | null): Promise<void>;
  /** Creates `<kind>/<node>` if absent; resolves false if such a request is already pending. */
  putNodeRequest(kind: NodeRequestKind, node: string, request: NodeRequest): Promise<boolean>;
  /** Deletes `<kind>/<node>` (the node's daemon, as it takes the request on). */
  deleteNodeRequest(kind: NodeRequestKind, node: string): Promise<void>;
  /** Replaces the config if its mod revision is still `expectRevision`; resolves false on a lost race. */
  putConfig(expectRevision: string, config: ClusterConfig): Promise<boolean>;
  /** Writes desired state, config and a bootstrap history entry; refuses (false) if desired exists unless `force`. */
  initCluster(desired: DesiredState, config: ClusterConfig, history: HistoryEntry, force: boolean): Promise<boolean>;
  readHistory(): Promise<HistoryEntry[]>;
  /**
   * Calls `onChange` (coalescing is the caller's job) for every change under the prefix, in revision order.
   * `onReset` is called whenever the stream may have missed events (it broke, reconnected or failed).
   */
  watch(onChange: (event: WatchEvent) => void, onReset: () => void): Promise<void>;
  close(): Promise<void>;
}
