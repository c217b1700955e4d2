// Asks the local PostgreSQL (over its unix socket, as postgres) for its role and WAL positions; every query has a deadline.
import pg from 'pg';
import { parseLsn, type ReplicationEntry } from '../common/cluster-keys.js';

export interface PgSnapshot {
  inRecovery: boolean;
  walLsn: number | null;
  receivedLsn: number | null;
  replayedLsn: number | null;
  timeline: number | null;
  systemId: string;
  streaming: boolean;
  replication: ReplicationEntry[];
  slots: string[];
}

const PROBE_SQL = `
SELECT pg_is_in_recovery() AS rec,
  CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_current_wal_lsn()::text END AS wal,
  CASE WHEN pg_is_in_recovery() THEN NULL ELSE substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8) END AS wal_tli,
  pg_last_wal_receive_lsn()::text AS recv,
  pg_last_wal_replay_lsn()::text AS replay,
  (SELECT timeline_id FROM pg_control_checkpoint()) AS ckpt_tli,
  (SELECT min_recovery_end_timeline FROM pg_control_recovery()) AS minrec_tli,
  (SELECT system_identifier::text FROM pg_control_system()) AS sysid,
  (SELECT status FROM pg_stat_wal_receiver LIMIT 1) AS wr_status,
  (SELECT received_tli FROM pg_stat_wal_receiver LIMIT 1) AS wr_tli,
  (SELECT coalesce(json_agg(json_build_object('name', application_name, 'state', state, 'syncState', sync_state,
     'flush', flush_lsn::text, 'replay', replay_lsn::text)), '[]'::json) FROM pg_stat_replication) AS repl,
  (SELECT coalesce(json_agg(slot_name), '[]'::json) FROM pg_replication_slots) AS slots`;

interface ProbeRow {
  rec: boolean;
  wal: string | null;
  wal_tli: string | null;
  recv: string | null;
  replay: string | null;
  ckpt_tli: number | null;
  minrec_tli: number | null;
  sysid: string;
  wr_status: string | null;
  wr_tli: number | null;
  repl: { name: string; state: string; syncState: string; flush: string | null; replay: string | null }[];
  slots: string[];
}

export class PgProbe {
  private client: pg.Client | null = null;

  /** `onLost` fires when an established connection ends without us closing it (the server died): check at once. */
  constructor(private readonly conn: { socketDir: string; port: number; timeoutMs: number; onLost?: () => void }) {}

  private async connected(): Promise<pg.Client> {
    if (this.client) return this.client;
    const client = new pg.Client({
      host: this.conn.socketDir,
      port: this.conn.port,
      user: 'postgres',
      database: 'postgres',
      connectionTimeoutMillis: this.conn.timeoutMs,
      query_timeout: this.conn.timeoutMs,
      application_name: 'pgdaemon',
    });
    client.on('error', () => this.drop(client)); // a dead server surfaces on the next query
    client.on('end', () => {
      if (this.client !== client) return; // we closed it
      this.drop(client);
      this.conn.onLost?.();
    });
    try {
      await client.connect();
    } catch (err) {
      void client.end().catch(() => undefined);
      throw err;
    }
    this.client = client;
    return client;
  }

  private drop(client: pg.Client): void {
    if (this.client === client) this.client = null;
    void client.end().catch(() => undefined);
  }

  /** Runs SQL on the local server; drops the connection on any failure so the next call reconnects. */
  async query<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
    const client = await this.connected();
    try {
      return (await client.query<T>(sql, params)).rows;
    } catch (err) {
      this.drop(client);
      throw err;
    }
  }

  async snapshot(): Promise<PgSnapshot> {
    const [row] = await this.query<ProbeRow>(PROBE_SQL);
    if (!row) throw new Error('probe query returned no row');
    // A replica's last checkpoint can name the old timeline for minutes after it followed a promotion; the WAL
    // receiver knows better while it streams, and the minimum recovery point's timeline moves with replay.
    const timeline = row.wal_tli ? parseInt(row.wal_tli, 16) : (row.wr_tli ?? (Math.max(row.ckpt_tli ?? 0, row.minrec_tli ?? 0) || null));
    return {
      inRecovery: row.rec,
      walLsn: parseLsn(row.wal),
      receivedLsn: parseLsn(row.recv),
      replayedLsn: parseLsn(row.replay),
      timeline,
      systemId: row.sysid,
      streaming: row.wr_status === 'streaming',
      replication: row.repl.map((r) => ({ name: r.name, state: r.state, syncState: r.syncState, flushLsn: parseLsn(r.flush), replayLsn: parseLsn(r.replay) })),
      slots: row.slots,
    };
  }

  close(): void {
    if (this.client) this.drop(this.client);
  }
}
