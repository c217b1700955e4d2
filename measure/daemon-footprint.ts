// pgdaemon's footprint on 127.0.0.1: per-daemon RSS, V8 heap and CPU, and etcd's CPU, for an idle or busy cluster.
// Usage: npx tsx measure/daemon-footprint.ts [--nodes 3] [--etcd 1] [--idle 30s] [--busy] [--long 0m]
//        [--every 1m] [--node-flags="--max-semi-space-size=1"] (default: the lab unit's flags) [--cpu-prof DIR] [--heap-snapshot DIR] [--no-checks]
//        [--daemon-env="MALLOC_ARENA_MAX=2"] (extra environment for the daemons) [--gc] (a full GC before each memory reading)
// A haproxy stand-in sends OPTIONS /primary and OPTIONS /replica to every daemon every 200 ms (new connection each,
// as haproxy does), unless --no-checks. Loopback figures: the lab's (nspawn machines) are measured separately.
import { request } from 'node:http';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { parseDuration } from '../common/duration.js';
import { PGDAEMON_NODE_FLAGS } from '../daemon/node-flags.js';
import { BUNDLE, DaemonCluster, SECRETS, processesMentioning, sleep, waitFor } from '../test/support/daemon-cluster.js';
import { measureArgs, runMeasurement } from './harness.js';

const { values: args } = measureArgs('npx tsx measure/daemon-footprint.ts [--nodes 3] [--etcd 1] [--idle 30s] [--busy] [--long 0m]', {
    nodes: { type: 'string', default: '3' },
    etcd: { type: 'string', default: '1' },
    idle: { type: 'string', default: '30s' },
    settle: { type: 'string', default: '10s' },
    busy: { type: 'boolean', default: false },
    long: { type: 'string', default: '0s' },
    every: { type: 'string', default: '1m' },
    'node-flags': { type: 'string' },
    'daemon-env': { type: 'string', default: '' },
    'cpu-prof': { type: 'string' },
    'heap-snapshot': { type: 'string' },
    'no-checks': { type: 'boolean', default: false },
    gc: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
  });

const TICK = 100; // USER_HZ on Linux
const nodes = Number(args.nodes);
// Default: what the lab's unit runs; --node-flags= (empty) for none.
const nodeFlags = args['node-flags'] !== undefined ? args['node-flags'].split(/\s+/).filter(Boolean) : [...PGDAEMON_NODE_FLAGS];
if (args.gc) nodeFlags.push('--expose-gc');
if (args['cpu-prof']) {
  mkdirSync(args['cpu-prof'], { recursive: true });
  chmodSync(args['cpu-prof'], 0o777);
  nodeFlags.push('--cpu-prof', `--cpu-prof-dir=${args['cpu-prof']}`);
}

/** Loaded into each daemon with --require: on SIGUSR2 it writes its memory figures next to it (cwd). */
const PRELOAD = `
const v8 = require('node:v8'); const fs = require('node:fs');
process.on('SIGUSR2', () => {
  if (typeof global.gc === 'function') global.gc(); // --gc: live memory only, not garbage waiting for a collection
  const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, { size: s.space_size, used: s.space_used_size }]));
  fs.writeFileSync('footprint.json', JSON.stringify({ mem: process.memoryUsage(), heap: v8.getHeapStatistics(), spaces }));
  if (process.env.FOOTPRINT_SNAPSHOT_DIR) v8.writeHeapSnapshot(require('node:path').join(process.env.FOOTPRINT_SNAPSHOT_DIR, 'daemon-' + process.pid + '-' + Date.now() + '.heapsnapshot'));
});`;

interface Stat {
  ticks: number;
  rssKb: number;
  /** RSS backed by files (the node binary, libraries), shared with every other node process on the machine. */
  fileKb: number;
}

function procStat(pid: number): Stat | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    const st = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = /VmRSS:\s+(\d+)/.exec(st);
    const file = /RssFile:\s+(\d+)/.exec(st);
    return { ticks: Number(f[11]) + Number(f[12]), rssKb: rss ? Number(rss[1]) : 0, fileKb: file ? Number(file[1]) : 0 };
  } catch {
    return null;
  }
}

function comm(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

function check(port: number, path: string): Promise<void> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'OPTIONS', agent: false, timeout: 1000 }, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', () => resolve());
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

const mb = (b: number) => (b / 1048576).toFixed(1);

async function memoryOf(c: DaemonCluster): Promise<Map<string, { mem: NodeJS.MemoryUsage; heap: { total_heap_size: number; used_heap_size: number }; spaces: Record<string, { size: number; used: number }> }>> {
  const out = new Map();
  for (const n of c.nodes) {
    const file = join(c.root, n.name, 'footprint.json');
    const before = (() => { try { return statSync(file).mtimeMs; } catch { return 0; } })();
    if (n.proc?.pid) process.kill(n.proc.pid, 'SIGUSR2');
    await waitFor(`${n.name}'s footprint`, async () => { try { return statSync(file).mtimeMs > before; } catch { return false; } }, 60_000, 50).catch(() => undefined);
    try {
      out.set(n.name, JSON.parse(readFileSync(file, 'utf8')));
    } catch {
      // missing: the daemon died
    }
  }
  return out;
}

async function main(): Promise<void> {
  const daemonEnv = Object.fromEntries(args['daemon-env'].split(/\s+/).filter(Boolean).map((kv) => [kv.split('=')[0] ?? kv, kv.split('=').slice(1).join('=')]));
  const harness = { nodes, etcdMembers: Number(args.etcd), nodeFlags: [...nodeFlags], daemonEnv };
  const c = new DaemonCluster(harness);
  // Outside the cluster's dir, which bootstrap() creates: world-readable, the daemons run as postgres.
  const preloadDir = mkdtempSync(join(tmpdir(), 'pgd-footprint-'));
  chmodSync(preloadDir, 0o755);
  const preload = join(preloadDir, 'preload.cjs');
  writeFileSync(preload, PRELOAD, { mode: 0o644 });
  harness.nodeFlags.push('--require', preload);
  const load = readFileSync('/proc/loadavg', 'utf8').trim();
  console.log(`# pgdaemon footprint (loopback), ${new Date().toISOString()}, ${nodes} nodes, ${args.etcd} etcd member(s), node ${process.version}, flags [${nodeFlags.join(' ')}], env [${args['daemon-env']}], bundle ${mb(statSync(BUNDLE).size)} MB, loadavg before: ${load}`);
  let writers: pg.Client[] = [];
  let stopChecks = false;
  try {
    if (args['heap-snapshot']) {
      mkdirSync(args['heap-snapshot'], { recursive: true });
      chmodSync(args['heap-snapshot'], 0o777);
      // The daemons get PATH and HOME only, plus daemonEnv: the preload reads this there.
      daemonEnv['FOOTPRINT_SNAPSHOT_DIR'] = args['heap-snapshot'];
    }
    await c.bootstrap();
    console.log(`# bootstrapped: 1 primary, ${nodes - 1} streaming replicas`);
    const checks = (async () => {
      if (args['no-checks']) return;
      while (!stopChecks) {
        await Promise.all(c.nodes.flatMap((n) => [check(n.httpPort, '/primary'), check(n.httpPort, '/replica')]));
        await sleep(200);
      }
    })();
    if (args.busy) {
      await c.sql('pg0', 'CREATE TABLE IF NOT EXISTS footprint (id bigserial PRIMARY KEY, at timestamptz DEFAULT now(), pad text)');
      writers = [];
      for (let i = 0; i < 4; i++) {
        const w = new pg.Client({ host: '127.0.0.1', port: c.node('pg0').pgPort, user: 'postgres', password: SECRETS.superuserPassword, database: 'postgres' });
        await w.connect();
        writers.push(w);
        void (async () => {
          while (!stopChecks) await w.query("INSERT INTO footprint (pad) VALUES (repeat('x', 100))").catch(() => sleep(100));
        })();
      }
      console.log('# busy: 4 writers inserting into pg0 without pause');
    }
    await sleep(parseDuration(args.settle, '--settle'));
    const pids = () => {
      const daemons = c.nodes.map((n) => ({ label: n.name, pid: n.proc?.pid ?? 0 }));
      const others = processesMentioning(c.root).map((pid) => ({ pid, comm: comm(pid) }));
      const etcd = others.filter((o) => o.comm === 'etcd').map((o, i) => ({ label: `etcd${i}`, pid: o.pid }));
      const postgres = others.filter((o) => o.comm === 'postgres' || o.comm.startsWith('postgres')).map((o) => o.pid);
      return { daemons, etcd, postgres };
    };
    const measure = async (label: string, ms: number) => {
      const p = pids();
      const all = [...p.daemons, ...p.etcd];
      const pgAll = [...new Set([...p.postgres, ...allPostgresChildren(p.postgres)])];
      const t0 = Date.now();
      const s0 = new Map(all.map((x) => [x.pid, procStat(x.pid)]));
      const pg0 = pgAll.reduce((a, pid) => a + (procStat(pid)?.ticks ?? 0), 0);
      const load0 = readFileSync('/proc/loadavg', 'utf8').trim();
      await sleep(ms);
      const secs = (Date.now() - t0) / 1000;
      const pg1 = pgAll.reduce((a, pid) => a + (procStat(pid)?.ticks ?? 0), 0);
      const memory = await memoryOf(c);
      console.log(`\n## ${label}: ${secs.toFixed(1)} s, loadavg ${load0} → ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
      console.log('proc     cpu%    rss MB (file)  heapUsed heapTotal new(size) old(size) code  external arrayBuf');
      let daemonCpu = 0;
      let etcdCpu = 0;
      let daemonRss = 0;
      for (const x of all) {
        const a = s0.get(x.pid);
        const b = procStat(x.pid);
        if (!a || !b) {
          console.log(`${x.label.padEnd(8)} gone`);
          continue;
        }
        const cpu = ((b.ticks - a.ticks) / TICK / secs) * 100;
        const m = memory.get(x.label);
        if (x.label.startsWith('etcd')) etcdCpu += cpu;
        else {
          daemonCpu += cpu;
          daemonRss += b.rssKb;
        }
        const sp = (n: string) => m?.spaces[n] ? `${mb(m.spaces[n].used)}(${mb(m.spaces[n].size)})` : '-';
        console.log(`${x.label.padEnd(8)} ${cpu.toFixed(2).padStart(5)}  ${(b.rssKb / 1024).toFixed(1).padStart(7)} ${`(${(b.fileKb / 1024).toFixed(1)})`.padStart(6)}  ${m ? `${mb(m.mem.heapUsed).padStart(8)} ${mb(m.mem.heapTotal).padStart(9)} ${sp('new_space').padStart(9)} ${sp('old_space').padStart(9)} ${sp('code_space')} ${mb(m.mem.external).padStart(8)} ${mb(m.mem.arrayBuffers).padStart(8)}` : ''}`);
      }
      console.log(`total: daemons ${(daemonCpu / 100).toFixed(3)} cores (${(daemonCpu / p.daemons.length).toFixed(2)} % each), ${(daemonRss / 1024).toFixed(0)} MB resident; etcd ${(etcdCpu / 100).toFixed(3)} cores; control plane ${((daemonCpu + etcdCpu) / 100).toFixed(3)} cores; postgres (all processes) ${((pg1 - pg0) / TICK / secs).toFixed(3)} cores`);
    };
    await measure(args.busy ? 'busy' : 'idle', parseDuration(args.idle, '--idle'));
    const longMs = parseDuration(args.long, '--long');
    if (longMs > 0) {
      const every = parseDuration(args.every, '--every');
      console.log(`\n## long run: RSS (MB) per daemon every ${args.every} for ${args.long}`);
      console.log(`min  ${c.nodes.map((n) => n.name.padStart(6)).join(' ')}  heapUsed(pg0)`);
      const t0 = Date.now();
      for (let i = 0; Date.now() - t0 <= longMs; i++) {
        const m = await memoryOf(c);
        console.log(`${String(Math.round((Date.now() - t0) / 60000)).padStart(3)}  ${c.nodes.map((n) => ((procStat(n.proc?.pid ?? 0)?.rssKb ?? 0) / 1024).toFixed(1).padStart(6)).join(' ')}  ${mb(m.get('pg0')?.mem.heapUsed ?? 0)}`);
        if (Date.now() - t0 + every > longMs) break;
        await sleep(every);
      }
      await measure('after the long run', parseDuration(args.idle, '--idle'));
    }
    stopChecks = true;
    await checks;
    if (args['cpu-prof']) for (const n of c.nodes) await c.stopDaemonGracefully(n.name);
  } finally {
    stopChecks = true;
    for (const w of writers) await w.end().catch(() => undefined);
    await c.cleanup(args.keep);
    rmSync(preloadDir, { recursive: true, force: true });
    if (args['cpu-prof']) console.log(`# cpu profiles: ${readdirSync(args['cpu-prof']).join(', ')}`);
  }
}

/** Backends and auxiliary processes of the postmasters (their children). */
function allPostgresChildren(postmasters: number[]): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const s = readFileSync(`/proc/${e}/stat`, 'utf8');
      const ppid = Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]);
      if (postmasters.includes(ppid)) out.push(Number(e));
    } catch {
      // gone
    }
  }
  return out;
}

runMeasurement(main);
