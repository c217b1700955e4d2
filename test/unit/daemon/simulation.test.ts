// The real daemon cycle in the deterministic simulator: one explicit schedule per known defect, a restart-race sweep, determinism.
import { describe, expect, it } from 'vitest';
import { report, runSchedule } from '../../sim/run.js';
import { pauseAroundStart, restartRace, scenarios } from '../../sim/scenarios.js';
import { World } from '../../sim/world.js';

describe('daemon simulation: known defects stay fixed', () => {
  for (const [name, s] of Object.entries(scenarios)) {
    it(`${name}: ${s.what}`, async () => {
      const r = await runSchedule(s.seed, s.schedule);
      expect(r.violations, report(r, s.schedule, name)).toEqual([]);
    }, 60_000);
  }

  // Defect c: the old primary's daemon restarts (killed with its postgres) around the moment its old lease
  // expires and the leader fails over; it must not start postgres writable from the desired state it read before.
  for (const sync of [false, true]) {
    it(`c-restart-race (${sync ? 'sync' : 'async'}): a restarted primary daemon never makes a second writable primary, whatever the restart delay`, async () => {
      const failed: string[] = [];
      for (let downMs = 400; downMs <= 2000; downMs += sync ? 100 : 50) {
        const schedule = restartRace(downMs, sync);
        const r = await runSchedule(3, schedule);
        if (r.violations.length) failed.push(`restart after ${downMs}ms:\n${report(r, schedule)}`);
      }
      expect(failed, failed[0]).toEqual([]);
    }, 120_000);
  }

  it('j-daemon-frozen-around-a-start-as-primary: a server started as primary is fenced by its watchdog, whenever its daemon freezes', async () => {
    const failed: string[] = [];
    for (let at = 27_950; at <= 28_600; at += 50) {
      const schedule = pauseAroundStart(at);
      const r = await runSchedule(15, schedule);
      if (r.violations.length) failed.push(`daemon frozen at ${at}ms:\n${report(r, schedule)}`);
    }
    expect(failed, failed[0]).toEqual([]);
  }, 120_000);
});

describe('daemon simulation: the simulator itself', () => {
  it('replays a seed identically (same trace, same outcome)', async () => {
    const one = await new World(42, scenarios['a-replica-cut-from-primary']!.schedule, false).run();
    const two = await new World(42, scenarios['a-replica-cut-from-primary']!.schedule, false).run();
    expect(two.trace).toEqual(one.trace);
    expect(one.stats.acked).toBeGreaterThan(500);
  }, 60_000);

  it('brings up a cluster that takes writes with no fault injected', async () => {
    const schedule = { ...scenarios['a-replica-cut-from-primary']!.schedule, faults: [] };
    const r = await runSchedule(7, schedule);
    expect(r.violations, report(r, schedule)).toEqual([]);
    expect(r.stats.failovers).toBe(0);
    expect(r.stats.longestOutageMs).toBeLessThan(1000);
  }, 60_000);
});
