// Sums a pgdaemon .cpuprofile (node --cpu-prof) by what the daemon was doing: each sample goes to the first category
// its stack matches (etcd calls, haproxy's checks, pg, startup, GC, …). Bundle line numbers are mapped
// to the module esbuild wrote above them ("// node_modules/pg/…", "// daemon/daemon.ts").
// Usage: npx tsx measure/cpu-profile-summary.ts FILE.cpuprofile [dist/daemon/pgdaemon.cjs] [FROM_S TO_S]
// FROM_S TO_S: count only the samples between those seconds after the profile's start (e.g. the idle minutes after a
// switchover made the profiled daemon the primary).
import { readFileSync } from 'node:fs';

interface CallFrame { functionName: string; url: string; lineNumber: number }
interface ProfileNode { id: number; callFrame: CallFrame; children?: number[] }
interface Profile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }

const CATEGORIES: [string, RegExp][] = [
  ['startup', /run_main_module/],
  ['fence check', /fenceCheck/],
  ['haproxy checks (HTTP server)', /onconnection|parserOnIncoming|connectionListener|_http_server|http-api/],
  // Every etcd call is an HTTP request to etcd's JSON gateway since the daemon dropped etcd3; older profiles (before
  // 2026-11-30) had the keepalives here and the rest under gRPC.
  ['etcd over HTTP (keepalives 5/s, reads, watch, writes)', /gatewayKeepAlive|keepAlive@|_http_client|lease-keeper|etcd-gateway|etcd-watch|dcs-etcd/],
  ['etcd3 / gRPC (reads, watch, writes)', /grpc|etcd3|protobuf/],
  ['pg (probe queries)', /node_modules\/pg/],
];

function moduleOfLine(bundle: string): string[] {
  const out: string[] = [];
  let current = '?';
  bundle.split('\n').forEach((line, i) => {
    const m = /^\/\/ (node_modules\/(@[^/]+\/)?[^/]+|[a-z-]+\/[a-z-]+\.ts)/.exec(line);
    if (m) current = m[1] as string;
    out[i] = current;
  });
  return out;
}

const [file, bundlePath = 'dist/daemon/pgdaemon.cjs', fromArg, toArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: cpu-profile-summary FILE.cpuprofile [BUNDLE]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const moduleAt = moduleOfLine(readFileSync(bundlePath, 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const frameName = (c: CallFrame) => `${c.functionName}@${c.url.endsWith('.cjs') ? moduleAt[c.lineNumber] : c.url.split('/').pop()}`;

const sums = new Map<string, number>();
let busy = 0;
const from = fromArg === undefined ? 0 : Number(fromArg) * 1e6;
const to = toArg === undefined ? Infinity : Number(toArg) * 1e6;
let sampleAt = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  sampleAt += dt;
  if (sampleAt < from || sampleAt > to) return;
  const leaf = byId.get(id)?.callFrame.functionName;
  if (leaf === '(idle)') return;
  busy += dt;
  let category: string;
  if (leaf === '(garbage collector)' || leaf === '(program)') category = leaf;
  else {
    const names: string[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) names.unshift(frameName((byId.get(at) as ProfileNode).callFrame));
    const stack = names.join(' > ');
    category = CATEGORIES.find(([, re]) => re.test(stack))?.[0] ?? `daemon code: ${names.filter((x) => /daemon\/|common\//.test(x)).pop() ?? names.slice(-2).join(' > ')}`;
  }
  sums.set(category, (sums.get(category) ?? 0) + dt);
});
const total = Math.min(to, profile.endTime - profile.startTime) - from;
console.log(`profile ${(total / 1e6).toFixed(1)} s, busy ${(busy / 1000).toFixed(0)} ms = ${((busy / total) * 100).toFixed(2)} % of a core`);
for (const [k, t] of [...sums].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(`${(t / 1000).toFixed(0).padStart(6)} ms ${((t / busy) * 100).toFixed(1).padStart(5)} %  ${k}`);
