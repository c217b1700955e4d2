// The lab bridge inside the lab namespace; machines attach to it with veths made by nspawn.
import { run } from './host-command.js';
import { labName } from './state-dir.js';

export async function bridgeExists(bridge: string, ns = labName()): Promise<boolean> {
  const r = await run('ip', ['-n', ns, '-br', 'link', 'show', 'dev', bridge], { allowFailure: true });
  return r.exitCode === 0;
}

/** Creates the bridge with the gateway address and brings it up. Returns false when nothing changed. */
export async function ensureBridge(bridge: string, gatewayCidr: string, ns = labName()): Promise<boolean> {
  let changed = false;
  if (!(await bridgeExists(bridge, ns))) {
    await run('ip', ['-n', ns, 'link', 'add', bridge, 'type', 'bridge']);
    changed = true;
  }
  const addrs = await run('ip', ['-n', ns, '-br', 'addr', 'show', 'dev', bridge]);
  if (!addrs.stdout.includes(gatewayCidr)) {
    await run('ip', ['-n', ns, 'addr', 'add', gatewayCidr, 'dev', bridge]);
    changed = true;
  }
  if (!addrs.stdout.includes(' UP ')) {
    await run('ip', ['-n', ns, 'link', 'set', bridge, 'up']);
    changed = true;
  }
  return changed;
}
