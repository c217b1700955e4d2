// Failover benchmark for pgdaemon on 127.0.0.1: kill-to-first-write times, and a no-fault soak counting failovers.
// Usage: npx tsx measure/daemon-failover.ts [--runs 10] [--mode both|postgres|node] [--soak 10m]
//        [--ttl 1s] [--loop 250ms] [--sync] [--clients 4]
import { parseDuration } from '../common/duration.js';
import { DaemonCluster, sleep, waitFor } from '../test/support/daemon-cluster.js';
import { CheckedWriter } from '../test/support/daemon-writer.js';
import { measureArgs, runMeasurement } from './harness.js';

const { values: args } = measureArgs('npx tsx measure/daemon-failover.ts [--runs 10] [--mode both|postgres|node] [--soak 10m] [--sync]', {
    runs: { type: 'string', default: '10' },
    mode: { type: 'string', default: 'both' },
    soak: { type: 'string', default: '0s' },
    ttl: { type: 'string', default: '1s' },
    loop: { type: 'string', default: '250ms' },
    sync: { type: 'boolean', default: false },
    clients: { type: 'string', default: '4' },
  });

interface RunResult {
  kind: string;
  from: string;
  to: string;
  ms: number;
  lost: number;
}

function summary(label: string, xs: number[]): string {
  if (xs.length === 0) return `${label}: no runs`;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length % 2 ? (s[(s.length - 1) / 2] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
  return `${label}: median ${Math.round(mid)} ms, min ${Math.round(s[0] as number)} ms, max ${Math.round(s[s.length - 1] as number)} ms (n=${s.length})`;
}

async function allHealthy(c: DaemonCluster): Promise<string> {
  return waitFor('1 primary + 2 streaming replicas', async () => {
    const st = c.status();
    const primary = st.members.find((m) => m.role === 'primary' && m.pgUp);
    const streaming = st.members.filter((m) => m.role === 'replica' && m.streaming).length;
    return primary && streaming === c.nodes.length - 1 && st.desired?.primary === primary.node ? primary.node : null;
  }, 180_000, 250);
}

const knownLost = new Set<number>();

async function oneRun(c: DaemonCluster, kind: 'postgres' | 'node', writer: CheckedWriter): Promise<RunResult> {
  const from = await allHealthy(c);
  await sleep(1500); // steady writes before the fault
  const ackedBefore = writer.acked.length;
  const t0 = Date.now();
  if (kind === 'postgres') c.killPostgres(from);
  else c.killNode(from);
  const first = await waitFor('first write on a new primary', async () => writer.acked.slice(ackedBefore).find((a) => a.node !== from && a.at >= t0), 60_000, 5);
  const result: RunResult = { kind, from, to: first.node, ms: first.at - t0, lost: 0 };
  if (kind === 'node') c.startDaemon(from);
  await allHealthy(c);
  // Count only ids lost by this fault: earlier runs' losses stay lost.
  const lost = await writer.lost(first.node);
  result.lost = lost.filter((id) => !knownLost.has(id)).length;
  for (const id of lost) knownLost.add(id);
  console.log(`  kill ${kind === 'postgres' ? 'postgres' : 'daemon+postgres'} of ${from}: first write on ${first.node} after ${result.ms} ms; acknowledged writes lost: ${result.lost}`);
  return result;
}

async function main(): Promise<void> {
  const runs = Number(args.runs);
  const soakMs = parseDuration(args.soak, '--soak');
  const c = new DaemonCluster({ ttl: args.ttl, loop: args.loop });
  const cleanup = () => void c.cleanup().then(() => process.exit(130));
  process.on('SIGINT', cleanup);
  process.on('SIGTERM', cleanup);
  try {
    console.log(`pgdaemon failover bench: 3 nodes on 127.0.0.1, etcd --heartbeat-interval 50 --election-timeout 500, ttl ${args.ttl}, loop ${args.loop}, ${args.sync ? 'synchronous' : 'asynchronous'} replication, ${args.clients} writer clients`);
    await c.bootstrap(args.sync);
    const writer = new CheckedWriter(c, Number(args.clients));
    await writer.createTable('pg0');
    writer.start();
    const results: RunResult[] = [];
    const kinds: ('postgres' | 'node')[] = args.mode === 'both' ? ['postgres', 'node'] : [args.mode as 'postgres' | 'node'];
    for (const kind of kinds) for (let i = 0; i < runs; i++) results.push(await oneRun(c, kind, writer));
    if (soakMs > 0) {
      await allHealthy(c);
      const before = c.status() as unknown as { history: unknown[] };
      const fencesBefore = c.nodes.map((n) => (c.daemonLog(n.name).match(/fencing:/g) ?? []).length).reduce((a, b) => a + b, 0);
      const ackedBefore = writer.acked.length;
      console.log(`soak: ${args.soak} of steady writes, no fault`);
      await sleep(soakMs);
      const after = c.status() as unknown as { history: unknown[] };
      const fences = c.nodes.map((n) => (c.daemonLog(n.name).match(/fencing:/g) ?? []).length).reduce((a, b) => a + b, 0) - fencesBefore;
      console.log(`soak result: ${after.history.length - before.history.length} failovers/switchovers, ${fences} fencing events, ${writer.acked.length - ackedBefore} acknowledged writes, ${writer.errors} write errors in total`);
    }
    await writer.stop();
    console.log('\nresults');
    for (const kind of kinds) {
      const rs = results.filter((r) => r.kind === kind);
      console.log(`  ${summary(`kill -9 ${kind === 'postgres' ? 'postgres' : 'daemon+postgres'} → first write on new primary`, rs.map((r) => r.ms))}; lost acknowledged writes per run: ${rs.map((r) => r.lost).join(',')}`);
    }
  } finally {
    await c.cleanup();
  }
}

runMeasurement(main);
