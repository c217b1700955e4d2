// Starts a throwaway PostgreSQL 15 on 127.0.0.1 (own port, scram password auth) for system tests, and removes it again.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { chown, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import pg from 'pg';

export const PG_BIN = process.env.PGLAB_PG_BIN ?? '/usr/lib/postgresql/15/bin';

export interface LocalPostgres {
  host: string;
  port: number;
  user: string;
  password: string;
  dir: string;
  /** Connection settings for a database (default `postgres`). */
  connection(database?: string): pg.ClientConfig;
  createDatabase(name: string): Promise<void>;
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[], database?: string): Promise<R[]>;
  /** Stops the server and deletes its directory. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Extra `-c name=value` server settings. */
  settings?: Record<string, string>;
}

/** Asks the kernel for a free port on 127.0.0.1; the tiny race until postgres binds it is acceptable in tests. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function postgresIds(): Promise<{ uid: number; gid: number }> {
  const { stdout } = await execa('id', ['-u', 'postgres']);
  const { stdout: g } = await execa('id', ['-g', 'postgres']);
  return { uid: Number(stdout), gid: Number(g) };
}

/** PostgreSQL refuses to run as root, so every server command runs as the `postgres` user. */
function asPostgres(cmd: string, args: string[]) {
  return execa('runuser', ['-u', 'postgres', '--', join(PG_BIN, cmd), ...args], { all: true });
}

export async function startLocalPostgres(options: StartOptions = {}): Promise<LocalPostgres> {
  const dir = await mkdtemp(join(tmpdir(), 'pglab-test-pg-'));
  const data = join(dir, 'data');
  const log = join(dir, 'server.log');
  const password = randomBytes(18).toString('base64url');
  const { uid, gid } = await postgresIds();
  await chown(dir, uid, gid);
  const pwfile = join(dir, 'pwfile');
  await writeFile(pwfile, `${password}\n`, { mode: 0o600 });
  await chown(pwfile, uid, gid);

  let started = false;
  // If the test process ends without afterAll (a crash, process.exit), still leave no server or directory behind.
  const onExit = (): void => {
    if (started) spawnSync('runuser', ['-u', 'postgres', '--', join(PG_BIN, 'pg_ctl'), 'stop', '-D', data, '-m', 'immediate', '-w']);
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);
  const stop = async (): Promise<void> => {
    process.off('exit', onExit);
    if (started) {
      started = false;
      await asPostgres('pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-w']).catch(() => undefined);
    }
    await rm(dir, { recursive: true, force: true });
  };

  try {
    await asPostgres('initdb', ['-D', data, '-U', 'postgres', '--pwfile', pwfile, '--auth-local=peer', '--auth-host=scram-sha-256', '-E', 'UTF8', '--locale=C.UTF-8']);
    await rm(pwfile);
    const port = await freePort();
    const settings: Record<string, string> = {
      listen_addresses: '127.0.0.1',
      port: String(port),
      unix_socket_directories: dir,
      // Tests need speed, not durability: the data dir is deleted afterwards anyway.
      fsync: 'off',
      full_page_writes: 'off',
      ...options.settings,
    };
    const flags = Object.entries(settings).map(([k, v]) => `-c ${k}=${v}`).join(' ');
    try {
      await asPostgres('pg_ctl', ['start', '-D', data, '-l', log, '-w', '-t', '60', '-o', flags]);
    } catch (err) {
      const tail = await readFile(log, 'utf8').catch(() => '');
      throw new Error(`PostgreSQL did not start: ${(err as Error).message}\n${tail.slice(-2000)}`);
    }
    started = true;
    const connection = (database = 'postgres'): pg.ClientConfig => ({ host: '127.0.0.1', port, user: 'postgres', password, database });
    const query = async <R extends pg.QueryResultRow>(sql: string, params: unknown[] = [], database?: string): Promise<R[]> => {
      const client = new pg.Client(connection(database));
      await client.connect();
      try {
        return (await client.query<R>(sql, params)).rows;
      } finally {
        await client.end();
      }
    };
    return {
      host: '127.0.0.1',
      port,
      user: 'postgres',
      password,
      dir,
      connection,
      query,
      createDatabase: async (name) => {
        await query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
