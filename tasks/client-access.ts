// `pglab dsn`, `pglab psql`, `pglab run`: clients of the cluster through haproxy,
// credentials filled in. They run inside the lab namespace (bin/pglab enters it).
import { spawn } from 'node:child_process';
import { UserError } from '../common/errors.js';
import { HAPROXY_PRIMARY_PORT, HAPROXY_REPLICA_PORT } from '../lab/roles/haproxy.js';
import { APP_DATABASE, APP_USER, readSecrets } from '../lab/secrets.js';
import { labName } from '../lab/state-dir.js';
import { machinesOf, type Topology } from '../lab/topology.js';
import { netnsExists } from '../network/netns.js';

export function labDsn(t: Topology, replica: boolean): string {
  const h = machinesOf(t, 'haproxy')[0];
  if (!h) throw new UserError('the topology has no haproxy machine, so there is no single address for the cluster');
  const s = readSecrets();
  const port = replica ? HAPROXY_REPLICA_PORT : HAPROXY_PRIMARY_PORT;
  return `postgresql://${APP_USER}:${encodeURIComponent(s.appPassword)}@${h.ip}:${port}/${APP_DATABASE}`;
}

/** pg's ClientConfig for Node code (imdb load, bench, chaos writer). */
export function labClientConfig(t: Topology, replica = false) {
  return { connectionString: labDsn(t, replica), connectionTimeoutMillis: 5000 };
}

export function requireLabNetns(): void {
  if (!netnsExists()) throw new UserError('the lab is not running', 'start it with `pglab machines`');
  if (!process.env.PGLAB_IN_NETNS) {
    throw new UserError('this command must run inside the lab network namespace', `run it through bin/pglab, or: nsenter --net=/run/netns/${labName()} …`);
  }
}

function runAttached(file: string, args: string[], env: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: 'inherit', env: { ...process.env, ...env } });
    const ignore = () => undefined;
    process.on('SIGINT', ignore);
    child.on('error', (err) => reject(new UserError(`cannot run ${file}: ${err.message}`, 'is it installed on the host? (make host-deps)')));
    child.on('exit', (code) => {
      process.off('SIGINT', ignore);
      resolve(code ?? 1);
    });
  });
}

export async function psqlCommand(t: Topology, replica: boolean, args: string[]): Promise<number> {
  requireLabNetns();
  return runAttached('psql', [labDsn(t, replica), ...args]);
}

/** Runs a host program inside the lab namespace with PGLAB_DSN set (e.g. pgbench). */
export async function runCommand(t: Topology, argv: string[]): Promise<number> {
  requireLabNetns();
  const [file, ...args] = argv;
  if (!file) throw new UserError('nothing to run', 'write the command after --, e.g. pglab run -- pgbench -c 4 -T 10 "$PGLAB_DSN"');
  return runAttached(file, args, { PGLAB_DSN: labDsn(t, false), PGLAB_DSN_REPLICA: labDsn(t, true) });
}
