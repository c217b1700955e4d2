// The HA manager's events as the page lists them: decisions from the cluster's history (bootstrap, failover,
// switchover, sync), and what a member says it is doing (fence, rewind, clone, reinit, promote, demote, restart),
// seen when its published message turns to such an action; and machines going down or coming up. Pure.
import type { HistoryEntry, MemberState } from '../common/cluster-keys.js';
import type { UiEvent, UiEventKind } from './wire.js';

export type { UiEvent, UiEventKind };

export function historyEvent(h: HistoryEntry): UiEvent {
  const from = h.from ? `${h.from} → ` : '';
  return { at: h.decidedAt, kind: h.kind, node: h.to, text: `${h.kind} ${from}${h.to} (generation ${h.generation}): ${h.reason}`, source: 'history' };
}

/** What a member's message (pgdaemon's "one sentence per cycle") says it is doing, when that is an HA action. */
export function memberAction(message: string): UiEventKind | null {
  const m = message.trimStart();
  if (m.startsWith('fencing')) return 'fence';
  if (m.startsWith('rejoining')) return 'rewind';
  if (m.startsWith('re-cloning') || m.startsWith('reinit requested')) return 'reinit';
  if (m.startsWith('cloning')) return 'clone';
  if (m.startsWith('promoting')) return 'promote';
  if (m.startsWith('demoting')) return 'demote';
  if (m.startsWith('restarting')) return 'restart';
  if (m.startsWith('killing')) return 'kill';
  if (m.startsWith('bootstrapping')) return 'bootstrap';
  return null;
}

/** Per node: the action its last message named (null: none), so an action is listed once, when it starts. */
export type MemberActions = ReadonlyMap<string, UiEventKind | null>;

/** The member events since the previous poll, and the actions to remember for the next one. */
export function memberEvents(previous: MemberActions, members: readonly MemberState[]): { events: UiEvent[]; actions: Map<string, UiEventKind | null> } {
  const actions = new Map(previous);
  const events: UiEvent[] = [];
  for (const m of members) {
    const kind = memberAction(m.message);
    if (kind !== null && previous.get(m.node) !== kind) events.push({ at: m.updatedAt, kind, node: m.node, text: `${m.node}: ${m.message}`, source: 'member' });
    actions.set(m.node, kind);
  }
  return { events, actions };
}

/** A machine that stopped or started since the previous poll. */
export function machineEvents(previous: ReadonlyMap<string, string>, machines: readonly { machine: string; state: string }[], at: string): UiEvent[] {
  return machines
    .filter((m) => previous.has(m.machine) && previous.get(m.machine) !== m.state)
    .map((m) => ({ at, kind: 'machine' as const, node: m.machine, text: `${m.machine}: ${previous.get(m.machine)} → ${m.state}`, source: 'machine' as const }));
}

/** The list the page shows: history and seen events merged in time order, newest last, at most `max`. */
export function mergeEvents(history: readonly HistoryEntry[], seen: readonly UiEvent[], max = 200): UiEvent[] {
  const all = [...history.map(historyEvent), ...seen];
  all.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  return all.slice(-max);
}
