// Reads haproxy's view of its backends: its stats page from inside the lab's network, else its admin socket.
import { insideNetns } from './netns.js';
import { execIn } from './machine.js';
import { HAPROXY_STATS_PORT } from './roles/haproxy.js';
import type { Machine } from './topology.js';

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

/**
 * Inside the lab's network the stats page answers in a millisecond; entering the machine to ask the admin socket
 * costs a process start (~100 ms, more under load), which was most of a switchover's wait for haproxy.
 */
export async function haproxyBackends(m: Pick<Machine, 'name' | 'ip'>): Promise<BackendStates> {
  if (insideNetns()) {
    try {
      const res = await fetch(`http://${m.ip}:${HAPROXY_STATS_PORT}/;csv`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return parseShowStat(await res.text());
    } catch {
      // the admin socket below
    }
  }
  const r = await execIn(m.name, ['sh', '-c', 'echo "show stat" | nc -U -w 2 /run/haproxy/admin.sock'], { timeoutMs: 5000 });
  return parseShowStat(r.stdout);
}
