// The Dcs on etcd v3 through its JSON gateway: one range read per cycle at most, leases renewed by hand, CAS by
// transaction.
import {
  clusterKeys,
  type ClusterConfig,
  type ClusterKeys,
  type DesiredState,
  type HistoryEntry,
  type LastLsn,
  type Maintenance,
  type NodeRequest,
  type NodeRequestKind,
  type MemberState,
  type RoleChangeRequest,
} from '../../common/cluster-keys.js';
import { parseClusterView, parseHistory } from '../cluster-view.js';
import type { CasExtras, ClusterView, Dcs, RawRead, WatchEvent } from '../dcs.js';
import { b64, EtcdError, EtcdGateway, fromB64, prefixEnd } from './gateway.js';
import { LeaseStream } from './lease-stream.js';
import { httpTransport, type GatewayTransport } from './transport.js';
import type { Clock } from '../clock.js';
import { PrefixWatch } from './prefix-watch.js';

export interface EtcdDcsOptions {
  endpoints: string[];
  cluster: string;
  /** Deadline of every call; a call that takes longer counts as a failure. */
  callTimeoutMs: number;
  /** How requests travel and what times them (default: node's http, the system clock); the simulator passes its own. */
  transport?: GatewayTransport;
  clock?: Clock;
}

/** How long a read or keepalive waits for the member that answered last before asking the others too. */
const HEDGE_MS = 100;

interface GatewayKv {
  key?: string;
  value?: string;
  mod_revision?: string;
  lease?: string;
}
interface RangeAnswer {
  header?: { revision?: string };
  kvs?: GatewayKv[];
}
interface TxnAnswer {
  succeeded?: boolean;
  responses?: { response_range?: RangeAnswer }[];
}

type PutOp = { request_put: { key: string; value: string; lease?: string } };
type Op = PutOp | { request_range: { key: string } } | { request_delete_range: { key: string; range_end?: string } };
type Compare = { key: string; target: 'CREATE' | 'MOD' | 'VALUE'; result: 'EQUAL' | 'GREATER'; create_revision?: string; mod_revision?: string; value?: string };

const put = (key: string, value: string, lease?: string): PutOp => ({ request_put: { key: b64(key), value: b64(value), ...(lease ? { lease } : {}) } });
const get = (key: string): Op => ({ request_range: { key: b64(key) } });
const del = (key: string): Op => ({ request_delete_range: { key: b64(key) } });
/** The key does not exist (its create revision is 0). */
const absent = (key: string): Compare => ({ key: b64(key), target: 'CREATE', result: 'EQUAL', create_revision: '0' });
/** The key's mod revision is `rev` ("0": absent). */
const modIs = (key: string, rev: string): Compare => ({ key: b64(key), target: 'MOD', result: 'EQUAL', mod_revision: rev });
const valueIs = (key: string, value: string): Compare => ({ key: b64(key), target: 'VALUE', result: 'EQUAL', value: b64(value) });

/** The value of the first key a txn's first range answer holds (a txn's `else get`), or undefined. */
function firstValue(res: TxnAnswer): string | undefined {
  const kv = res.responses?.[0]?.response_range?.kvs?.[0];
  return kv ? fromB64(kv.value) : undefined;
}

export class EtcdDcs implements Dcs {
  private readonly gateway: EtcdGateway;
  private readonly keys: ClusterKeys;
  private watcher: PrefixWatch | null = null;
  private readonly leaseStream: LeaseStream;

  constructor(private readonly opts: EtcdDcsOptions) {
    this.keys = clusterKeys(opts.cluster);
    const transport = opts.transport ?? httpTransport();
    this.gateway = new EtcdGateway(
      opts.endpoints.map((e) => (/^https?:\/\//.test(e) ? e : `http://${e}`).replace(/\/+$/, '')),
      { transport, ...(opts.clock ? { clock: opts.clock } : {}) },
    );
    this.leaseStream = new LeaseStream(() => this.gateway.endpoints[this.gateway.order()[0]!]!, transport, this.gateway.clock);
  }

  private unary<T>(path: string, body: unknown): Promise<T> {
    return this.gateway.call<T>(path, body, { timeoutMs: this.opts.callTimeoutMs });
  }

  private txn(compare: Compare[], success: Op[], failure: Op[] = []): Promise<TxnAnswer> {
    return this.unary<TxnAnswer>('/v3/kv/txn', { compare, success, failure });
  }

  private async rawRange(prefix: string): Promise<RawRead> {
    // Linearizable (the default): a member cut off from the others does not answer with what it last knew.
    const res = await this.gateway.call<RangeAnswer>('/v3/kv/range', { key: b64(prefix), range_end: prefixEnd(prefix) }, { timeoutMs: this.opts.callTimeoutMs, hedgeMs: HEDGE_MS });
    let maxMod = -1;
    const kvs = (res.kvs ?? []).map((kv) => {
      const modRevision = kv.mod_revision ?? '0';
      if (Number(modRevision) > maxMod) maxMod = Number(modRevision);
      return { key: fromB64(kv.key), value: fromB64(kv.value), modRevision, lease: kv.lease ?? '0' };
    });
    if (prefix === this.keys.prefix) this.watcher?.checkAgainst(maxMod);
    return { revision: res.header?.revision ?? '0', kvs };
  }

  /** Everything but history/, which grows with every failover and is read only where it is shown. */
  async readRaw(): Promise<RawRead> {
    // Two ranges would be two revisions; one range up to the history prefix and one after it would still be two.
    // The history keys are few and small next to the members, so they are read and dropped here.
    const raw = await this.rawRange(this.keys.prefix);
    return { revision: raw.revision, kvs: raw.kvs.filter((kv) => !kv.key.startsWith(this.keys.historyPrefix)) };
  }

  async read(): Promise<ClusterView> {
    return parseClusterView((await this.readRaw()).kvs, this.keys);
  }

  async grantLease(ttlSeconds: number): Promise<{ id: string; ttlSeconds: number }> {
    const res = await this.unary<{ ID?: string; TTL?: string }>('/v3/lease/grant', { TTL: String(ttlSeconds) });
    if (!res.ID) throw new Error(`etcd granted no lease: ${JSON.stringify(res).slice(0, 100)}`);
    return { id: res.ID, ttlSeconds: Number(res.TTL ?? ttlSeconds) };
  }

  /**
   * On the keepalive stream (to the member the gateway prefers, the raft leader), and through the gateway to every
   * member if the stream has not answered within HEDGE_MS or failed: one dead etcd member must not cost a renewal.
   * The first answer counts. Sending every keepalive to all members at once had each member parse and forward three
   * renewals where one does, for every daemon, five times a second. The stream saves a fifth of the control plane's
   * idle CPU against gateway keepalives (docs/measurements/keepalive-stream-ab-i20.txt).
   */
  async keepAlive(leaseId: string, timeoutMs: number): Promise<boolean> {
    const clock = this.gateway.clock;
    return new Promise<boolean>((resolve, reject) => {
      let settled = false;
      let throughGateway = false;
      let streamFailed = false;
      let gatewayFailed = false;
      let lastError: unknown;
      const win = (alive: boolean) => {
        if (settled) return;
        settled = true;
        clock.clearTimeout(hedge);
        resolve(alive);
      };
      const lose = (err: unknown) => {
        lastError = err;
        if (!settled && streamFailed && gatewayFailed) {
          settled = true;
          reject(lastError);
        }
      };
      const viaGateway = () => {
        if (throughGateway || settled) return;
        throughGateway = true;
        this.gatewayKeepAlive(leaseId, timeoutMs).then(win, (err: unknown) => {
          gatewayFailed = true;
          lose(err);
        });
      };
      const hedge = clock.setTimeout(viaGateway, Math.min(HEDGE_MS, timeoutMs / 2));
      this.leaseStream.keepAlive(leaseId, timeoutMs).then(win, (err: unknown) => {
        streamFailed = true;
        viaGateway();
        lose(err);
      });
    });
  }

  private async gatewayKeepAlive(leaseId: string, timeoutMs: number): Promise<boolean> {
    const res = await this.gateway.call<{ result?: { TTL?: string } }>('/v3/lease/keepalive', { ID: leaseId }, { timeoutMs, hedgeMs: HEDGE_MS });
    if (!res.result) throw new Error(`etcd answered a keepalive without a result: ${JSON.stringify(res).slice(0, 100)}`);
    // The gateway omits zero values: no TTL means the lease no longer exists.
    return Number(res.result.TTL ?? 0) > 0;
  }

  /** How many keepalives the stream answered (the rest went through the gateway). */
  keepAlivesOnStream(): number {
    return this.leaseStream.answered;
  }

  async revokeLease(leaseId: string): Promise<void> {
    try {
      await this.unary('/v3/lease/revoke', { ID: leaseId });
    } catch (err) {
      if (err instanceof EtcdError && err.grpcCode === 5) return; // not found: expired already
      throw err;
    }
  }

  async publishMember(state: MemberState, leaseId: string, lastLsn?: LastLsn): Promise<void> {
    const member = put(this.keys.member(state.node), JSON.stringify(state), leaseId);
    // With a position: one transaction, one raft proposal; the position outlives the member key, which goes with
    // the lease.
    if (lastLsn) await this.txn([], [member, put(this.keys.lastLsn, JSON.stringify(lastLsn))]);
    else await this.unary('/v3/kv/put', member.request_put);
  }

  async acquireRecloneLock(node: string, leaseId: string): Promise<boolean> {
    const res = await this.txn([absent(this.keys.recloneLock)], [put(this.keys.recloneLock, node, leaseId)], [get(this.keys.recloneLock)]);
    return res.succeeded === true || firstValue(res) === node;
  }

  async releaseRecloneLock(node: string): Promise<void> {
    await this.txn([valueIs(this.keys.recloneLock, node)], [del(this.keys.recloneLock)]);
  }

  async campaign(node: string, leaseId: string): Promise<boolean> {
    const res = await this.txn([absent(this.keys.leader)], [put(this.keys.leader, node, leaseId)], [get(this.keys.leader)]);
    return res.succeeded === true || firstValue(res) === node;
  }

  async resign(node: string): Promise<void> {
    await this.txn([valueIs(this.keys.leader, node)], [del(this.keys.leader)]);
  }

  async casDesired(expectRevision: string, next: DesiredState, leader: string, extras: CasExtras = {}): Promise<boolean> {
    const ops: Op[] = [put(this.keys.desired, JSON.stringify(next))];
    if (extras.history) ops.push(put(this.keys.history(extras.history.generation), JSON.stringify(extras.history)));
    if (extras.refusal) ops.push(put(this.keys.refusal, JSON.stringify(extras.refusal)));
    if (extras.consumeRequest) ops.push(del(this.keys.request));
    const compare = [modIs(this.keys.desired, expectRevision), valueIs(this.keys.leader, leader)];
    // A missing key's mod revision is 0.
    if (extras.memberUnchanged) compare.push(modIs(this.keys.member(extras.memberUnchanged.node), extras.memberUnchanged.modRevision ?? '0'));
    return (await this.txn(compare, ops)).succeeded === true;
  }

  async markInitialized(systemId: string): Promise<boolean> {
    const res = await this.txn([absent(this.keys.initialized)], [put(this.keys.initialized, systemId)], [get(this.keys.initialized)]);
    return res.succeeded === true || firstValue(res) === systemId;
  }

  async putRequest(request: RoleChangeRequest): Promise<boolean> {
    return (await this.txn([absent(this.keys.request)], [put(this.keys.request, JSON.stringify(request))])).succeeded === true;
  }

  async setMaintenance(value: Maintenance | null): Promise<void> {
    if (value) await this.unary('/v3/kv/put', put(this.keys.maintenance, JSON.stringify(value)).request_put);
    else await this.unary('/v3/kv/deleterange', { key: b64(this.keys.maintenance) });
  }

  async putNodeRequest(kind: NodeRequestKind, node: string, request: NodeRequest): Promise<boolean> {
    const key = this.keys.nodeRequest(kind, node);
    return (await this.txn([absent(key)], [put(key, JSON.stringify(request))])).succeeded === true;
  }

  async deleteNodeRequest(kind: NodeRequestKind, node: string): Promise<void> {
    await this.unary('/v3/kv/deleterange', { key: b64(this.keys.nodeRequest(kind, node)) });
  }

  async putConfig(expectRevision: string, config: ClusterConfig): Promise<boolean> {
    return (await this.txn([modIs(this.keys.config, expectRevision)], [put(this.keys.config, JSON.stringify(config))])).succeeded === true;
  }

  async initCluster(desired: DesiredState, config: ClusterConfig, history: HistoryEntry, force: boolean): Promise<boolean> {
    const writes = [put(this.keys.desired, JSON.stringify(desired)), put(this.keys.config, JSON.stringify(config)), put(this.keys.history(history.generation), JSON.stringify(history))];
    if (force) {
      // A forced init starts a new cluster: old members, history, leader and bootstrap marker go.
      await this.unary('/v3/kv/deleterange', { key: b64(this.keys.prefix), range_end: prefixEnd(this.keys.prefix) });
      await this.txn([absent(this.keys.desired)], writes);
      return true;
    }
    return (await this.txn([absent(this.keys.desired)], writes)).succeeded === true;
  }

  async readHistory(): Promise<HistoryEntry[]> {
    return parseHistory((await this.rawRange(this.keys.historyPrefix)).kvs);
  }

  async watch(onChange: (event: WatchEvent) => void, onReset: () => void): Promise<void> {
    this.watcher?.stop();
    // Only the daemon watches: it runs for long, so it keeps its calls on the raft leader.
    this.gateway.startPreferringLeader();
    this.watcher = new PrefixWatch(this.gateway, this.keys.prefix, onChange, onReset);
    this.watcher.start();
  }

  async close(): Promise<void> {
    this.watcher?.stop();
    this.watcher = null;
    this.leaseStream.close();
    this.gateway.close();
  }
}
