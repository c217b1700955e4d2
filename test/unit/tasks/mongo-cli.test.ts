// The MongoDB commands as a user runs them, on a state dir of their own with no lab: every refusal is one message and
// exit 2; with a (tiny, never started) tarball, `pglab machines --dry-run` shows what it would do with it.
import { execa } from 'execa';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const CLI = join(ROOT, 'bin', 'pglab.ts');
const TSX = pathToFileURL(join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
let home: string;

function pglab(args: string[]) {
  return execa(process.execPath, ['--import', TSX, CLI, ...args], {
    cwd: home,
    env: { PGLAB_NAME: 'pglabunit', PGLAB_HOME: home, HOME: tmpdir(), CI: '1', PATH: process.env.PATH ?? '/usr/bin:/bin' },
    reject: false,
    all: true,
  });
}

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'pglab-mongo-cli-'));
  writeFileSync(join(home, 'mongo.yaml'), 'machines:\n  mongo: 3\n');
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

describe.skipIf(process.getuid?.() !== 0)('MongoDB commands without mongo machines (as root: the commands need it)', () => {
  it.each([
    ['imdb load', ['imdb', 'load', '--target', 'mongo']],
    ['imdb verify', ['imdb', 'verify', '--target', 'mongo']],
    ['bench', ['bench', '--target', 'mongo']],
    ['dsn', ['dsn', '--target', 'mongo']],
    ['chaos kill', ['chaos', 'kill', 'mongo0']],
  ])('%s on a lab without mongo machines says so, how to add them and where the tarball goes (exit 2)', async (_name, args) => {
    const r = await pglab(args);
    expect(r.exitCode, r.all).toBe(2);
    expect(r.stderr).toMatch(/^pglab: this lab has no mongo machines\n  → add machines\.mongo: 3 to the topology file and run pglab machines; .*cache\/mongodb\/mongodb-linux-x86_64-debian12-8\.0\.\d+\.tgz.*--mongo-tarball FILE.*PGLAB_MONGO_TARBALL=FILE/);
  });

  it('pglab machines refuses a topology with mongo machines and no tarball before any step (exit 2)', async () => {
    const r = await pglab(['machines', '--topology', 'mongo.yaml', '--dry-run']);
    expect(r.exitCode, r.all).toBe(2);
    expect(r.stderr).toContain(`pglab: no MongoDB server tarball: none given and none at ${join(home, 'cache', 'mongodb')}/mongodb-linux-x86_64-debian12-`);
    expect(r.stdout).toBe('');
  });

  it('pglab machines --mongo-tarball FILE takes a gzip tar with bin/mongod and shows what it would do with it', async () => {
    mkdirSync(join(home, 'src', 'mongodb-linux-x86_64-debian12-8.0.4', 'bin'), { recursive: true });
    writeFileSync(join(home, 'src', 'mongodb-linux-x86_64-debian12-8.0.4', 'bin', 'mongod'), 'not a real mongod\n');
    execFileSync('tar', ['czf', join(home, 'server.tgz'), '-C', join(home, 'src'), 'mongodb-linux-x86_64-debian12-8.0.4']);
    const r = await pglab(['machines', '--topology', 'mongo.yaml', '--dry-run', '--mongo-tarball', join(home, 'server.tgz')]);
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stdout).toContain(`● mongo-server: mongod from ${join(home, 'server.tgz')} (flag)`);
    expect(r.stdout).toContain('● mongo: MongoDB replica set rs0 (mongo0, mongo1, mongo2)');
  });
});
