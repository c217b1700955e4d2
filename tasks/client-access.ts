// `pglab dsn`, `pglab psql`, `pglab run`: clients of the cluster through haproxy,
// credentials filled in. psql and `run` stay on the host and start their program
// inside the lab namespace; passwords go through the environment, never argv.
import { spawn } from 'node:child_process';
import { UserError } from '../common/errors.js';
import { HAPROXY_PRIMARY_PORT, HAPROXY_REPLICA_PORT } from '../lab/roles/haproxy.js';
import { APP_DATABASE, APP_USER, readSecrets } from '../lab/secrets.js';
import { labName } from '../lab/state-dir.js';
import { machinesOf, type Topology } from '../lab/topology.js';
import { inLabNetns, insideNetns, netnsExists } from '../lab/netns.js';

interface Endpoint {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

function endpoint(t: Topology, replica: boolean): Endpoint {
  const h = machinesOf(t, 'haproxy')[0];
  if (!h) throw new UserError('the topology has no haproxy machine, so there is no single address for the cluster');
  return { host: h.ip, port: replica ? HAPROXY_REPLICA_PORT : HAPROXY_PRIMARY_PORT, user: APP_USER, password: readSecrets().appPassword, database: APP_DATABASE };
}

function url(e: Endpoint, withPassword: boolean): string {
  const auth = withPassword ? `${e.user}:${encodeURIComponent(e.password)}` : e.user;
  return `postgresql://${auth}@${e.host}:${e.port}/${e.database}`;
}

export function labDsn(t: Topology, replica: boolean): string {
  return url(endpoint(t, replica), true);
}

/** pg's ClientConfig for Node code (imdb load, bench, chaos writer). */
export function labClientConfig(t: Topology, replica = false) {
  return { connectionString: labDsn(t, replica), connectionTimeoutMillis: 5000 };
}

/** The libpq variables for the primary port, plus PGLAB_DSN and PGLAB_DSN_REPLICA. */
export function labClientEnv(t: Topology): Record<string, string> {
  const e = endpoint(t, false);
  return {
    PGHOST: e.host,
    PGPORT: String(e.port),
    PGUSER: e.user,
    PGPASSWORD: e.password,
    PGDATABASE: e.database,
    PGLAB_DSN: labDsn(t, false),
    PGLAB_DSN_REPLICA: labDsn(t, true),
  };
}

/** A program to start inside the lab namespace: argv for the host, and what to add to its environment. */
export interface LabInvocation {
  file: string;
  args: string[];
  env: Record<string, string>;
}

/** psql through haproxy: the address on its command line, the password only in PGPASSWORD. */
export function psqlInvocation(t: Topology, replica: boolean, args: readonly string[]): LabInvocation {
  const e = endpoint(t, replica);
  const [file, nsArgs] = inLabNetns('psql', [url(e, false), ...args]);
  return { file, args: nsArgs, env: { PGPASSWORD: e.password } };
}

/** Any host program with the libpq variables and PGLAB_DSN set, e.g. `pgbench -i -s 1`. */
export function runInvocation(t: Topology, argv: readonly string[]): LabInvocation {
  const [program, ...args] = argv;
  if (!program) throw new UserError('nothing to run', 'write the command after --, e.g. pglab run -- pgbench -c 4 -T 10');
  const [file, nsArgs] = inLabNetns(program, args);
  return { file, args: nsArgs, env: labClientEnv(t) };
}

/** For code that opens connections to the lab from this process (imdb load, bench, chaos writers). */
export function requireLabNetns(): void {
  if (!netnsExists()) throw new UserError('the lab is not running', 'start it with `pglab machines`');
  if (!insideNetns()) {
    throw new UserError('this command must run inside the lab network namespace', `pglab enters it by itself for the commands that need it; from elsewhere: nsenter --net=/run/netns/${labName()} …`);
  }
}

function runAttached(inv: LabInvocation, shown: string): Promise<number> {
  if (!netnsExists()) return Promise.reject(new UserError('the lab is not running', 'start it with `pglab machines`'));
  return new Promise((resolve, reject) => {
    const child = spawn(inv.file, inv.args, { stdio: 'inherit', env: { ...process.env, ...inv.env } });
    const ignore = () => undefined;
    process.on('SIGINT', ignore);
    child.on('error', (err) => reject(new UserError(`cannot run ${shown}: ${err.message}`, 'is it installed on the host? (make host-deps)')));
    child.on('exit', (code) => {
      process.off('SIGINT', ignore);
      resolve(code ?? 1);
    });
  });
}

export async function psqlCommand(t: Topology, replica: boolean, args: string[]): Promise<number> {
  return runAttached(psqlInvocation(t, replica, args), 'psql');
}

/** Runs a host program inside the lab namespace with the connection variables set (e.g. pgbench). */
export async function runCommand(t: Topology, argv: string[]): Promise<number> {
  return runAttached(runInvocation(t, argv), argv[0] ?? '');
}
