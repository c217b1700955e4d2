// Reads haproxy's view of its backends from the admin socket inside the haproxy machine.
import { execIn } from './machine.js';

export type BackendStates = Record<string, Record<string, string>>;

/** Parses `show stat` CSV into proxy → server → status (UP, DOWN, …). */
export function parseShowStat(csv: string): BackendStates {
  const lines = csv.split('\n').filter((l) => l && !l.startsWith('#'));
  const out: BackendStates = {};
  for (const line of lines) {
    const f = line.split(',');
    const [proxy, server] = f;
    const status = f[17];
    if (!proxy || !server || server === 'FRONTEND' || server === 'BACKEND' || status === undefined) continue;
    (out[proxy] ??= {})[server] = status;
  }
  return out;
}

export async function haproxyBackends(machine: string): Promise<BackendStates> {
  const r = await execIn(machine, ['sh', '-c', 'echo "show stat" | nc -U -w 2 /run/haproxy/admin.sock'], { timeoutMs: 5000 });
  return parseShowStat(r.stdout);
}
