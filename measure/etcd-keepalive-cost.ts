// etcd's CPU per lease keepalive, by transport: etcd's JSON gateway (the daemon's way: an HTTP request, and inside
// etcd a new gRPC stream, per keepalive) against messages on one LeaseKeepAlive gRPC stream. One etcd member on
// 127.0.0.1:23790, 20 s per phase. Usage: npx tsx measure/etcd-keepalive-cost.ts
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'node:http';
import { Etcd3 } from 'etcd3';
const dir = mkdtempSync(join(tmpdir(), 'pglab-ka-etcd-'));
const port = 23790;
const etcd = spawn('/usr/bin/etcd', ['--data-dir', dir, '--listen-client-urls', `http://127.0.0.1:${port}`, '--advertise-client-urls', `http://127.0.0.1:${port}`, '--listen-peer-urls', 'http://127.0.0.1:23791', '--initial-advertise-peer-urls', 'http://127.0.0.1:23791', '--initial-cluster', 'default=http://127.0.0.1:23791'], { stdio: 'ignore' });
const ticks = () => { const f = readFileSync(`/proc/${etcd.pid}/stat`, 'utf8').split(') ')[1]!.split(' '); return Number(f[11]) + Number(f[12]); };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
await sleep(3000);
const client = new Etcd3({ hosts: `127.0.0.1:${port}` });
const lease = client.lease(60, { autoKeepAlive: false });
const id = await lease.grant();
const agent = new Agent({ keepAlive: true });
const gateway = () => new Promise<void>((resolve, reject) => {
  const body = JSON.stringify({ ID: id });
  const req = request(`http://127.0.0.1:${port}/v3/lease/keepalive`, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': body.length } }, (res) => { res.resume(); res.on('end', () => resolve()); });
  req.on('error', reject); req.end(body);
});
const stream = await (client as unknown as { leaseClient: { leaseKeepAlive(): Promise<{ write(msg: { ID: string }): void; on(event: "data", fn: () => void): void }> } }).leaseClient.leaseKeepAlive();
let answered = 0; stream.on('data', () => answered++);
const grpc = async () => { stream.write({ ID: id }); };
async function measure(name: string, fn: (() => Promise<void>) | null, rate = 15, secs = 20) {
  const t0 = ticks(); const start = Date.now();
  while (Date.now() - start < secs * 1000) { if (fn) await fn(); await sleep(1000 / rate); }
  const used = ticks() - t0;
  console.log(`${name.padEnd(28)} etcd ${(used / secs).toFixed(2)} % of a core over ${secs} s`);
}
await measure('idle', null);
await measure('gateway keepalive 15/s', gateway);
await measure('gRPC stream keepalive 15/s', grpc);
await measure('idle', null);
console.log('stream answers', answered);
etcd.kill('SIGKILL');
rmSync(dir, { recursive: true, force: true });
process.exit(0);
