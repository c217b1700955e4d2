// What `pglab ui` costs the host: CPU of its server process (with the probes it starts) and of the lab services it
// reads (etcd, haproxy, pgdaemon), in windows with one page watching and with none, alternating; and how long one
// reading of the lab takes. Usage (as root, a lab running): node dist/measure/ui-poll-cost.js [--seconds 30] [--rounds 3] [--port 7498]
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { formatTable } from '../common/text-table.js';
import { labName } from '../lab/state-dir.js';
import { conditionsLine, measureArgs, median, runMeasurement, wholeArg } from './harness.js';
import { costs, sample, summarize } from './lab-footprint.js';

const TICKS_PER_SECOND = 100;
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'pglab');

/** utime + stime + cutime + cstime: the process and the children it reaped (the per-machine systemctl probes). */
function treeTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
}

function descendants(pid: number): number[] {
  const kids = readdirSync(`/proc/${pid}/task`).flatMap((t) => {
    try {
      return readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    } catch {
      return [];
    }
  });
  return [...kids, ...kids.flatMap(descendants)];
}

/** One page watching: the event stream, and the reading times of the snapshots it got. */
function watch(url: string): { stop: () => void; readMs: number[] } {
  const ac = new AbortController();
  const readMs: number[] = [];
  void (async () => {
    try {
      const res = await fetch(`${url}events`, { signal: ac.signal });
      let buf = '';
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buf += Buffer.from(chunk).toString('utf8');
        for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
          const msg = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const data = /^data: (.*)$/m.exec(msg)?.[1];
          if (msg.startsWith('event: snapshot') && data) readMs.push((JSON.parse(data) as { readMs: number }).readMs);
        }
      }
    } catch {
      // aborted
    }
  })();
  return { stop: () => ac.abort(), readMs };
}

async function main(): Promise<void> {
  const { values } = measureArgs('node dist/measure/ui-poll-cost.js [--seconds 30] [--rounds 3] [--port 7498]', { seconds: { type: 'string', default: '30' }, rounds: { type: 'string', default: '3' }, port: { type: 'string', default: '7498' } });
  const seconds = wholeArg(values.seconds, '--seconds', 5);
  const rounds = wholeArg(values.rounds, '--rounds', 1);
  const url = `http://127.0.0.1:${values.port}/`;
  console.log(conditionsLine(`pglab ui poll cost, ${rounds} round(s) of ${seconds} s idle + ${seconds} s watched`));
  const ui = spawn(BIN, ['ui', '--port', String(values.port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  ui.stdout.on('data', (d: Buffer) => (out += d.toString()));
  try {
    for (let i = 0; i < 300 && !out.includes(url); i++) await sleep(100);
    if (!out.includes(url)) throw new Error(`pglab ui did not print ${url}: ${out}`);
    const server = descendants(ui.pid as number).find((p) => readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('server-child.js'));
    if (!server) throw new Error('no server-child.js process under pglab ui');
    const rows: string[][] = [];
    const byMode: Record<string, { server: number[]; etcd: number[]; haproxy: number[]; pgdaemon: number[]; readMs: number[] }> = {};
    for (let r = 1; r <= rounds; r++) {
      for (const mode of ['idle', 'watched'] as const) {
        const w = mode === 'watched' ? watch(url) : null;
        await sleep(2000); // the poller starts (or stops) before the window opens
        const t0 = treeTicks(server);
        const lab0 = sample(labName());
        await sleep(seconds * 1000);
        const serverPct = ((treeTicks(server) - t0) / TICKS_PER_SECOND / seconds) * 100;
        const units = summarize(costs(lab0, sample(labName()), seconds)).byUnit;
        w?.stop();
        const m = (byMode[mode] ??= { server: [], etcd: [], haproxy: [], pgdaemon: [], readMs: [] });
        m.server.push(serverPct);
        for (const u of ['etcd', 'haproxy', 'pgdaemon'] as const) m[u].push((units[u]?.cores ?? 0) * 100);
        if (w) m.readMs.push(median(w.readMs));
        rows.push([String(r), mode, serverPct.toFixed(2), ((units.etcd?.cores ?? 0) * 100).toFixed(2), ((units.haproxy?.cores ?? 0) * 100).toFixed(2), ((units.pgdaemon?.cores ?? 0) * 100).toFixed(2), w ? `${median(w.readMs)} (${w.readMs.length} pushed)` : '-']);
      }
    }
    console.log(formatTable([['ROUND', 'PAGE', 'UI SERVER %CPU', 'ETCD %', 'HAPROXY %', 'PGDAEMON %', 'READ MS median'], ...rows]));
    for (const [mode, m] of Object.entries(byMode)) console.log(`median ${mode}: ui server ${median(m.server).toFixed(2)} %, etcd ${median(m.etcd).toFixed(2)} %, haproxy ${median(m.haproxy).toFixed(2)} %, pgdaemon ${median(m.pgdaemon).toFixed(2)} % of a core${m.readMs.length ? `, one reading ${median(m.readMs)} ms` : ''}`);
  } finally {
    ui.kill('SIGINT');
    await new Promise((r) => ui.once('exit', r));
  }
}

if (process.argv[1] && import.meta.url === `file://${process.argv[1]}`) runMeasurement(main);
