// Lease keepalives as messages on one gRPC LeaseKeepAlive stream (node's http2, the two small protobuf messages
// encoded here), instead of one JSON gateway request each.
//
// Why: five keepalives a second per daemon are most of the control plane's idle work. Through the gateway each is an
// HTTP request for the daemon and, inside etcd, a new gRPC stream. Measured in the lab (2026-11-30, 15 keepalives a
// second, etcd's raft leader, docs/measurements/etcd-keepalive-stream-i13.txt): etcd +2.2 % of a core through the
// gateway, +1.0 % on one stream; a `--jitless` node sending 5 a second used 0.67 % of a core over HTTP/1.1 and 0.32 %
// on a stream. The rest of the daemon's calls stay on the gateway (few, and their JSON is parsed in C).
import { systemClock, type Clock, type TimerHandle } from '../clock.js';
import { httpTransport, type GatewayTransport, type GrpcStream } from './transport.js';

const KEEPALIVE_PATH = '/etcdserverpb.Lease/LeaseKeepAlive';
/** After a stream failed, keepalives go through the gateway alone for this long before a new stream is tried. */
const RETRY_STREAM_MS = 1000;

/** A LeaseKeepAliveRequest {int64 ID = 1} in a gRPC length-prefixed frame (uncompressed). */
export function keepAliveFrame(leaseId: string): Buffer {
  const message = Buffer.from([0x08, ...varint(BigInt(leaseId))]);
  const frame = Buffer.alloc(5 + message.length);
  frame.writeUInt32BE(message.length, 1);
  message.copy(frame, 5);
  return frame;
}

function varint(value: bigint): number[] {
  if (value < 0n) value = BigInt.asUintN(64, value); // int64 travels as its two's complement
  const out: number[] = [];
  while (value >= 0x80n) {
    out.push(Number(value & 0x7fn) | 0x80);
    value >>= 7n;
  }
  out.push(Number(value));
  return out;
}

/**
 * A LeaseKeepAliveResponse {ResponseHeader header = 1; int64 ID = 2; int64 TTL = 3}: the lease id (decimal, as the
 * gateway writes it) and the TTL, 0 when absent (proto3 leaves zeroes out; etcd answers TTL 0 for a lease it does
 * not know).
 */
export function decodeKeepAliveResponse(message: Buffer): { id: string; ttl: number } {
  let id = 0n;
  let ttl = 0n;
  let at = 0;
  const readVarint = (): bigint => {
    let value = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (at >= message.length || shift > 63n) throw new Error('malformed keepalive answer (varint)');
      const byte = message[at++]!;
      value |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return value;
    }
  };
  while (at < message.length) {
    const tag = Number(readVarint());
    const field = tag >>> 3;
    const wire = tag & 7;
    if (wire === 0) {
      const value = BigInt.asIntN(64, readVarint());
      if (field === 2) id = value;
      else if (field === 3) ttl = value;
    } else if (wire === 2) {
      const length = Number(readVarint());
      at += length;
      if (at > message.length) throw new Error('malformed keepalive answer (length)');
    } else if (wire === 1) {
      at += 8;
    } else if (wire === 5) {
      at += 4;
    } else {
      throw new Error(`malformed keepalive answer (wire type ${wire})`);
    }
  }
  return { id: id.toString(), ttl: Number(ttl) };
}

/** Splits a gRPC byte stream into messages: each is a flag byte, a 4-byte length, then the message. */
export class GrpcFrameReader {
  private buffered: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Buffer[] {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    const messages: Buffer[] = [];
    while (this.buffered.length >= 5) {
      if (this.buffered[0] !== 0) throw new Error('compressed gRPC message (not asked for)');
      const length = this.buffered.readUInt32BE(1);
      if (this.buffered.length < 5 + length) break;
      messages.push(this.buffered.subarray(5, 5 + length));
      this.buffered = this.buffered.subarray(5 + length);
    }
    return messages;
  }
}

interface Pending {
  id: string;
  /** Gone: its caller stopped waiting. It keeps its place, so that each answer goes to the request it answers. */
  abandoned: boolean;
  resolve: (alive: boolean) => void;
  reject: (err: Error) => void;
  timer: TimerHandle;
}

/**
 * One LeaseKeepAlive stream to the member `endpoint()` names when it opens (the member the gateway prefers: the raft
 * leader). etcd handles a stream's requests one after the other and answers each in order, so the answers are
 * matched to the requests first in, first out. An answer must never be credited to a later request than the one it
 * answers (the lease keeper takes a request's send time as the renewal's), so a request whose caller gave up stays in
 * the queue until its answer comes or the stream is dropped.
 */
export class LeaseStream {
  private stream: GrpcStream | null = null;
  private streamEndpoint = '';
  private readonly queue: Pending[] = [];
  private failedAt = -Infinity;
  private closed = false;
  /** Answers that came on the stream (for tests and /status: whether keepalives use it at all). */
  answered = 0;

  constructor(
    private readonly endpoint: () => string,
    private readonly transport: GatewayTransport = httpTransport(),
    private readonly clock: Clock = systemClock,
  ) {}

  /** Resolves with whether the lease still exists; rejects when the stream cannot be used or did not answer in time. */
  keepAlive(leaseId: string, timeoutMs: number): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      const stream = this.open();
      if (!stream) return reject(new Error('no keepalive stream (a recent one failed)'));
      const entry: Pending = {
        id: leaseId,
        abandoned: false,
        resolve,
        reject,
        timer: this.clock.setTimeout(() => {
          entry.abandoned = true;
          reject(new Error(`${this.streamEndpoint}: no keepalive answer within ${timeoutMs}ms`));
          // The member holds answers back (hung, or cut off): drop the stream; the next one opens where the gateway's calls go.
          if (this.queue[0] === entry) this.drop('answers stopped');
        }, timeoutMs),
      };
      this.queue.push(entry);
      stream.write(keepAliveFrame(leaseId));
    });
  }

  private open(): GrpcStream | null {
    if (this.closed) return null;
    const endpoint = this.endpoint();
    if (this.stream && this.streamEndpoint !== endpoint) this.drop('the preferred member changed');
    if (this.stream) return this.stream;
    if (this.clock.now() - this.failedAt < RETRY_STREAM_MS) return null;
    const reader = new GrpcFrameReader();
    let stream: GrpcStream | null = null;
    stream = this.transport.openGrpc(endpoint, KEEPALIVE_PATH, {
      onData: (chunk) => {
        if (this.stream !== stream) return;
        try {
          for (const message of reader.push(chunk)) this.answer(decodeKeepAliveResponse(message));
        } catch (err) {
          this.drop((err as Error).message);
        }
      },
      onClose: (why) => {
        if (this.stream === stream) this.drop(why);
      },
    });
    this.stream = stream;
    this.streamEndpoint = endpoint;
    return stream;
  }

  private answer(res: { id: string; ttl: number }): void {
    const entry = this.queue.shift();
    if (!entry || entry.id !== res.id) {
      // Not the answer to the oldest request: the order this class relies on does not hold. Trust nothing on this stream.
      if (entry) this.queue.unshift(entry);
      return this.drop(`an answer for lease ${res.id} where ${entry?.id ?? 'none'} was expected`);
    }
    this.clock.clearTimeout(entry.timer);
    this.answered++;
    if (!entry.abandoned) entry.resolve(res.ttl > 0);
  }

  /** Ends the stream and fails every request still waiting on it; the next keepalive after RETRY_STREAM_MS opens another. */
  private drop(why: string): void {
    const stream = this.stream;
    if (!stream) return;
    this.stream = null;
    if (why !== 'closed' && why !== 'the preferred member changed') this.failedAt = this.clock.now();
    for (const entry of this.queue.splice(0)) {
      this.clock.clearTimeout(entry.timer);
      if (!entry.abandoned) entry.reject(new Error(`${this.streamEndpoint}: keepalive stream ended (${why})`));
    }
    stream.close();
  }

  close(): void {
    this.drop('closed');
    this.closed = true;
  }
}
