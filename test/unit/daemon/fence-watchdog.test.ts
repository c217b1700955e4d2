import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FenceWatchdog } from '../../../daemon/fence-watchdog.js';
import { PgCtl } from '../../../daemon/postgres-ctl.js';
import { processState, processTree } from '../../../common/process-tree.js';

// A stand-in postmaster: bash copied under the name "postgres" (the watchdog checks /proc/PID/comm), leading its own
// session like a server pg_ctl started, with a child in a session of its own, as every PostgreSQL backend calls
// setsid() (a process-group kill misses them). Like a postmaster it passes SIGQUIT (immediate shutdown) on to its
// child and exits once the child has.
function fakeServer(dir: string): { leader: ChildProcess; pids: () => number[] } {
  const bin = join(dir, 'postgres');
  copyFileSync('/bin/bash', bin);
  const script = `trap 'kill -QUIT $c; wait $c; exit 0' QUIT; setsid /bin/sleep 600 & c=$!; echo $c > ${dir}/child; while :; do sleep 0.05; done`;
  const leader = spawn(bin, ['-c', script], { detached: true, stdio: 'ignore' });
  writeFileSync(join(dir, 'postmaster.pid'), `${leader.pid}\n${dir}\n`);
  return { leader, pids: () => [leader.pid as number] };
}

const alive = (pid: number) => {
  const s = processState(pid);
  return s !== null && s !== 'Z' && s !== 'X';
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('FenceWatchdog (a real process on a monotonic clock)', () => {
  const cleanup: (() => void)[] = [];
  afterEach(() => {
    for (const c of cleanup.splice(0)) c();
  });

  function setup() {
    const dir = mkdtempSync(join(tmpdir(), 'pgdaemon-wd-'));
    const server = fakeServer(dir);
    const wd = new FenceWatchdog(dir);
    cleanup.push(() => {
      wd.disarm();
      // The stand-in's child has a session of its own: kill the whole tree, not only the group.
      for (const pid of processTree(server.leader.pid as number)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
      rmSync(dir, { recursive: true, force: true });
    });
    return { dir, server, wd, pid: server.leader.pid as number };
  }

  it('leaves the server alone while it is fed, and kills its whole process group when the budget runs out', async () => {
    const { wd, pid, dir } = setup();
    await sleep(100);
    const child = Number(readFileSync(join(dir, 'child'), 'utf8'));
    wd.arm(400);
    for (let i = 0; i < 6; i++) {
      await sleep(150);
      wd.feed(400);
    }
    expect(alive(pid)).toBe(true);
    const stoppedFeeding = performance.now();
    while (alive(pid) && performance.now() - stoppedFeeding < 3000) await sleep(20);
    expect(alive(pid)).toBe(false);
    expect(performance.now() - stoppedFeeding).toBeGreaterThanOrEqual(350);
    expect(performance.now() - stoppedFeeding).toBeLessThan(1500);
    await sleep(50);
    expect(alive(child)).toBe(false);
  });

  it('kills a frozen (SIGSTOPped) server and its frozen backends, which pg_ctl stop never stops', async () => {
    const { wd, pid, dir } = setup();
    await sleep(100);
    const child = Number(readFileSync(join(dir, 'child'), 'utf8'));
    process.kill(pid, 'SIGSTOP');
    process.kill(child, 'SIGSTOP');
    await sleep(50);
    expect(processState(pid)).toBe('T');
    wd.arm(200);
    const t0 = performance.now();
    while ((alive(pid) || alive(child)) && performance.now() - t0 < 3000) await sleep(20);
    expect(alive(pid)).toBe(false);
    expect(alive(child)).toBe(false);
  });

  it('PgCtl.kill takes the postmaster and its backends (each in its own session) down', async () => {
    const { pid, dir } = setup();
    await sleep(100);
    const child = Number(readFileSync(join(dir, 'child'), 'utf8'));
    process.kill(child, 'SIGSTOP');
    expect(processTree(pid)).toEqual(expect.arrayContaining([pid, child]));
    await new PgCtl({ binDir: '/nonexistent', dataDir: dir, logFile: join(dir, 'log') }).kill();
    expect(alive(pid)).toBe(false);
    expect(alive(child)).toBe(false);
  });

  it('fences at once when the daemon goes away (its end of the pipe closes)', async () => {
    const { wd, pid } = setup();
    await sleep(50);
    wd.arm(60_000);
    // What the daemon's death looks like to the watchdog: EOF on its stdin.
    (wd as unknown as { child: ChildProcess }).child.stdin?.end();
    const t0 = performance.now();
    while (alive(pid) && performance.now() - t0 < 3000) await sleep(20);
    expect(alive(pid)).toBe(false);
  });

  it('does nothing once disarmed', async () => {
    const { wd, pid } = setup();
    await sleep(50);
    wd.arm(150);
    wd.disarm();
    await sleep(500);
    expect(alive(pid)).toBe(true);
  });
});
