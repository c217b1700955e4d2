import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireLabLock, LabBusyError, readLockHolder } from '../../../lab/lab-lock.js';
import { paths } from '../../../lab/state-dir.js';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'hold-lab-lock.ts');
let home: string;
const children: ChildProcess[] = [];

/** Starts another process that takes the lock as `verb`; resolves once it holds it. */
function holder(verb: string): Promise<{ child: ChildProcess; pid: number; lines: string[] }> {
  const child = spawn(process.execPath, ['--import', pathToFileURL(join(import.meta.dirname, '..', '..', '..', 'node_modules', 'tsx', 'dist', 'loader.mjs')).href, FIXTURE, verb], { env: { ...process.env, PGLAB_HOME: home }, stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(child);
  const lines: string[] = [];
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      for (const line of d.toString().split('\n').filter(Boolean)) {
        lines.push(line);
        const m = /^acquired (\d+)/.exec(line);
        if (m) resolve({ child, pid: Number(m[1]), lines });
      }
    });
    child.on('exit', (code) => reject(new Error(`holder exited with ${code} before taking the lock`)));
  });
}

const exited = (c: ChildProcess) => new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', () => r())));

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'pglab-lock-'));
  process.env.PGLAB_HOME = home;
});

afterEach(async () => {
  for (const c of children.splice(0)) {
    c.kill('SIGKILL');
    await exited(c);
  }
  delete process.env.PGLAB_HOME;
  rmSync(home, { recursive: true, force: true });
});

describe('the lab lock', () => {
  it('is taken at once when free, and records who holds it', async () => {
    const lock = await acquireLabLock('machines', { wait: false });
    expect(readLockHolder()).toMatchObject({ pid: process.pid, verb: 'machines' });
    await lock.release();
    expect(existsSync(paths.lockHolder())).toBe(false);
    const again = await acquireLabLock('destroy', { wait: false });
    await again.release();
  });

  it('refuses a second process with --no-wait, naming the holder (verb, pid, since)', async () => {
    const h = await holder('chaos kill');
    const err = await acquireLabLock('machines', { wait: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LabBusyError);
    const msg = (err as Error).message;
    expect(msg).toContain('`pglab chaos kill`');
    expect(msg).toContain(`pid ${h.pid}`);
    expect(msg).toMatch(/since \d{4}-\d\d-\d\dT/);
    expect((err as LabBusyError).hint).toMatch(/without --no-wait/);
  });

  it('makes a second process wait, says once who holds it, and takes it when released', async () => {
    const first = await holder('imdb load');
    const told: string[] = [];
    const waiting = acquireLabLock('chaos kill', { wait: true, pollMs: 20, onWait: (m) => told.push(m) });
    await new Promise((r) => setTimeout(r, 300));
    expect(told).toHaveLength(1);
    expect(told[0]).toContain(`\`pglab imdb load\` (pid ${first.pid}`);
    first.child.stdin?.end();
    const lock = await waiting;
    expect(readLockHolder()?.verb).toBe('chaos kill');
    await lock.release();
  });

  it('is free again when its holder is killed (kill -9 leaves no stale lock)', async () => {
    const h = await holder('machines');
    h.child.kill('SIGKILL');
    await exited(h.child);
    const deadline = Date.now() + 5000;
    let lock;
    while (!lock) {
      lock = await acquireLabLock('destroy', { wait: false }).catch((e: unknown) => {
        if (!(e instanceof LabBusyError) || Date.now() > deadline) throw e;
        return undefined;
      });
    }
    expect(readLockHolder()?.verb).toBe('destroy');
    await lock.release();
  });

  it('ignores a holder file left by a process that is gone', async () => {
    writeFileSync(paths.lockHolder(), JSON.stringify({ pid: 999_999_999, verb: 'machines', since: '2026-01-01T00:00:00Z' }));
    expect(readLockHolder()).toBeUndefined();
    const lock = await acquireLabLock('machines', { wait: false });
    await lock.release();
  });

  it('lets a second process take it once the first one released it', async () => {
    const first = await holder('bench');
    first.child.stdin?.end();
    await exited(first.child);
    const second = await holder('deploy pgdaemon');
    expect(second.lines.some((l) => l.startsWith('waiting'))).toBe(false);
  });
});

describe('releasing the lab lock', () => {
  it('keeps the process alive until released, so the command\'s own exit code survives', async () => {
    const fixture = join(import.meta.dirname, 'fixtures', 'release-and-exit.ts');
    const child = spawn(process.execPath, ['--import', pathToFileURL(join(import.meta.dirname, '..', '..', '..', 'node_modules', 'tsx', 'dist', 'loader.mjs')).href, fixture], { env: { ...process.env, PGLAB_HOME: home }, stdio: 'inherit' });
    children.push(child);
    await exited(child);
    expect(child.exitCode).toBe(7);
  });
});

describe('the image cache lock (shared between labs)', () => {
  it('lets one lab build at a time; the other waits, told who builds', async () => {
    process.env.PGLAB_IMAGES = join(home, 'images');
    try {
      const { withImageLock } = await import('../../../lab/image.js');
      const order: string[] = [];
      let finishFirst!: () => void;
      const first = withImageLock('machines (image build, lab pglab)', () => undefined, async () => {
        order.push('first starts');
        await new Promise<void>((r) => (finishFirst = r));
        order.push('first ends');
      });
      await new Promise((r) => setTimeout(r, 200));
      const told: string[] = [];
      const second = withImageLock('machines (image build, lab pglab-test)', (m) => told.push(m), async () => {
        order.push('second starts');
      });
      await new Promise((r) => setTimeout(r, 700));
      expect(told).toEqual([expect.stringMatching(/^waiting for the image cache lock: `pglab machines \(image build, lab pglab\)`/)]);
      finishFirst();
      await Promise.all([first, second]);
      expect(order).toEqual(['first starts', 'first ends', 'second starts']);
    } finally {
      delete process.env.PGLAB_IMAGES;
    }
  });
});
