// The replica set after the mongo machines boot: rs0 initiated once, the users made, the members reconfigured to the
// topology. The host cannot reach the machines from its own namespace, and the first user can only be made over a
// member's loopback, so the work runs in a child process inside a mongo machine's network namespace.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { run } from '../../host-command.js';
import { machineProcess } from '../../machine.js';
import { adminUser, appUser } from './credentials.js';
import { MONGO_PORT } from './replica-set.js';
import { readMongoSecrets } from '../../secrets.js';
import { machinesOf, type Topology } from '../../topology.js';
import type { SetupReply, SetupRequest } from './setup-child.js';

/** The child's file: the compiled .js next to this one, or the .ts source when running under tsx (tests). */
function childScript(): string {
  const js = fileURLToPath(new URL('./setup-child.js', import.meta.url));
  return existsSync(js) ? js : fileURLToPath(new URL('./setup-child.ts', import.meta.url));
}

async function runIn(machine: string, request: SetupRequest, signal?: AbortSignal): Promise<SetupReply> {
  const pid = machineProcess(machine)?.leaderPid;
  if (!pid) throw new Error(`${machine} is not running`);
  const r = await run('nsenter', [`--net=/proc/${pid}/ns/net`, '--', process.execPath, ...process.execArgv, childScript()], {
    input: JSON.stringify(request),
    timeoutMs: request.timeoutMs + 15_000,
    where: `${machine}'s network namespace`,
    ...(signal ? { signal } : {}),
  });
  return JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as SetupReply;
}

/** Idempotent: a second run finds the set initiated, the users there and the members matching; `did` is then empty. */
export async function ensureReplicaSet(t: Topology, signal?: AbortSignal): Promise<{ did: string[]; primary: string; version: string | null }> {
  const members = machinesOf(t, 'mongo');
  const first = members[0];
  if (!first) return { did: [], primary: '', version: null };
  const secrets = readMongoSecrets();
  const request = (self: string): SetupRequest => ({ topology: t, self, admin: adminUser(secrets), app: appUser(secrets), timeoutMs: 90_000 });
  let reply = await runIn(first.name, request(`${first.ip}:${MONGO_PORT}`), signal);
  if (reply.kind === 'run-on') {
    const earlier = reply.did;
    const on = members.find((m) => `${m.ip}:${MONGO_PORT}` === reply.primary);
    if (!on) throw new Error(`the PRIMARY ${reply.primary} is not a machine of the topology`);
    reply = await runIn(on.name, request(reply.primary), signal);
    reply = { ...reply, did: [...earlier, ...reply.did] };
  }
  return { did: reply.did, primary: members.find((m) => `${m.ip}:${MONGO_PORT}` === reply.primary)?.name ?? reply.primary, version: reply.kind === 'done' ? reply.version : null };
}
