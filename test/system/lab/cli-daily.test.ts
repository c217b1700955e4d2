// End to end, issue 11 ("pglab as a daily tool"): with a real lab up, host-network
// commands still reach the host, psql keeps its password off the command line,
// `pglab run` exports the libpq variables, and the lab lock serializes changes.
import { execa } from 'execa';
import { createServer, type Server } from 'node:http';
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leftovers, NO_MONGO_TOPOLOGY, pglab, TEST_LAB } from '../../support/pglab-cli.js';

const BIN = join(import.meta.dirname, '..', '..', '..', 'bin', 'pglab');

/** An HTTP server on the host's own loopback, outside the lab namespace. */
async function hostServer(body: Buffer): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    if (req.url?.endsWith('/title.ratings.tsv.gz')) {
      res.writeHead(200, { 'content-length': body.length, 'content-type': 'application/gzip' });
      res.end(body);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  return { server, port: typeof addr === 'object' && addr ? addr.port : 0 };
}

describe('pglab as a daily tool (real lab)', () => {
  beforeAll(async () => {
    await pglab(['destroy']);
    const r = await pglab(['machines', '--topology', NO_MONGO_TOPOLOGY]);
    expect(r.code, r.out).toBe(0);
  });

  afterAll(async () => {
    const r = await pglab(['destroy']);
    expect(r.code, r.out).toBe(0);
    expect(leftovers()).toEqual([]);
  });

  it('fetches from the host network while the lab namespace exists (127.0.0.1 is the host, not the lab)', async () => {
    expect(existsSync(`/run/netns/${TEST_LAB.PGLAB_NAME}`)).toBe(true);
    const tsv = 'tconst\taverageRating\tnumVotes\ntt0000001\t5.7\t2100\n';
    const { server, port } = await hostServer(gzipSync(tsv));
    try {
      const r = await pglab(['imdb', 'fetch', '--files', 'title.ratings.tsv.gz', '--base-url', `http://127.0.0.1:${port}`]);
      expect(r.code, r.out).toBe(0);
      expect(r.out).not.toMatch(/ECONNREFUSED/);
      expect(existsSync(join(TEST_LAB.PGLAB_HOME, 'cache', 'imdb', 'fetched', 'title.ratings.tsv.gz'))).toBe(true);
    } finally {
      server.close();
    }
  });

  it('still reaches the lab from the commands that talk to it', async () => {
    const r = await pglab(['status', '--json']);
    expect(r.code, r.out).toBe(0);
    const rows = (JSON.parse(r.stdout) as { machines: { machine: string; postgres?: { role: string } }[] }).machines;
    expect(rows.filter((m) => m.postgres?.role === 'primary')).toHaveLength(1);
  });

  it('runs pgbench with no DSN: `pglab run` exports PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE', async () => {
    const init = await pglab(['run', '--', 'pgbench', '-i', '-s', '1']);
    expect(init.code, init.out).toBe(0);
    const count = await pglab(['run', '--', 'psql', '-tAc', 'SELECT count(*) FROM pgbench_accounts']);
    expect(count.code, count.out).toBe(0);
    expect(count.stdout.trim()).toBe('100000');
  });

  it('keeps the password off psql’s command line (ps shows no secret)', async () => {
    const secrets = JSON.parse(readFileSync(join(TEST_LAB.PGLAB_HOME, 'secrets', 'cluster.json'), 'utf8')) as { appPassword: string };
    const running = pglab(['psql', '--', '-tAc', 'SELECT pg_sleep(3)']);
    let seen: string[] = [];
    for (let i = 0; i < 40 && seen.length === 0; i++) {
      await sleep(100);
      seen = readdirSync('/proc')
        .filter((d) => /^\d+$/.test(d))
        .map((pid) => {
          try {
            return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
          } catch {
            return '';
          }
        })
        .filter((cmd) => /\bpsql postgresql:\/\/pglab@10\.42\.0\./.test(cmd));
    }
    expect(seen.length, 'psql process not seen').toBeGreaterThan(0);
    for (const cmd of seen) expect(cmd).not.toContain(secrets.appPassword);
    const r = await running;
    expect(r.code, r.out).toBe(0);
  });

  it('lets one changing command run at a time: --no-wait exits 2 naming the holder, read-only commands do not wait', async () => {
    const deploy = execa(BIN, ['deploy', 'pgdaemon', '--restart', '--plain'], { env: { ...TEST_LAB, CI: '1' }, reject: false, all: true });
    // The holder file appears once deploy holds the lock.
    for (let i = 0; i < 100 && !existsSync(join(TEST_LAB.PGLAB_HOME, 'lock.holder.json')); i++) await sleep(100);
    const busy = await pglab(['machines', '--no-wait']);
    expect(busy.code, busy.out).toBe(2);
    expect(busy.out).toMatch(/the lab is busy: `pglab deploy pgdaemon` \(pid \d+, since /);
    const waiting = pglab(['machines']);
    const t0 = Date.now();
    const status = await pglab(['status']);
    expect(status.code, status.out).toBe(0);
    expect(Date.now() - t0).toBeLessThan(10_000);
    const d = await deploy;
    expect(d.exitCode, String(d.all)).toBe(0);
    const m = await waiting;
    expect(m.code, m.out).toBe(0);
    expect(m.out).toMatch(/waiting for the lab lock: `pglab deploy pgdaemon`/);
  });

  it('turns a damaged lab record into one message that says what to do, no stack trace', async () => {
    const file = join(TEST_LAB.PGLAB_HOME, 'lab.json');
    renameSync(file, `${file}.bak`);
    writeFileSync(file, '{"topology": {"cluster": "pglab", "mach');
    const r = await pglab(['status']);
    expect(r.code, r.out).toBe(2);
    expect(r.out).toMatch(/lab record .* is damaged/);
    expect(r.out).not.toMatch(/\n\s+at /);
    renameSync(`${file}.bak`, file);
  });

  // 'says when a command needs root' lives in checkout-anywhere.test.ts: it runs the CLI from a 0700 checkout.
});
