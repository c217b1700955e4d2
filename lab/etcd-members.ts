// Each etcd member's own status (is it up, which member it follows as leader), from etcd's JSON gateway: for a process
// inside the lab's network namespace (`pglab ui`). The HA cluster itself is read through ha/, not here.
import { ETCD_CLIENT_PORT } from './roles/etcd.js';
import type { Machine } from './topology.js';

export interface EtcdMemberStatus {
  machine: string;
  /** Answered its status request. */
  up: boolean;
  /** This member is the raft leader (by its own answer). */
  leader: boolean;
  /** The raft term it reports; null when down. */
  raftTerm: number | null;
  /** Why it is shown down: the request's error. */
  error?: string;
}

interface StatusReply {
  header?: { member_id?: string; raft_term?: string };
  leader?: string;
  raftTerm?: string;
}

/** One member's reply → its row; a member that names itself as leader is the leader. */
export function memberFromReply(machine: string, reply: StatusReply): EtcdMemberStatus {
  const self = reply.header?.member_id;
  const term = Number(reply.raftTerm ?? reply.header?.raft_term);
  return { machine, up: true, leader: self !== undefined && self === reply.leader, raftTerm: Number.isFinite(term) ? term : null };
}

/** Asks every member at once; a member that does not answer within `timeoutMs` is down. */
export async function etcdMembers(members: readonly Pick<Machine, 'name' | 'ip'>[], timeoutMs = 500): Promise<EtcdMemberStatus[]> {
  return Promise.all(
    members.map(async (m): Promise<EtcdMemberStatus> => {
      try {
        const res = await fetch(`http://${m.ip}:${ETCD_CLIENT_PORT}/v3/maintenance/status`, { method: 'POST', body: '{}', signal: AbortSignal.timeout(timeoutMs) });
        if (!res.ok) return { machine: m.name, up: false, leader: false, raftTerm: null, error: `HTTP ${res.status}` };
        return memberFromReply(m.name, (await res.json()) as StatusReply);
      } catch (err) {
        return { machine: m.name, up: false, leader: false, raftTerm: null, error: (err as Error).name === 'TimeoutError' ? `no answer in ${timeoutMs} ms` : (err as Error).message };
      }
    }),
  );
}
