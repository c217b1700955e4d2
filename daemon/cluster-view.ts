// Parses the raw keys of a cluster prefix into a ClusterView; garbage becomes a problem line, never a value.
import {
  clusterConfigSchema,
  desiredStateSchema,
  historyEntrySchema,
  lastLsnSchema,
  maintenanceSchema,
  memberStateSchema,
  nodeRequestKinds,
  nodeRequestSchema,
  refusalSchema,
  roleChangeRequestSchema,
  type ClusterKeys,
  type HistoryEntry,
} from '../common/cluster-keys.js';
import type { ClusterView, RawKey } from './dcs.js';
import type { z } from 'zod';

export type { RawKey };

function parseJson<T>(schema: z.ZodType<T>, text: string): { ok: true; value: T } | { ok: false; error: string } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { ok: false, error: `not JSON (${JSON.stringify(text.slice(0, 40))})` };
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, error: `bad shape: ${issue ? `${issue.path.join('.') || '(root)'} ${issue.message}` : 'invalid'}` };
  }
  return { ok: true, value: parsed.data };
}

export function parseClusterView(raw: readonly RawKey[], keys: ClusterKeys): ClusterView {
  const view: ClusterView = {
    leader: null,
    desired: null,
    config: null,
    configRevision: null,
    maintenance: null,
    nodeRequests: { restart: {}, reinit: {} },
    initialized: null,
    request: null,
    refusal: null,
    members: {},
    unreadableMembers: [],
    lastLsn: null,
    recloneLock: null,
    problems: [],
    desiredUnreadable: false,
  };
  for (const kv of raw) {
    const name = kv.key.slice(keys.prefix.length);
    if (kv.key === keys.leader) {
      view.leader = kv.value;
    } else if (kv.key === keys.initialized) {
      view.initialized = kv.value;
    } else if (kv.key === keys.desired) {
      const r = parseJson(desiredStateSchema, kv.value);
      if (r.ok) view.desired = { value: r.value, modRevision: kv.modRevision };
      else {
        view.desiredUnreadable = true;
        view.problems.push(`${name}: ${r.error}`);
      }
    } else if (kv.key === keys.config) {
      const r = parseJson(clusterConfigSchema, kv.value);
      view.configRevision = kv.modRevision;
      if (r.ok) view.config = r.value;
      else view.problems.push(`${name}: ${r.error}`);
    } else if (kv.key === keys.maintenance) {
      const r = parseJson(maintenanceSchema, kv.value);
      // A maintenance key we cannot read still says "paused": an operator put it there.
      view.maintenance = r.ok ? r.value : { since: '?', by: '?', reason: `unreadable maintenance key (${r.error})` };
      if (!r.ok) view.problems.push(`${name}: ${r.error}`);
    } else if (kv.key === keys.request) {
      const r = parseJson(roleChangeRequestSchema, kv.value);
      if (r.ok) view.request = r.value;
      else view.problems.push(`${name}: ${r.error}`);
    } else if (kv.key === keys.refusal) {
      const r = parseJson(refusalSchema, kv.value);
      if (r.ok) view.refusal = r.value;
      else view.problems.push(`${name}: ${r.error}`);
    } else if (kv.key === keys.lastLsn) {
      const r = parseJson(lastLsnSchema, kv.value);
      if (r.ok) view.lastLsn = r.value;
      else view.problems.push(`${name}: ${r.error}`);
    } else if (kv.key === keys.recloneLock) {
      view.recloneLock = kv.value;
    } else if (nodeRequestKinds.some((k) => kv.key.startsWith(keys.nodeRequestPrefix(k)))) {
      const kind = nodeRequestKinds.find((k) => kv.key.startsWith(keys.nodeRequestPrefix(k)))!;
      const node = kv.key.slice(keys.nodeRequestPrefix(kind).length);
      const r = parseJson(nodeRequestSchema, kv.value);
      if (r.ok) view.nodeRequests[kind][node] = r.value;
      else view.problems.push(`${name}: ${r.error}`);
    } else if (kv.key.startsWith(keys.memberPrefix)) {
      const node = kv.key.slice(keys.memberPrefix.length);
      const r = parseJson(memberStateSchema, kv.value);
      if (r.ok && r.value.node === node) view.members[node] = { value: r.value, modRevision: kv.modRevision, ...(kv.lease ? { lease: kv.lease } : {}) };
      else {
        // The key exists, so its lease is alive: the member is there, we just cannot read what it says.
        view.unreadableMembers.push(node);
        view.problems.push(`${name}: ${r.ok ? `names node ${r.value.node}` : r.error}`);
      }
    }
    // history/ is read separately (it grows); unknown keys are ignored on purpose.
  }
  return view;
}

export function parseHistory(raw: readonly RawKey[]): HistoryEntry[] {
  const out: HistoryEntry[] = [];
  for (const kv of raw) {
    const r = parseJson(historyEntrySchema, kv.value);
    if (r.ok) out.push(r.value);
  }
  return out.sort((a, b) => a.generation - b.generation);
}
