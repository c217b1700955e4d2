// The mongo rows of `pglab status`: each running member's replica set state, from its own `hello` (no credentials
// needed, so status works before the users exist). Status runs in the lab's namespace, where the members are reachable.
import { installedServer } from './install.js';
import { helloAll } from './probe.js';
import { serverName } from './server.js';
import { memberState, MONGO_PORT } from './replica-set.js';
import { machinesOf, type Topology } from '../../topology.js';

export async function addMongoStates(t: Topology, rows: { machine: string; state: string; mongo?: { state: string } }[]): Promise<void> {
  const running = machinesOf(t, 'mongo').filter((m) => rows.find((r) => r.machine === m.name)?.state === 'running');
  if (running.length === 0) return;
  const replies = await helloAll(running.map((m) => `${m.ip}:${MONGO_PORT}`), 1000);
  for (const m of running) {
    const row = rows.find((r) => r.machine === m.name);
    if (row) row.mongo = { state: memberState(replies.get(`${m.ip}:${MONGO_PORT}`) ?? null) };
  }
}

/** The server the mongo machines run, as status names it; undefined on a lab without mongo machines. */
export function mongoServerOf(t: Topology): string | undefined {
  if (machinesOf(t, 'mongo').length === 0) return undefined;
  const server = installedServer();
  return server ? serverName(server) : 'not unpacked yet (pglab machines does it)';
}
