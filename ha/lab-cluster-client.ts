// The cluster client for a lab: the manager its topology names, spoken to from this process when it runs inside
// the lab's network namespace, otherwise through one child process of pglab started inside it per call
// (ha/cluster-call-child.ts): the same client code either way, never a second way to the cluster.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { ClusterConfig, NodeRequestKind } from '../common/cluster-keys.js';
import { OperationFailed, UserError } from '../common/errors.js';
import { insideNetns, netnsPath } from '../lab/netns-path.js';
import { etcdEndpoints } from '../lab/roles/etcd.js';
import type { Topology } from '../lab/topology.js';
import type { ClusterClient, InitRequest, RoleChangeKind } from './cluster-client.js';
import { clusterStateSchema, type ClusterState } from './cluster-state.js';
import { PgdaemonClient } from './pgdaemon-client.js';

/** Where a client finds its cluster: enough for a child process to build the same client. */
export interface ClusterAddress {
  manager: 'pgdaemon';
  endpoints: string[];
  cluster: string;
}

export function clusterAddress(t: Topology): ClusterAddress {
  return { manager: 'pgdaemon', endpoints: etcdEndpoints(t), cluster: t.cluster };
}

/** The client for this address, in this process (which must be able to reach the lab's addresses). */
export function directClient(a: ClusterAddress): ClusterClient {
  switch (a.manager) {
    case 'pgdaemon':
      return new PgdaemonClient(a);
    default:
      a.manager satisfies never;
      throw new Error(`unknown HA manager ${String(a.manager)}`);
  }
}

export function clusterClient(t: Topology): ClusterClient {
  const a = clusterAddress(t);
  return insideNetns() ? directClient(a) : new ChildClusterClient(a);
}

/** Runs `fn` with a client and closes it after. */
export async function withClusterClient<T>(t: Topology, fn: (c: ClusterClient) => Promise<T>): Promise<T> {
  const c = clusterClient(t);
  try {
    return await fn(c);
  } finally {
    await c.close();
  }
}

/** One call, as the child reads it on stdin. */
export type ClusterCall =
  | { op: 'state'; history: boolean }
  | { op: 'init'; req: InitRequest }
  | { op: 'roleChange'; kind: RoleChangeKind; to: string | null; force: boolean }
  | { op: 'setPaused'; paused: boolean; reason: string | null }
  | { op: 'nodeRequest'; kind: NodeRequestKind; node: string; waitMs: number }
  | { op: 'config' }
  | { op: 'configSet'; assignments: string[] };

/** What the child writes on stdout, one JSON document per line; the last one is the result or the error. */
export type ChildLine =
  | { progress: string }
  | { result: unknown }
  | { error: { message: string; hint?: string; kind: 'user' | 'failed' | 'other' } };

const CHILD = join(import.meta.dirname, 'cluster-call-child.js');

class ChildClusterClient implements ClusterClient {
  readonly manager: string;
  constructor(private readonly address: ClusterAddress) {
    this.manager = address.manager;
  }

  private call(call: ClusterCall, onProgress: (l: string) => void = () => undefined): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const child = spawn('nsenter', [`--net=${netnsPath()}`, '--', process.execPath, CHILD], { stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      let settled: ChildLine | null = null;
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk;
        for (let nl = out.indexOf('\n'); nl >= 0; nl = out.indexOf('\n')) {
          const line = JSON.parse(out.slice(0, nl)) as ChildLine;
          out = out.slice(nl + 1);
          if ('progress' in line) onProgress(line.progress);
          else settled = line;
        }
      });
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
      child.on('error', reject);
      child.on('close', (code) => {
        const s = settled as ChildLine | null;
        if (s && 'result' in s) return resolve(s.result);
        if (s && 'error' in s) {
          const e = s.error;
          return reject(e.kind === 'failed' ? new OperationFailed(e.message, e.hint) : e.kind === 'user' ? new UserError(e.message, e.hint) : new Error(e.message));
        }
        reject(new Error(`the cluster client in the lab namespace exited with ${code} and no answer: ${err.trim() || '(nothing on stderr)'}`));
      });
      child.stdin.end(JSON.stringify({ address: this.address, call }));
    });
  }

  async state(opts: { history?: boolean } = {}): Promise<ClusterState> {
    return clusterStateSchema.parse(await this.call({ op: 'state', history: opts.history === true }));
  }
  async init(req: InitRequest): Promise<boolean> {
    return (await this.call({ op: 'init', req })) === true;
  }
  async roleChange(kind: RoleChangeKind, to: string | null, force: boolean, onProgress: (l: string) => void): Promise<void> {
    await this.call({ op: 'roleChange', kind, to, force }, onProgress);
  }
  async setPaused(paused: boolean, reason: string | null): Promise<string> {
    return String(await this.call({ op: 'setPaused', paused, reason }));
  }
  async nodeRequest(kind: NodeRequestKind, node: string, waitMs: number, onProgress: (l: string) => void): Promise<string> {
    return String(await this.call({ op: 'nodeRequest', kind, node, waitMs }, onProgress));
  }
  async config(): Promise<ClusterConfig> {
    return (await this.call({ op: 'config' })) as ClusterConfig;
  }
  async configSet(assignments: readonly string[]): Promise<string[]> {
    return (await this.call({ op: 'configSet', assignments: [...assignments] })) as string[];
  }
  async close(): Promise<void> {}
}

/** The cluster now, in one call (a loop that polls should keep one client instead). */
export function readClusterState(t: Topology, opts: { history?: boolean } = {}): Promise<ClusterState> {
  return withClusterClient(t, (c) => c.state(opts));
}
