// etcd's v3 JSON gateway on the simulated etcd, and the transport that carries the real client's requests to it on the
// simulated network and clock: the daemon's own etcd adapter (dcs-etcd.ts, gateway.ts, prefix-watch.ts) runs unchanged.
import protobuf from 'protobufjs';
import { GrpcFrameReader } from '../../daemon/etcd/lease-stream.js';
import type { GatewayTransport, GrpcStreamHandlers, StreamHandlers } from '../../daemon/etcd/transport.js';
import type { Network } from './network.js';
import type { Proc, Scheduler } from './scheduler.js';
import type { SimEtcd, SimKv } from './sim-etcd.js';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const unb64 = (s: string | undefined) => (s === undefined ? '' : Buffer.from(s, 'base64').toString('utf8'));

/** etcd's LeaseKeepAlive messages, encoded by protobufjs: an implementation independent of the daemon's hand-coded one. */
const proto = protobuf.Root.fromJSON({
  nested: {
    ResponseHeader: { fields: { cluster_id: { type: 'uint64', id: 1 }, member_id: { type: 'uint64', id: 2 }, revision: { type: 'int64', id: 3 }, raft_term: { type: 'uint64', id: 4 } } },
    LeaseKeepAliveRequest: { fields: { ID: { type: 'int64', id: 1 } } },
    LeaseKeepAliveResponse: { fields: { header: { type: 'ResponseHeader', id: 1 }, ID: { type: 'int64', id: 2 }, TTL: { type: 'int64', id: 3 } } },
  },
});
const KeepAliveRequest = proto.lookupType('LeaseKeepAliveRequest');
const KeepAliveResponse = proto.lookupType('LeaseKeepAliveResponse');

function grpcFrame(message: Uint8Array): Buffer {
  const frame = Buffer.alloc(5 + message.length);
  frame.writeUInt32BE(message.length, 1);
  frame.set(message, 5);
  return frame;
}

/** gRPC status codes etcd answers with, and the HTTP status grpc-gateway maps each to. */
const NOT_FOUND = { code: 5, http: 404 };

interface Compare {
  key: string;
  range_end?: string;
  target?: 'VERSION' | 'CREATE' | 'MOD' | 'VALUE' | 'LEASE';
  result?: 'EQUAL' | 'GREATER' | 'LESS' | 'NOT_EQUAL';
  version?: string;
  create_revision?: string;
  mod_revision?: string;
  value?: string;
  lease?: string;
}
type RequestOp = { request_range?: { key: string; range_end?: string }; request_put?: { key: string; value?: string; lease?: string }; request_delete_range?: { key: string; range_end?: string } };

class EtcdAnswerError extends Error {
  constructor(readonly http: number, readonly code: number, message: string) {
    super(message);
  }
}

/** What etcd's gateway answers to one JSON request, computed on the simulated store (as etcd 3.4 does, zero values left out). */
export class SimEtcdGateway {
  constructor(
    private readonly etcd: SimEtcd,
    /** Rewrites a value as it is stored (a member state written by a daemon of another version). */
    private readonly rewrite: (key: string, value: string) => string = (_k, v) => v,
  ) {}

  private header(member = 0) {
    return { cluster_id: '14841639068965178418', member_id: this.etcd.memberId(member), revision: String(this.etcd.revision), raft_term: '2' };
  }

  private kv(key: string, kv: SimKv) {
    return {
      key: b64(key),
      create_revision: String(kv.createRevision),
      mod_revision: String(kv.modRevision),
      version: String(kv.version),
      ...(kv.value !== '' ? { value: b64(kv.value) } : {}),
      ...(kv.lease !== '0' ? { lease: kv.lease } : {}),
    };
  }

  private range(key: string, rangeEnd: string | undefined): Array<[string, SimKv]> {
    const k = unb64(key);
    if (rangeEnd === undefined) {
      const kv = this.etcd.get(k);
      return kv ? [[k, kv]] : [];
    }
    const end = Buffer.from(rangeEnd, 'base64');
    const all = end.length === 1 && end[0] === 0;
    return this.etcd.between(k, all ? null : end);
  }

  private compare(c: Compare): boolean {
    const kvs = this.range(c.key, c.range_end);
    if (kvs.length === 0) {
      // etcd: a value compare on a key that does not exist always fails; the others compare against zero values.
      if (c.target === 'VALUE') return false;
      return cmp(0, c);
    }
    return kvs.every(([, kv]) => cmp(kv, c));
  }

  /** Runs one unary request; throws EtcdAnswerError for what etcd refuses. */
  handle(path: string, body: Record<string, unknown>, member: number): unknown {
    const etcd = this.etcd;
    switch (path) {
      case '/v3/kv/range': {
        const kvs = this.range(body['key'] as string, body['range_end'] as string | undefined);
        return { header: this.header(member), ...(kvs.length ? { kvs: kvs.map(([k, v]) => this.kv(k, v)), count: String(kvs.length) } : {}) };
      }
      case '/v3/kv/put': {
        this.txn([], [{ request_put: body as RequestOp['request_put'] }], []);
        return { header: this.header(member) };
      }
      case '/v3/kv/deleterange': {
        const before = this.range(body['key'] as string, body['range_end'] as string | undefined).length;
        this.txn([], [{ request_delete_range: body as RequestOp['request_delete_range'] }], []);
        return { header: this.header(member), ...(before ? { deleted: String(before) } : {}) };
      }
      case '/v3/kv/txn': {
        const r = this.txn((body['compare'] as Compare[]) ?? [], (body['success'] as RequestOp[]) ?? [], (body['failure'] as RequestOp[]) ?? []);
        return { header: this.header(member), ...(r.succeeded ? { succeeded: true } : {}), ...(r.responses.length ? { responses: r.responses } : {}) };
      }
      case '/v3/lease/grant': {
        const g = etcd.grant(Number(body['TTL']));
        return { header: this.header(member), ID: g.id, TTL: String(g.ttlSeconds) };
      }
      case '/v3/lease/keepalive': {
        const id = body['ID'] as string;
        const ttl = etcd.keepAlive(id);
        return { result: { header: this.header(member), ID: id, ...(ttl > 0 ? { TTL: String(ttl) } : {}) } };
      }
      case '/v3/lease/revoke': {
        const id = body['ID'] as string;
        if (!etcd.leaseAlive(id)) throw new EtcdAnswerError(NOT_FOUND.http, NOT_FOUND.code, 'etcdserver: requested lease not found');
        etcd.revoke(id);
        return { header: this.header(member) };
      }
      case '/v3/maintenance/status':
        return { header: this.header(member), version: '3.4.23', leader: etcd.memberId(etcd.leaderMember()) };
      default:
        throw new EtcdAnswerError(404, 12, `sim: the simulated etcd gateway does not serve ${path}`);
    }
  }

  /** One transaction: every compare, then one branch; its writes share one revision (etcd's atomic txn). */
  private txn(compare: Compare[], success: RequestOp[], failure: RequestOp[]): { succeeded: boolean; responses: unknown[] } {
    const succeeded = compare.every((c) => this.compare(c));
    const ops = succeeded ? success : failure;
    // A put on a lease etcd does not have fails the whole transaction, before anything is written.
    for (const op of ops) {
      const lease = op.request_put?.lease;
      if (lease && lease !== '0' && !this.etcd.leaseAlive(lease)) throw new EtcdAnswerError(NOT_FOUND.http, NOT_FOUND.code, 'etcdserver: requested lease not found');
    }
    let rev: number | undefined;
    const writeRevision = () => (rev ??= this.etcd.txnRevision());
    const responses = ops.map((op) => {
      if (op.request_range) {
        const kvs = this.range(op.request_range.key, op.request_range.range_end);
        return { response_range: { header: this.header(), ...(kvs.length ? { kvs: kvs.map(([k, v]) => this.kv(k, v)), count: String(kvs.length) } : {}) } };
      }
      if (op.request_put) {
        const key = unb64(op.request_put.key);
        this.etcd.put(key, this.rewrite(key, unb64(op.request_put.value)), op.request_put.lease ?? '0', writeRevision());
        return { response_put: { header: this.header() } };
      }
      const d = op.request_delete_range!;
      const kvs = this.range(d.key, d.range_end);
      for (const [k] of kvs) this.etcd.del(k, writeRevision());
      return { response_delete_range: { header: this.header(), ...(kvs.length ? { deleted: String(kvs.length) } : {}) } };
    });
    return { succeeded, responses };
  }

  /** The first message of a watch stream and a filter for its events. */
  watchStart(body: Record<string, unknown>, member: number): { created: unknown; covers: (key: string) => boolean } {
    const req = (body['create_request'] ?? {}) as { key?: string; range_end?: string };
    const start = unb64(req.key);
    const end = req.range_end === undefined ? null : Buffer.from(req.range_end, 'base64');
    const covers = (key: string) => (end === null ? key === start : key >= start && Buffer.compare(Buffer.from(key, 'utf8'), end) < 0);
    return { created: { result: { header: this.header(member), created: true } }, covers };
  }

  private lastEvent: { key: string; modRevision: number; line: string } | null = null;

  /** One watch message as a line; every stream gets the same text for one change (encoded once). */
  watchLine(key: string, value: string | null, modRevision: number, lease: string): string {
    const last = this.lastEvent;
    if (last && last.key === key && last.modRevision === modRevision) return last.line;
    const kv = value === null ? { key: b64(key), mod_revision: String(modRevision) } : { key: b64(key), mod_revision: String(modRevision), ...(value !== '' ? { value: b64(value) } : {}), ...(lease !== '0' ? { lease } : {}) };
    const line = JSON.stringify({ result: { header: this.header(), events: [{ ...(value === null ? { type: 'DELETE' } : {}), kv }] } }) + '\n';
    this.lastEvent = { key, modRevision, line };
    return line;
  }
}

function cmp(kv: SimKv | 0, c: Compare): boolean {
  let have: number | string;
  let want: number | string;
  switch (c.target ?? 'VERSION') {
    case 'VERSION':
      have = kv === 0 ? 0 : kv.version;
      want = Number(c.version ?? 0);
      break;
    case 'CREATE':
      have = kv === 0 ? 0 : kv.createRevision;
      want = Number(c.create_revision ?? 0);
      break;
    case 'MOD':
      have = kv === 0 ? 0 : kv.modRevision;
      want = Number(c.mod_revision ?? 0);
      break;
    case 'LEASE':
      have = kv === 0 ? 0 : Number(kv.lease);
      want = Number(c.lease ?? 0);
      break;
    case 'VALUE':
      have = kv === 0 ? '' : kv.value;
      want = unb64(c.value);
      break;
  }
  switch (c.result ?? 'EQUAL') {
    case 'EQUAL':
      return have === want;
    case 'NOT_EQUAL':
      return have !== want;
    case 'GREATER':
      return have > want;
    case 'LESS':
      return have < want;
  }
}

export interface SimNetEnv {
  s: Scheduler;
  net: Network;
  etcd: SimEtcd;
  gateway: SimEtcdGateway;
  /** One-way time of a message from `from` to `to` (jitter, link delay, loss retransmits, slow etcd); Infinity: lost. */
  transit: (from: string, to: string) => number;
}

/** Runs `fn` once a message from `from` to `to` has arrived, as an event of `proc` (null: the world); lost ones never. */
function send(env: SimNetEnv, from: string, to: string, proc: Proc | null, fn: () => void): void {
  const ms = env.transit(from, to);
  if (Number.isFinite(ms)) env.s.after(ms, proc, fn);
}

/** `http://etcd1:2379/v3/kv/range` → member 1 and the path. */
function target(url: string): { member: number; path: string } {
  const m = /^http:\/\/etcd(\d+):\d+(\/.*)$/.exec(url);
  if (!m) throw new Error(`sim: not a simulated etcd endpoint: ${url}`);
  return { member: Number(m[1]), path: m[2]! };
}

/**
 * A request reaches its etcd member one transit after it is sent if the path is open, the member is up and etcd can
 * serve (leader, quorum); the answer needs the path open again on the way back. A member that is down refuses at once;
 * anything else is a silence the caller's deadline ends. Answers are events of the calling process: a paused process
 * gets them late, a dead one never.
 */
export function simTransport(env: SimNetEnv, host: string, proc: Proc): GatewayTransport {
  const { s, net, etcd, gateway } = env;
  return {
    post(url, payload, timeoutMs) {
      const { member, path } = target(url);
      return new Promise((resolve, reject) => {
        let done = false;
        const finish = (fn: () => void) => {
          if (done) return;
          done = true;
          s.cancel(deadline);
          fn();
        };
        const deadline = s.after(timeoutMs, proc, () => finish(() => reject(new Error(`${url}: no answer within ${timeoutMs}ms`))));
        send(env, host, 'etcd', null, () => {
          if (!net.reachable(host, 'etcd')) return;
          const state = etcd.memberState(member);
          if (state === 'down') return send(env, 'etcd', host, proc, () => finish(() => reject(new Error(`connect ECONNREFUSED ${url}`))));
          if (state === 'hung') return;
          let answer: { status: number; body: string };
          if (!etcd.available()) {
            // A member without a leader or quorum holds the request until it times out (etcd's request timeout is
            // longer than any of the daemon's deadlines), which the caller sees as silence.
            return;
          }
          try {
            answer = { status: 200, body: JSON.stringify(gateway.handle(path, JSON.parse(payload) as Record<string, unknown>, member)) };
          } catch (err) {
            if (!(err instanceof EtcdAnswerError)) throw err;
            answer = { status: err.http, body: JSON.stringify({ error: err.message, code: err.code, message: err.message }) };
          }
          send(env, 'etcd', host, proc, () => {
            if (!net.reachable(host, 'etcd')) return;
            finish(() => resolve(answer));
          });
        });
      });
    },
    openStream(url, payload, h: StreamHandlers) {
      const { member } = target(url);
      let open = true;
      let unwatch: (() => void) | null = null;
      let lastAt = 0;
      /** One stream: messages arrive in order, whatever each one's transit. */
      const deliver = (fn: () => void) => {
        const t = env.transit('etcd', host);
        // A lost segment is sent again; one that never arrives leaves the stream silent from here on.
        if (!Number.isFinite(t)) return void (lastAt = Infinity);
        if (lastAt === Infinity) return;
        const at = Math.max(s.now + t, lastAt);
        lastAt = at;
        s.after(at - s.now, proc, () => open && fn());
      };
      const end = (error: string | null) => {
        if (!open) return;
        open = false;
        unwatch?.();
        h.onEnd(error);
      };
      send(env, host, 'etcd', null, () => {
        if (!open || !net.reachable(host, 'etcd')) return;
        const state = etcd.memberState(member);
        if (state === 'down') return send(env, 'etcd', host, proc, () => end(`connect ECONNREFUSED ${url}`));
        if (state === 'hung' || !etcd.available()) return;
        const w = gateway.watchStart(JSON.parse(payload) as Record<string, unknown>, member);
        const line = (msg: unknown) => JSON.stringify(msg) + '\n';
        deliver(() => {
          h.onResponse(200);
          h.onData(line(w.created));
        });
        unwatch = etcd.watch(
          (key, value, modRevision, lease) => {
            if (!proc.alive) return unwatch?.();
            if (!w.covers(key)) return;
            // A cut path or a hung member says nothing (as a TCP stream does until it times out): the event is lost.
            if (!net.reachable(host, 'etcd') || etcd.memberState(member) !== 'up') return;
            const msg = gateway.watchLine(key, value, modRevision, lease);
            deliver(() => h.onData(msg));
          },
          { member, end: (why) => deliver(() => end(why)) },
        );
      });
      return {
        destroy: () => {
          open = false;
          unwatch?.();
        },
      };
    },
    /**
     * The lease keepalive stream: frames travel in order each way; etcd answers each request in turn. A member that
     * goes down resets the stream; a hung one, a cut path or an etcd without quorum leave it silent.
     */
    openGrpc(endpoint, _path, h: GrpcStreamHandlers) {
      const { member } = target(`${endpoint}/`);
      let open = true;
      let up = false;
      let lastOut = 0;
      let lastIn = 0;
      const reader = new GrpcFrameReader();
      const close = (why: string) => {
        if (!open) return;
        open = false;
        h.onClose(why);
      };
      const ordered = (from: string, to: string, last: () => number, set: (at: number) => void, p: Proc | null, fn: () => void) => {
        const t = env.transit(from, to);
        if (!Number.isFinite(t) || last() === Infinity) return set(Infinity);
        const at = Math.max(s.now + t, last());
        set(at);
        s.after(at - s.now, p, fn);
      };
      const connected = () => open && net.reachable(host, 'etcd') && etcd.memberState(member) === 'up';
      send(env, host, 'etcd', null, () => {
        if (!open || !net.reachable(host, 'etcd')) return;
        if (etcd.memberState(member) === 'down') return send(env, 'etcd', host, proc, () => close('session error'));
        up = true;
      });
      return {
        write(frame: Buffer) {
          ordered(host, 'etcd', () => lastOut, (at) => (lastOut = at), null, () => {
            // A member that went down reset the connection: the next write finds out.
            if (open && etcd.memberState(member) === 'down') return send(env, 'etcd', host, proc, () => close('stream error'));
            if (!up || !connected() || !etcd.available()) return;
            for (const message of reader.push(frame)) {
              const id = String(KeepAliveRequest.toObject(KeepAliveRequest.decode(message), { longs: String })['ID'] ?? '0');
              const ttl = etcd.keepAlive(id);
              const answer = grpcFrame(KeepAliveResponse.encode(KeepAliveResponse.create({ header: { revision: etcd.revision }, ID: id, TTL: ttl })).finish());
              ordered('etcd', host, () => lastIn, (at) => (lastIn = at), proc, () => {
                if (open && net.reachable(host, 'etcd')) h.onData(answer);
              });
            }
          });
        },
        close() {
          open = false;
        },
      };
    },
    close() {},
  };
}
