// The CLI's one way to read and change the HA cluster. One implementation per HA manager (pgdaemon today): this
// interface is the seam where the manager is chosen. Every method is what the manager's own CLI does.
import type { ClusterConfig, NodeRequestKind } from '../common/cluster-keys.js';
import type { ClusterState } from './cluster-state.js';

export type RoleChangeKind = 'switchover' | 'failover';

export interface InitRequest {
  primary: string;
  replicas: string[];
  sync: boolean;
  maxLagOnFailoverBytes: number;
}

export interface ClusterClient {
  /** Which HA manager this client speaks to. */
  readonly manager: string;
  /** The cluster now; history only when asked (it is a second read). */
  state(opts?: { history?: boolean }): Promise<ClusterState>;
  /** Creates the cluster's first desired state; false when it exists already. */
  init(req: InitRequest): Promise<boolean>;
  /** Asks for a switchover or failover and waits until the manager reports the new primary serving. */
  roleChange(kind: RoleChangeKind, to: string | null, force: boolean, onProgress: (line: string) => void): Promise<void>;
  /** Pause (maintenance mode) or resume; returns what happened, in a sentence. */
  setPaused(paused: boolean, reason: string | null): Promise<string>;
  /** Asks one node's manager to restart or re-clone it, and waits for its answer (returned). */
  nodeRequest(kind: NodeRequestKind, node: string, waitMs: number, onProgress: (line: string) => void): Promise<string>;
  /** The dynamic configuration. */
  config(): Promise<ClusterConfig>;
  /** Changes it (KEY=VALUE); returns one line per change. */
  configSet(assignments: readonly string[]): Promise<string[]>;
  close(): Promise<void>;
}
