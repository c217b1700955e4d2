// The replica set the topology asks for, and how to get there from what the servers report: initiate once, then
// reconfigure one voting member at a time (MongoDB refuses a reconfig that adds or removes more than one voter).
import { machinesOf, type Topology } from '../../topology.js';

export const MONGO_PORT = 27017;
export const MONGO_REPLICA_SET = 'rs0';

export interface RsMember {
  _id: number;
  host: string;
  [field: string]: unknown;
}

export interface RsConfig {
  _id: string;
  version?: number;
  members: RsMember[];
  [field: string]: unknown;
}

export type RsPlan =
  | { kind: 'initiate'; config: RsConfig }
  | { kind: 'reconfigure'; steps: RsConfig[]; added: string[]; removed: string[] }
  | { kind: 'unchanged' };

export function mongoHosts(t: Topology): string[] {
  return machinesOf(t, 'mongo').map((m) => `${m.ip}:${MONGO_PORT}`);
}

/** Member ids follow the machine number (mongo2 → 2), so a member keeps its id across reconfigurations. */
export function desiredMembers(t: Topology): RsMember[] {
  return machinesOf(t, 'mongo').map((m) => ({ _id: Number(m.name.replace(/^\D+/, '')), host: `${m.ip}:${MONGO_PORT}` }));
}

export function initialConfig(t: Topology): RsConfig {
  return { _id: MONGO_REPLICA_SET, members: desiredMembers(t) };
}

/**
 * `current` is the set's config as replSetGetConfig returns it, or null when the set was never initiated. Members the
 * topology keeps stay as they are (their settings survive); each step bumps the version and changes one member.
 */
export function planReplicaSet(current: RsConfig | null, t: Topology): RsPlan {
  const desired = desiredMembers(t);
  if (desired.length === 0) return { kind: 'unchanged' };
  if (!current) return { kind: 'initiate', config: initialConfig(t) };
  const wanted = new Set(desired.map((m) => m.host));
  const have = new Set(current.members.map((m) => m.host));
  const added = desired.filter((m) => !have.has(m.host));
  const removed = current.members.filter((m) => !wanted.has(m.host));
  if (added.length === 0 && removed.length === 0) return { kind: 'unchanged' };
  const steps: RsConfig[] = [];
  let members = [...current.members];
  let version = current.version ?? 1;
  const push = () => steps.push({ ...current, version: ++version, members: [...members] });
  // Add before remove: the set never shrinks below what it had while it changes.
  for (const m of added) {
    const taken = new Set(members.map((x) => x._id));
    const _id = taken.has(m._id) ? Math.max(...taken) + 1 : m._id;
    members.push({ _id, host: m.host });
    push();
  }
  for (const m of removed) {
    members = members.filter((x) => x.host !== m.host);
    push();
  }
  return { kind: 'reconfigure', steps, added: added.map((m) => m.host), removed: removed.map((m) => m.host) };
}

/** What `hello` (or 4.0's `isMaster`) says of one member, as far as pglab reads it. */
export interface MemberHello {
  isWritablePrimary?: boolean;
  ismaster?: boolean;
  secondary?: boolean;
  arbiterOnly?: boolean;
  setName?: string;
  isreplicaset?: boolean;
  /** The member's last applied write; `t` is the election term it was written in (a number, or a driver Long). */
  lastWrite?: { opTime?: { t?: unknown } };
}

/** The state `hello` reports for one member, as `pglab status` shows it. */
export function memberState(hello: MemberHello | null): string {
  if (!hello) return 'unreachable';
  if (hello.isWritablePrimary ?? hello.ismaster) return 'PRIMARY';
  if (hello.secondary) return 'SECONDARY';
  if (hello.arbiterOnly) return 'ARBITER';
  if (!hello.setName) return 'not initiated';
  return 'RECOVERING';
}

function termOf(hello: MemberHello | null | undefined): number | null {
  const t = hello?.lastWrite?.opTime?.t;
  if (typeof t === 'number') return t;
  if (typeof t === 'object' && t !== null && 'toNumber' in t && typeof t.toNumber === 'function') return (t.toNumber as () => number).call(t);
  return null;
}

/**
 * Whether a member that was broken is a member again: PRIMARY, or SECONDARY having applied a write of the current
 * PRIMARY's term. A restarted old PRIMARY says SECONDARY before it finds that it diverged, then rolls back (ROLLBACK,
 * RECOVERING) and only then replicates the new term: seen on 4.0 as RECOVERING just after it had said SECONDARY.
 * Returns its state when it is, or why not.
 */
export function rejoined(member: MemberHello | null, primary: MemberHello | null): { state: string } | { notYet: string } {
  const state = memberState(member);
  if (state === 'PRIMARY') return { state };
  if (state !== 'SECONDARY') return { notYet: state };
  if (!primary) return { notYet: 'SECONDARY, no PRIMARY to compare with' };
  const mine = termOf(member);
  const theirs = termOf(primary);
  // A server that reports no terms (none known here) is judged by its state alone.
  if (mine === null || theirs === null) return { state };
  return mine >= theirs ? { state } : { notYet: `SECONDARY, still on term ${mine} (the PRIMARY writes in term ${theirs})` };
}
