// etcd's v3 JSON gateway over HTTP/1.1: unary calls with a deadline, spread over the members, and one watch stream.
//
// Why not etcd3 (gRPC): in a machine of the lab, etcd3's client, its gRPC stack and the parsed .proto files cost a
// daemon ~6 MB of heap and ~8 MB resident (docs/measurements/daemon-memory-by-part-i13.txt), a fifth of the 60 MB the
// daemon may use, and its HTTP/2 framing and protobuf run in JavaScript on every call. The gateway speaks JSON over
// node's C HTTP parser; it costs etcd a little more per request (measured for keepalives in
// docs/measurements/etcd-keepalive-cost-i13.txt), and the daemon's requests other than keepalives are few.
import { systemClock, type Clock, type TimerHandle } from '../clock.js';
import { httpTransport, type GatewayTransport } from './transport.js';

/** An answer from etcd that is not a success (the gateway's JSON error body), e.g. code 5 "lease not found". */
export class EtcdError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly grpcCode: number | null,
    message: string,
  ) {
    super(message);
  }
}

/** How long a dead member is skipped after a failure before it is tried again. */
const SKIP_FAILED_MS = 1000;
/** How often a long-running client looks for the raft leader again (startPreferringLeader). */
const LEADER_CHECK_MS = 10_000;

export interface GatewayCallOptions {
  timeoutMs: number;
  /**
   * Ask the other members too when the first has not answered within this many ms (or failed); the first answer
   * wins. Only for calls that may run twice without harm (reads, keepalives): a write is sent once.
   */
  hedgeMs?: number;
}

export interface WatchStream {
  /** Ends the stream; `memberFailed` skips its member for a while (the next stream opens on another). */
  stop(memberFailed: boolean): void;
}

export interface GatewayOptions {
  /** How requests travel (default: node's http with reused connections). */
  transport?: GatewayTransport;
  /** Timers and the monotonic clock (default: the system's). */
  clock?: Clock;
}

export class EtcdGateway {
  private readonly transport: GatewayTransport;
  readonly clock: Clock;
  /** Index of the member calls go to first: the raft leader once known, else the one whose answer counted last. */
  private preferred = 0;
  private readonly skipUntil: number[];
  private closed = false;
  /** etcd member id of each endpoint, learnt from its status answers. */
  private readonly memberIds: (string | null)[];
  private leaderTimer: TimerHandle | null = null;

  constructor(readonly endpoints: string[], opts: GatewayOptions = {}) {
    if (endpoints.length === 0) throw new Error('no etcd endpoint');
    this.transport = opts.transport ?? httpTransport();
    this.clock = opts.clock ?? systemClock;
    this.skipUntil = endpoints.map(() => 0);
    this.memberIds = endpoints.map(() => null);
  }

  /**
   * Makes the raft leader the member calls go to first. A follower forwards every lease renewal to the leader (one
   * more request inside etcd, and one more hop in the renewal's round trip): with the daemons' keepalives going to
   * a follower, the three etcd members of an idle lab used 7.7 % of a core, against 6.9 % when that member was the
   * leader. Asks the preferred member for its status (which names the leader), and the others only to learn their
   * member ids. Never fails: without an answer, the order stays as it is.
   */
  async preferLeader(timeoutMs = 1000): Promise<void> {
    if (this.endpoints.length < 2 || this.closed) return;
    const status = async (i: number) => {
      const res = await this.post<{ header?: { member_id?: string }; leader?: string }>(i, '/v3/maintenance/status', '{}', timeoutMs);
      this.memberIds[i] = res.header?.member_id ?? null;
      return res.leader ?? null;
    };
    try {
      const leader = await status(this.order()[0]!);
      if (!leader) return;
      if (!this.memberIds.includes(leader)) {
        await Promise.allSettled(this.endpoints.map((_, i) => (this.memberIds[i] === null ? status(i) : Promise.resolve(null))));
      }
      const i = this.memberIds.indexOf(leader);
      if (i >= 0 && this.skipUntil[i]! <= this.clock.now()) this.preferred = i;
    } catch {
      // the next check, or the calls' own failover, will do
    }
  }

  /** preferLeader now and every LEADER_CHECK_MS (etcd elects another leader when one dies or is cut off). */
  startPreferringLeader(): void {
    if (this.leaderTimer || this.endpoints.length < 2) return;
    void this.preferLeader();
    this.leaderTimer = this.clock.setInterval(() => void this.preferLeader(), LEADER_CHECK_MS);
    // A command-line client must be able to exit while it runs (Node's timers have unref, the simulator's need none).
    (this.leaderTimer as { unref?: () => void }).unref?.();
  }

  /** Members in the order a call tries them: the preferred one, then the others; recently failed ones last. */
  order(now = this.clock.now()): number[] {
    const n = this.endpoints.length;
    const rotation = Array.from({ length: n }, (_, i) => (this.preferred + i) % n);
    return [...rotation.filter((i) => this.skipUntil[i]! <= now), ...rotation.filter((i) => this.skipUntil[i]! > now)];
  }

  /** `first`: the answer that counted. A hedged call's later answers only say the member is up. */
  private succeeded(i: number, first = true): void {
    if (first) this.preferred = i;
    this.skipUntil[i] = 0;
  }

  private failed(i: number, err: unknown): void {
    // etcd answered (it is up): only a transport failure or an overloaded/leaderless member is skipped.
    if (err instanceof EtcdError && err.httpStatus < 500) return;
    this.skipUntil[i] = this.clock.now() + SKIP_FAILED_MS;
    if (this.preferred === i) this.preferred = (i + 1) % this.endpoints.length;
  }

  /** POST `path` with `body`; resolves with the parsed answer, rejects with EtcdError or a transport error. */
  async call<T>(path: string, body: unknown, opts: GatewayCallOptions): Promise<T> {
    const order = this.order();
    const payload = JSON.stringify(body);
    if (opts.hedgeMs === undefined || order.length === 1) {
      const i = order[0]!;
      try {
        const res = await this.post<T>(i, path, payload, opts.timeoutMs);
        this.succeeded(i);
        return res;
      } catch (err) {
        this.failed(i, err);
        throw err;
      }
    }
    return new Promise<T>((resolve, reject) => {
      let started = 0;
      let failures = 0;
      let settled = false;
      let lastError: unknown;
      let hedge: TimerHandle | undefined;
      const settle = () => {
        settled = true;
        if (hedge) this.clock.clearTimeout(hedge);
      };
      const startRest = () => {
        while (started < order.length) start(order[started]!);
      };
      const start = (i: number) => {
        started++;
        this.post<T>(i, path, payload, opts.timeoutMs).then(
          (res) => {
            this.succeeded(i, !settled);
            if (settled) return;
            settle();
            resolve(res);
          },
          (err: unknown) => {
            this.failed(i, err);
            failures++;
            lastError = err;
            if (settled) return;
            // An answer from etcd (lease not found, bad request) is the answer: asking another member changes nothing.
            if (err instanceof EtcdError && err.httpStatus < 500) {
              settle();
              return reject(err);
            }
            if (started < order.length) return startRest();
            if (failures === order.length) {
              settle();
              reject(lastError);
            }
          },
        );
      };
      start(order[0]!);
      hedge = this.clock.setTimeout(() => !settled && startRest(), Math.min(opts.hedgeMs!, opts.timeoutMs / 2));
    });
  }

  private async post<T>(i: number, path: string, payload: string, timeoutMs: number): Promise<T> {
    if (this.closed) throw new Error('etcd client closed');
    const url = `${this.endpoints[i]}${path}`;
    const res = await this.transport.post(url, payload, timeoutMs);
    let parsed: unknown;
    try {
      parsed = JSON.parse(res.body);
    } catch {
      throw new EtcdError(res.status, null, `${url}: HTTP ${res.status}, not JSON: ${res.body.slice(0, 100)}`);
    }
    const failure = gatewayError(parsed);
    if (res.status !== 200 || failure) throw new EtcdError(res.status, failure?.code ?? null, `${url}: ${failure?.message ?? `HTTP ${res.status}`}`);
    return parsed as T;
  }

  /**
   * Opens a watch (POST /v3/watch, one create request) on the first member in order and hands every message of the
   * stream to `onMessage`; `onEnd` is called once when the stream
   * ends, fails or is stopped. A stream that ends with an error skips its member for a while.
   */
  openStream(path: string, body: unknown, onMessage: (msg: unknown) => void, onEnd: (why: string) => void): WatchStream {
    const i = this.order()[0]!;
    const url = `${this.endpoints[i]}${path}`;
    const payload = JSON.stringify(body);
    let ended = false;
    const end = (why: string, failed: boolean) => {
      if (ended) return;
      ended = true;
      if (failed) this.failed(i, new Error(why));
      onEnd(why);
    };
    let buffered = '';
    const stream = this.transport.openStream(url, payload, {
      onResponse: (status) => {
        if (status === 200) return;
        stream.destroy();
        end(`${url}: HTTP ${status}`, status === 0 || status >= 500);
      },
      onData: (chunk) => {
        if (ended) return;
        buffered += chunk;
        let nl: number;
        // The gateway writes one JSON message per line.
        while ((nl = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, nl).trim();
          buffered = buffered.slice(nl + 1);
          if (!line) continue;
          try {
            onMessage(JSON.parse(line));
          } catch {
            stream.destroy();
            return end(`${url}: a watch message that is not JSON`, true);
          }
          if (ended) return;
        }
      },
      onEnd: (error) => end(error === null ? `${url}: the watch stream ended` : `${url}: ${error}`, true),
    });
    return {
      stop: (memberFailed) => {
        end(memberFailed ? `${url}: the watch stream went silent` : 'stopped', memberFailed);
        stream.destroy();
      },
    };
  }

  close(): void {
    this.closed = true;
    if (this.leaderTimer) this.clock.clearInterval(this.leaderTimer);
    this.transport.close();
  }
}

function gatewayError(parsed: unknown): { code: number | null; message: string } | null {
  if (!parsed || typeof parsed !== 'object' || !('error' in parsed)) return null;
  const p = parsed as { error?: unknown; message?: unknown; code?: unknown };
  const message = typeof p.message === 'string' ? p.message : typeof p.error === 'string' ? p.error : JSON.stringify(p.error);
  return { code: typeof p.code === 'number' ? p.code : null, message };
}

/** etcd keys and values travel base64-encoded in the gateway's JSON. */
export function b64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

export function fromB64(encoded: string | undefined): string {
  return encoded === undefined ? '' : Buffer.from(encoded, 'base64').toString('utf8');
}

/** The range end that makes a range read or watch cover every key starting with `prefix`. */
export function prefixEnd(prefix: string): string {
  const bytes = Buffer.from(prefix, 'utf8');
  for (let i = bytes.length - 1; i >= 0; i--) {
    if (bytes[i]! < 0xff) {
      const end = Buffer.from(bytes.subarray(0, i + 1));
      end[i]! += 1;
      return end.toString('base64');
    }
  }
  return Buffer.from([0]).toString('base64'); // all 0xff: to the end of the key space
}
