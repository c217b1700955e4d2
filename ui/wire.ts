// What the UI server sends the page, as types only: the page (ui/page/, compiled for the browser) and the server both
// import them. This file imports nothing but another import-free one, so the page's compilation stays small.
import type { LiveEvent } from '../common/live-run.js';

export type { LiveEvent };

export type UiEventKind = 'bootstrap' | 'failover' | 'switchover' | 'sync' | 'fence' | 'rewind' | 'clone' | 'reinit' | 'promote' | 'demote' | 'restart' | 'kill' | 'machine';

export interface UiEvent {
  /** ISO time: the decision's, the member's publication, or when the UI saw the machine change. */
  at: string;
  kind: UiEventKind;
  node: string | null;
  text: string;
  source: 'history' | 'member' | 'machine';
}

export interface UiPostgres {
  /** What the member reports (primary, replica, stopped, unknown) and what the desired state wants of it. */
  haRole: string;
  want: string | null;
  /** Holds the HA manager's leader key. */
  leader: boolean;
  timeline: number | null;
  lsn: string;
  lagBytes: number | null;
  /** From the primary's published WAL positions (ui/replication-lag.ts); null when unknown. */
  lagMs: number | null;
  lagAtLeast: boolean;
  /** The primary's pg_stat_replication sync_state for this replica (sync, async, potential, quorum); null if absent. */
  sync: string | null;
  streaming: boolean;
  upstream: string | null;
  pendingRestart: string[];
  restarting: boolean;
  message: string;
}

export interface UiMachine {
  name: string;
  ip: string;
  role: string;
  state: 'running' | 'stopped' | 'absent';
  services: Record<string, string>;
  postgres?: UiPostgres;
  mongo?: { state: string };
}

export interface UiHaproxy {
  machine: string;
  /** proxy (primary, replicas, stats) → server → status (UP, DOWN, …). */
  backends: Record<string, Record<string, string>>;
  error?: string;
}

export interface UiEtcdMember {
  machine: string;
  up: boolean;
  leader: boolean;
  raftTerm: number | null;
  error?: string;
}

export interface UiSnapshot {
  at: string;
  lab: string;
  manager: string;
  cluster: { leader: string | null; primary: string | null; generation: number | null; synchronous: boolean | null; problems: string[] } | null;
  paused: { since: string; by: string; reason?: string | undefined } | null;
  machines: UiMachine[];
  haproxy: UiHaproxy[];
  etcd: UiEtcdMember[];
  events: UiEvent[];
  /** What could not be read this time (the rest of the document is still current). */
  errors: string[];
  /** How long this reading of the lab took (ms). */
  readMs: number;
}

/** What the page needs once: the lab's machines and the fault catalogue for its buttons. */
export interface UiHello {
  lab: string;
  machines: { name: string; role: string }[];
  faults: { name: string; help: string; target: string; timed: boolean }[];
}

/** What the page is told about an action: its start, each line of its output, its end. */
export type ActionUpdate =
  | { id: number; kind: 'start'; command: string; at: string }
  | { id: number; kind: 'line'; stream: 'out' | 'err'; text: string }
  | { id: number; kind: 'end'; code: number | null; signal: string | null; at: string };

/** The live channel's news: new events of the run, whether they start a new run, and whether its writer lives. */
export interface UiLive {
  restarted: boolean;
  events: LiveEvent[];
  active: boolean;
}

/** One message on the event stream (its SSE event name and JSON data). */
export type UiMessage =
  | { event: 'hello'; data: UiHello }
  | { event: 'snapshot'; data: UiSnapshot }
  | { event: 'live'; data: UiLive }
  | { event: 'action'; data: ActionUpdate };
