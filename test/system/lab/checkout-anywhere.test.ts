// `make test` from wherever a user clones: the checkout seen through a directory only root can enter (mode 0700,
// as /root is on Debian, or any mktemp -d). What runs as another user (the daemons as postgres, the CLI as a
// non-root user) must not need to enter the checkout, or must say what it needs.
import { execa } from 'execa';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_LAB } from '../../support/pglab-cli.js';

const REPO = resolve(import.meta.dirname, '..', '..', '..');
const TSX = pathToFileURL(join(REPO, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

let parent = '';
let clone = '';

describe('a checkout in a 0700 directory', () => {
  beforeAll(async () => {
    parent = mkdtempSync(join(tmpdir(), 'pglab-0700-'));
    chmodSync(parent, 0o700);
    clone = join(parent, 'pglab');
    mkdirSync(clone);
    // A bind mount shows this very checkout (built, node_modules installed) under the closed directory.
    await execa('mount', ['--bind', REPO, clone]);
  });
  afterAll(async () => {
    if (clone) await execa('umount', [clone], { reject: false });
    if (parent) rmSync(parent, { recursive: true, force: true });
  });

  it('is really closed to other users', async () => {
    const r = await execa('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'ls', clone], { reject: false, all: true });
    expect(r.exitCode).not.toBe(0);
    expect(String(r.all)).toMatch(/Permission denied/);
  });

  it('runs the daemon harness: pgdaemons as postgres, PostgreSQL and etcd on 127.0.0.1', async () => {
    const r = await execa(process.execPath, ['--import', TSX, join(clone, 'test', 'support', 'harness-smoke.ts')], { cwd: clone, reject: false, all: true, timeout: 240_000 });
    expect(r.exitCode, String(r.all)).toBe(0);
    expect(String(r.all)).toMatch(/smoke ok: pg0:primary pg1:replica:streaming/);
  });

  it('tells a non-root user who can read the checkout that the command needs root', async () => {
    // The capability to read any file, and nothing else: the user reaches bin/pglab, and pglab's own check answers.
    const asReader = ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=+dac_read_search', '--ambient-caps=+dac_read_search'];
    const r = await execa('setpriv', [...asReader, join(clone, 'bin', 'pglab'), 'status'], { env: { ...TEST_LAB, CI: '1' }, reject: false, all: true });
    expect(r.exitCode, String(r.all)).toBe(2);
    expect(String(r.all)).toMatch(/`pglab status` needs root/);
  });
});
