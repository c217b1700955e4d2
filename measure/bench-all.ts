// `make bench-all`: every speed goal of issue 13 measured on the running lab, one table of figure, goal and the
// conditions it was taken under. Each figure comes from the same command a user runs (chaos, switchover, machines,
// the footprint and pgbench comparisons), started as a child process; nothing here is timed inside the daemon.
// Usage (root, a lab running, IMDb sample loaded): node dist/measure/bench-all.js [--runs 10] [--cold] [--out FILE]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatTable as textTable } from '../common/text-table.js';
import { loadAverage, measureArgs, median, runMeasurement, wholeArg } from './harness.js';

const here = new URL('../..', import.meta.url).pathname;
const PGLAB = join(here, 'bin/pglab');

export interface Figure {
  what: string;
  value: string;
  goal: string;
  met: boolean | null;
  how: string;
}

const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** Runs pglab, returns stdout; a failure ends the benchmark with the command's own output. */
function pglab(args: string[]): string {
  const r = spawnSync(PGLAB, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, CI: 'true' } });
  if (r.status !== 0) throw new Error(`pglab ${args.join(' ')} exited ${r.status}:\n${r.stdout}`);
  return r.stdout;
}

// With --json a command prints one JSON document on stdout and nothing else (its progress goes to stderr).
const jsonOf = <T>(out: string): T => JSON.parse(out) as T;
/** lab-footprint.js prints its table, then the JSON on the last line. */
const lastLineJson = <T>(out: string): T => JSON.parse(out.trim().split('\n').at(-1) as string) as T;
const timed = (f: () => void): number => {
  const t = performance.now();
  f();
  return performance.now() - t;
};

interface ChaosJson {
  runs: { writeGapMs: number | null }[];
  gap: { min: number; median: number; max: number } | null;
}

/** The pgbench comparison needs the IMDb sample: load it first when the lab has none (a lab from `pglab machines`). */
function ensureImdb(): void {
  const verify = spawnSync(PGLAB, ['imdb', 'verify', '--target', 'postgres'], { encoding: 'utf8', stdio: 'ignore', env: { ...process.env, CI: 'true' } });
  if (verify.status === 0) return;
  console.error('bench-all: no IMDb sample in the lab yet: loading it (pglab imdb sample, imdb load --target postgres)');
  pglab(['imdb', 'sample']);
  pglab(['imdb', 'load', '--target', 'postgres']);
}

function failover(runs: number): Figure[] {
  const kill = jsonOf<ChaosJson>(pglab(['chaos', 'kill', '--repeat', String(runs), '--json']));
  const sw = jsonOf<ChaosJson>(pglab(['chaos', 'switchover', '--repeat', String(runs), '--json']));
  const how = `pglab chaos … --repeat ${runs}: 8 writers through haproxy, longest gap between acknowledged writes`;
  const figures: Figure[] = [];
  if (kill.gap) {
    figures.push({ what: 'kill of the primary machine: write gap, median', value: sec(kill.gap.median), goal: '≤ 1.5 s', met: kill.gap.median <= 1500, how });
    figures.push({ what: 'kill of the primary machine: write gap, max', value: sec(kill.gap.max), goal: '≤ 2.5 s', met: kill.gap.max <= 2500, how });
  }
  if (sw.gap) figures.push({ what: 'planned switchover: write gap, median', value: sec(sw.gap.median), goal: '≤ 0.5 s', met: sw.gap.median <= 500, how });
  // The command as a user types it, start of the process to its exit.
  const walls: number[] = [];
  for (let i = 0; i < 5; i++) walls.push(timed(() => pglab(['switchover'])));
  const m = median(walls);
  figures.push({ what: '`pglab switchover`: start to done, median of 5', value: sec(m), goal: '≤ 2 s', met: m <= 2000, how: 'wall clock around the whole command (new primary serving behind haproxy)' });
  return figures;
}

function bringUp(cold: boolean): Figure[] {
  const figures: Figure[] = [];
  if (cold) {
    pglab(['destroy', '--all']);
    const ms = timed(() => pglab(['machines']));
    figures.push({ what: 'cold `pglab machines` (image build included)', value: sec(ms), goal: '≤ 90 s', met: ms <= 90_000, how: `after pglab destroy --all: mmdebstrap from the host mirror, ${machineCount()} machines, HA cluster healthy` });
  } else {
    figures.push({ what: 'cold `pglab machines` (image build included)', value: 'not run', goal: '≤ 90 s', met: null, how: 'make bench-all COLD=1 removes the image cache first' });
  }
  pglab(['destroy']);
  const warm = timed(() => pglab(['machines']));
  const machines = machineCount();
  figures.push({ what: 'warm `pglab machines` (image cached)', value: sec(warm), goal: '≤ 10 s', met: warm <= 10_000, how: `after pglab destroy: ${machines} machines booted, HA cluster healthy behind haproxy` });
  // Nothing below needs the IMDb data, but the lab should be left as `make` leaves it (destroy --all removed the cache).
  pglab(['imdb', 'sample']);
  pglab(['imdb', 'load', '--target', 'postgres']);
  return figures;
}

/** How many machines the lab has (the default topology: 7, or 10 with mongo0-2). */
function machineCount(): number {
  return (jsonOf<{ machines: unknown[] }>(pglab(['status', '--json']))).machines.length;
}

interface FootprintJson {
  rows: { unit: string; cpuPercent: number; rssMb: number; anonMb: number }[];
  controlPlaneCores: number;
}

function footprint(): Figure[] {
  // A minute to settle after the benchmarks above, then 60 s of idle.
  execFileSync('sleep', ['60']);
  const r = spawnSync('node', [join(here, 'dist/measure/lab-footprint.js'), '--seconds', '60', '--json'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`lab-footprint failed: ${r.stderr}`);
  const f = lastLineJson<FootprintJson>(r.stdout);
  const daemons = f.rows.filter((x) => x.unit === 'pgdaemon');
  const maxCpu = Math.max(...daemons.map((d) => d.cpuPercent));
  const maxRss = Math.max(...daemons.map((d) => d.rssMb));
  const maxAnon = Math.max(...daemons.map((d) => d.anonMb));
  const how = 'measure/lab-footprint.js: /proc CPU ticks over 60 s of an idle lab, VmRSS / RssAnon at the end';
  return [
    { what: 'pgdaemon CPU per node, idle (highest of 3)', value: `${maxCpu.toFixed(1)} %`, goal: '≤ 2 %', met: maxCpu <= 2, how },
    { what: 'pgdaemon resident memory per node (highest)', value: `${maxRss.toFixed(0)} MB (${maxAnon.toFixed(0)} MB private)`, goal: '≤ 60 MB', met: maxRss <= 60, how: `${how}; private = RssAnon, the rest is node's binary, shared` },
    { what: 'idle control plane, 3 nodes (daemons + etcd)', value: `${f.controlPlaneCores.toFixed(3)} cores`, goal: '≤ 0.1 core', met: f.controlPlaneCores <= 0.1, how },
  ];
}

interface VsJson {
  workloads: { workload: string; ratio: number; median: { pglab: number; pgbench: Record<string, number> } }[];
}

/**
 * Rounds of pglab bench against pgbench. Single rounds on the 2-core host ranged 0.86–1.25× within one morning (the
 * server's share of the host moves); three left the median on the goal's edge one run and not the next.
 */
const VS_PGBENCH_ROUNDS = 5;

function benchOverhead(): Figure[] {
  const dir = mkdtempSync(join(tmpdir(), 'pglab-bench-all-'));
  try {
    const file = join(dir, 'vs.json');
    pglab(['run', '--', 'node', join(here, 'dist/measure/bench-vs-pgbench.js'), '--workloads', 'title-by-id', '--clients', '8', '--duration', '10s', '--rounds', String(VS_PGBENCH_ROUNDS), '--modes', 'prepared', '--json', file]);
    const w = (JSON.parse(readFileSync(file, 'utf8')) as VsJson).workloads[0];
    if (!w) return [];
    // Rounded down: 0.8996 printed as 0.90× beside "NO" read as a contradiction.
    const shown = (Math.floor(w.ratio * 100) / 100).toFixed(2);
    return [{ what: '`pglab bench` / pgbench -M prepared, title-by-id', value: `${shown}×`, goal: '≥ 0.9×', met: w.ratio >= 0.9, how: `8 clients through haproxy, ${VS_PGBENCH_ROUNDS} alternating rounds of 10 s, medians ${Math.round(w.median.pglab)} vs ${Math.round(w.median.pgbench['prepared'] ?? 0)} ops/s` }];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatTable(figures: readonly Figure[], conditions: string): string {
  const rows = [['FIGURE', 'MEASURED', 'GOAL', 'MET'], ...figures.map((f) => [f.what, f.value, f.goal, f.met === null ? '-' : f.met ? 'yes' : 'NO'])];
  const table = textTable(rows);
  return [table, '', conditions, ...figures.map((f) => `- ${f.what}: ${f.how}`)].join('\n');
}

async function main(): Promise<void> {
  const { values } = measureArgs('node dist/measure/bench-all.js [--runs 10] [--cold] [--out FILE]', { runs: { type: 'string', default: '10' }, cold: { type: 'boolean', default: false }, out: { type: 'string' } });
  const runs = wholeArg(values.runs, '--runs', 1);
  const started = new Date().toISOString();
  const loadBefore = loadAverage();
  const commit = execFileSync('git', ['-C', here, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  ensureImdb();
  const figures = [...failover(runs), ...benchOverhead(), ...bringUp(values.cold), ...footprint()];
  const loadAfter = loadAverage();
  const conditions = `commit ${commit}; started ${started}; load average ${loadBefore} before, ${loadAfter} after; ${runs} runs per fault`;
  const text = formatTable(figures, conditions);
  console.log(text);
  if (values.out) writeFileSync(values.out, `${text}\n`);
}

if (process.argv[1] && import.meta.url === `file://${process.argv[1]}`) runMeasurement(main);
