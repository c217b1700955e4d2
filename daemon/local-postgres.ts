// The daemon's local PostgreSQL as interfaces (tools, session, a remote CHECKPOINT) so a simulation can stand in; production wiring.
import { mkdirSync } from 'node:fs';
import pg from 'pg';
import { PgCtl, type RemotePg } from './postgres-ctl.js';
import { PgProbe } from './postgres-probe.js';

/** Every public method of PgCtl: a fake must follow when a tool is added. */
export type PgControl = Pick<PgCtl, keyof PgCtl>;
/** Every public method of PgProbe. */
export type PgSession = Pick<PgProbe, keyof PgProbe>;

export interface LocalPostgres {
  ctl: PgControl;
  probe: PgSession;
  /** CHECKPOINT on another node's server, as the superuser (pg_rewind needs the source's pg_control current). */
  checkpointRemote(remote: RemotePg, superuserPassword: string): Promise<void>;
  /** Creates the data directory (empty) if missing. */
  ensureDataDir(): void;
}

export interface LocalPostgresOptions {
  binDir: string;
  dataDir: string;
  pgLog?: string | undefined;
  socketDir: string;
  pgPort: number;
  ttl: number;
}

export function realLocalPostgres(opts: LocalPostgresOptions, onLost: () => void): LocalPostgres {
  return {
    ctl: new PgCtl({ binDir: opts.binDir, dataDir: opts.dataDir, logFile: opts.pgLog ?? `${opts.dataDir}.log` }),
    probe: new PgProbe({ socketDir: opts.socketDir, port: opts.pgPort, timeoutMs: Math.max(500, Math.min(2000, opts.ttl)), onLost }),
    checkpointRemote,
    ensureDataDir: () => mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 }),
  };
}

async function checkpointRemote(r: RemotePg, superuserPassword: string): Promise<void> {
  const client = new pg.Client({ host: r.host, port: r.port, user: 'postgres', password: superuserPassword, database: 'postgres', connectionTimeoutMillis: 5000, query_timeout: 120_000 });
  client.on('error', () => undefined); // surfaces through the awaited calls
  await client.connect();
  try {
    await client.query('CHECKPOINT');
  } finally {
    await client.end().catch(() => undefined);
  }
}
