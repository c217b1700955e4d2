import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunReport } from '../../../chaos/analyze-run.js';
import { BOUNDS } from '../../../chaos/fault-catalog.js';
import { formatSideBySide, type MatrixRow } from '../../../chaos/matrix-report.js';
import { UserError } from '../../../common/errors.js';
import { lockLentToUs } from '../../../lab/lab-lock.js';
import { parseTopology } from '../../../lab/topology-file.js';
import { DEFAULT_TOPOLOGY, withHa } from '../../../lab/topology.js';
import { parseManagerList } from '../../../tasks/chaos-side-by-side.js';
import { faultChecks } from '../../../tasks/chaos.js';
import { HA_MANAGER_MODULES, haManager, parseHaManager, patroniBounds } from '../../../tasks/ha-manager.js';
import { withLabManager } from '../../../tasks/topology-source.js';

const run = (gapMs: number, ackMs: number | null, lost = 0, split = 0): MatrixRow['runs'][number] => ({
  faultAtMs: 2000, writeGapMs: gapMs, firstAckAfterFaultMs: ackMs, firstAckOnNewPrimaryMs: ackMs, acked: 1000, failedAttempts: 3, lostAcked: lost, splitBrainAcks: split,
  primaryBefore: '10.42.0.10', primaryAfter: '10.42.0.11', target: 'pg0', checks: [{ promise: 'writes acknowledged by a new primary within 5 s of the kill', kept: ackMs !== null && ackMs < 5000, evidence: '' }],
  timeline: { binMs: 50, startMs: 0, nodes: {}, faultAtMs: 2000, liftedAtMs: null },
});

describe('HA managers', () => {
  it('names each manager with its unit, and says which settings shape its failover', () => {
    expect(HA_MANAGER_MODULES.pgdaemon.unit).toBe('pgdaemon.service');
    expect(HA_MANAGER_MODULES.patroni.unit).toBe('patroni.service');
    expect(haManager(DEFAULT_TOPOLOGY).name).toBe('pgdaemon');
    const p = withHa(DEFAULT_TOPOLOGY, 'patroni');
    expect(haManager(p).describe(p)).toBe('Patroni 3.0.2 (ttl 30 s, loop_wait 10 s, retry_timeout 10 s, maximum_lag_on_failover 1048576, synchronous_mode off)');
    const fast = parseTopology('ha: patroni\nreplication: sync\npatroni:\n  ttl: 20\n  loopWait: 1\n  retryTimeout: 3\n', 'f.yaml');
    expect(haManager(fast).describe(fast)).toBe('Patroni 3.0.2 (ttl 20 s, loop_wait 1 s, retry_timeout 3 s, maximum_lag_on_failover 1048576, synchronous_mode on)');
  });

  it("judges Patroni's timing promises by its own ttl and loop_wait, and pgdaemon's by its 5 s", () => {
    expect(haManager(DEFAULT_TOPOLOGY).bounds(DEFAULT_TOPOLOGY)).toEqual(BOUNDS);
    expect(patroniBounds(withHa(DEFAULT_TOPOLOGY, 'patroni'))).toEqual({ ackAgainAfterFaultMs: 45_000, ackAgainAfterQuorumMs: 45_000, streamAgainAfterHealMs: 15_000 });
    const report = run(21_000, 21_500) as unknown as RunReport;
    const r = { target: 'pg0', primary: 'pg0', primaryAfterHeal: 'pg1', dataDirBefore: '', dataDirAfter: '', liftedAt: null, report, log: { acks: [], failures: [] } };
    expect(faultChecks('kill', r)[0]).toMatchObject({ kept: false, promise: 'writes acknowledged by a new primary within 5 s of the kill' });
    expect(faultChecks('kill', r, patroniBounds(withHa(DEFAULT_TOPOLOGY, 'patroni')))[0]).toMatchObject({ kept: true, promise: 'writes acknowledged by a new primary within 45 s of the kill' });
  });

  it('takes --ha values it knows, and refuses others, or a list naming one twice, with exit 2', () => {
    expect(parseHaManager('patroni')).toBe('patroni');
    expect(() => parseHaManager('stolon')).toThrow(UserError);
    expect(() => parseHaManager('stolon')).toThrow('--ha: unknown HA manager "stolon"');
    expect(parseManagerList('pgdaemon,patroni')).toEqual(['pgdaemon', 'patroni']);
    expect(() => parseManagerList('patroni,patroni')).toThrow(/names a manager twice/);
  });
});

describe('the lab keeps its manager', () => {
  const patroniLab = parseTopology('ha: patroni\npatroni:\n  ttl: 20\n  loopWait: 1\n  retryTimeout: 3\n', 'lab.yaml');

  it('gives a file that names no manager the running lab\'s, with its timing', () => {
    const file = parseTopology('machines:\n  postgres: 3\n', 'f.yaml');
    expect(withLabManager(file, patroniLab)).toMatchObject({ ha: 'patroni', patroni: { ttl: 20 } });
    expect(withLabManager(file, undefined)).toBe(file);
    expect(withLabManager(file, DEFAULT_TOPOLOGY)).toBe(file); // an old record names none: pgdaemon
  });

  it('lets `pglab machines` see a file that names another manager (to refuse it), while other commands act on the lab as it is', () => {
    const file = parseTopology('ha: pgdaemon\n', 'f.yaml');
    expect(withLabManager(file, patroniLab).ha).toBe('pgdaemon');
    expect(withLabManager(file, patroniLab, true)).toMatchObject({ ha: 'patroni', patroni: { ttl: 20 } });
  });
});

describe('the side-by-side table', () => {
  it('puts each figure of each fault once per manager, under a line naming the settings', () => {
    const text = formatSideBySide([
      { manager: 'pgdaemon', settings: 'pgdaemon (lease ttl 1 s)', rows: [{ fault: 'kill', runs: [run(1380, 1290)] }] },
      { manager: 'patroni', settings: 'Patroni 3.0.2 (ttl 30 s)', rows: [{ fault: 'kill', runs: [run(29_800, 29_700, 2)] }, { fault: 'switchover', runs: [run(900, 850)] }] },
    ], false);
    const lines = text.split('\n');
    expect(lines[0]).toBe('pgdaemon: pgdaemon (lease ttl 1 s)');
    expect(lines[1]).toBe('patroni: Patroni 3.0.2 (ttl 30 s)');
    expect(lines[2]).toMatch(/^\s+WRITE GAP \(s\) min\/med\/max\s+NEW PRIMARY ACK \(s\)\s+LOST\/ACKED\s+SPLIT-BRAIN\s+PROMISES KEPT\s+ANOMALIES$/);
    expect(lines[3]).toMatch(/^FAULT\s+pgdaemon\s+patroni\s+pgdaemon\s+patroni\s+pgdaemon\s+patroni\s+pgdaemon\s+patroni\s+pgdaemon\s+patroni\s+pgdaemon\s+patroni$/);
    expect(lines[4]).toMatch(/^kill\s+1\.38\/1\.38\/1\.38\s+29\.80\/29\.80\/29\.80\s+1\.29\s+29\.70\s+0\/1000\s+2\/1000\s+0\s+0\s+2\/2\s+1\/2 BROKEN\s+-\s+-$/);
    expect(lines[5]).toMatch(/^switchover\s+not run\s+0\.90\/0\.90\/0\.90\s+not run\s+0\.85/);
  });
});

describe('the lab lock lent to children', () => {
  it('is lent to a descendant of its holder that the holder named, and to no other process', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pglab-lock-'));
    const holder = join(dir, 'holder.json');
    const sleeper = spawn('sleep', ['30']);
    try {
      writeFileSync(holder, JSON.stringify({ pid: process.pid, verb: 'chaos matrix', since: new Date().toISOString() }));
      expect(lockLentToUs(holder, sleeper.pid, String(process.pid))).toBe(true); // our child, named by us
      expect(lockLentToUs(holder, sleeper.pid, undefined)).toBe(false); // our child, but not lent it (a test holding the lock)
      expect(lockLentToUs(holder, process.pid, String(process.pid))).toBe(false); // not our own ancestor
      writeFileSync(holder, JSON.stringify({ pid: sleeper.pid, verb: 'machines', since: new Date().toISOString() }));
      expect(lockLentToUs(holder, process.pid, String(sleeper.pid))).toBe(false); // named, but not an ancestor
    } finally {
      sleeper.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
