// One watch on a key prefix through etcd's gateway, kept open: reconnects when the stream ends, and replaces a
// stream that has gone silent (a member that died without closing its connections).
import { b64, fromB64, prefixEnd, type EtcdGateway, type WatchStream } from './gateway.js';
import type { TimerHandle } from '../clock.js';
import type { WatchEvent } from '../dcs.js';

/** Wait before opening the stream again after it ended: a member that refuses at once must not be hammered. */
const RECONNECT_MS = 500;
/** How long a change a range read saw may stay undelivered by the watch before the stream counts as dead. */
const UNDELIVERED_MS = 1500;
/**
 * How long a new stream may take to confirm it is watching. A member that is starting can accept the request and
 * never answer it; until `created` arrives there is no revision for StreamProgress to compare reads with, so without
 * this limit such a stream would be kept forever (seen: a watch silent for 15 s after a loopback etcd restarted).
 */
export const CREATED_MS = 2000;

interface WatchMessage {
  result?: {
    header?: { revision?: string };
    created?: boolean;
    canceled?: boolean;
    cancel_reason?: string;
    compact_revision?: string;
    events?: { type?: 'PUT' | 'DELETE'; kv?: { key?: string; value?: string; mod_revision?: string; lease?: string } }[];
  };
  error?: unknown;
}

/**
 * A stream that delivers nothing looks the same whether the cluster is quiet or the member is gone (an HTTP/1.1
 * stream has no pings). The range reads the daemon makes anyway tell them apart: a key whose mod revision is above
 * everything the stream delivered, still undelivered UNDELIVERED_MS later, means the stream is dead.
 */
export class StreamProgress {
  /** Highest revision the stream has shown (its creation header, then events). */
  private seen = -1;
  private suspect: { revision: number; since: number } | null = null;

  delivered(revision: number): void {
    if (revision > this.seen) this.seen = revision;
    if (this.suspect && this.seen >= this.suspect.revision) this.suspect = null;
  }

  /** A range read saw `maxModRevision` at `now`: true when the stream should be replaced. */
  dead(maxModRevision: number, now: number): boolean {
    if (this.seen < 0 || maxModRevision <= this.seen) {
      this.suspect = null;
      return false;
    }
    if (!this.suspect) this.suspect = { revision: maxModRevision, since: now };
    return now - this.suspect.since >= UNDELIVERED_MS;
  }
}

export class PrefixWatch {
  private stream: WatchStream | null = null;
  private progress = new StreamProgress();
  private stopped = false;
  private retry: TimerHandle | null = null;
  private unconfirmed: TimerHandle | null = null;

  constructor(
    private readonly gateway: EtcdGateway,
    private readonly prefix: string,
    private readonly onChange: (event: WatchEvent) => void,
    /** The stream (re)opened, ended or was replaced: what it delivered may have gaps until the next full read. */
    private readonly onReset: () => void,
  ) {}

  start(): void {
    if (this.stopped) return;
    this.progress = new StreamProgress();
    this.unconfirmed = this.gateway.clock.setTimeout(() => this.replace(true), CREATED_MS);
    this.stream = this.gateway.openStream(
      '/v3/watch',
      { create_request: { key: b64(this.prefix), range_end: prefixEnd(this.prefix) } },
      (msg) => this.message(msg as WatchMessage),
      () => {
        this.confirmed();
        this.stream = null;
        this.onReset();
        if (!this.stopped) this.retry = this.gateway.clock.setTimeout(() => this.start(), RECONNECT_MS);
      },
    );
  }

  private message(msg: WatchMessage): void {
    const r = msg.result;
    if (!r) return this.replace(true); // an error message: the stream is over
    if (r.canceled) return this.replace(false); // compacted, or etcd cancelled it: open a new one
    const header = Number(r.header?.revision ?? -1);
    // Events made before the stream existed were not delivered.
    if (r.created) {
      this.confirmed();
      this.onReset();
    }
    for (const e of r.events ?? []) {
      const kv = e.kv ?? {};
      const modRevision = kv.mod_revision ?? '0';
      this.progress.delivered(Number(modRevision));
      // A delete's kv carries the delete's revision; the gateway omits zero values (a PUT's type, lease 0, "").
      if (e.type === 'DELETE') this.onChange({ key: fromB64(kv.key), value: null, modRevision, lease: '0' });
      else this.onChange({ key: fromB64(kv.key), value: fromB64(kv.value), modRevision, lease: kv.lease ?? '0' });
    }
    if (r.created) this.progress.delivered(header);
  }

  /** A range read saw these mod revisions under the prefix: a stream that missed one for too long is replaced. */
  checkAgainst(maxModRevision: number): void {
    if (this.stream && this.progress.dead(maxModRevision, this.gateway.clock.now())) this.replace(true);
  }

  private confirmed(): void {
    if (this.unconfirmed) this.gateway.clock.clearTimeout(this.unconfirmed);
    this.unconfirmed = null;
  }

  /** Ends the current stream; its end handler reports the reset and opens the next one (on another member). */
  private replace(memberFailed: boolean): void {
    this.stream?.stop(memberFailed);
  }

  stop(): void {
    this.stopped = true;
    if (this.retry) this.gateway.clock.clearTimeout(this.retry);
    this.confirmed();
    this.stream?.stop(false);
    this.stream = null;
  }
}
