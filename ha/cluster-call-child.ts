// One cluster-client call made inside the lab's network namespace for a pglab process outside it
// (ha/lab-cluster-client.ts): reads {address, call} on stdin, writes progress and the result as JSON lines.
import { OperationFailed, UserError } from '../common/errors.js';
import type { ClusterClient } from './cluster-client.js';
import { directClient, type ChildLine, type ClusterAddress, type ClusterCall } from './lab-cluster-client.js';

function send(line: ChildLine): void {
  process.stdout.write(JSON.stringify(line) + '\n');
}

async function perform(c: ClusterClient, call: ClusterCall): Promise<unknown> {
  const progress = (l: string) => send({ progress: l });
  switch (call.op) {
    case 'state':
      return c.state({ history: call.history });
    case 'init':
      return c.init(call.req);
    case 'roleChange':
      return c.roleChange(call.kind, call.to, call.force, progress);
    case 'setPaused':
      return c.setPaused(call.paused, call.reason);
    case 'nodeRequest':
      return c.nodeRequest(call.kind, call.node, call.waitMs, progress);
    case 'config':
      return c.config();
    case 'configSet':
      return c.configSet(call.assignments);
    default:
      call satisfies never;
      throw new Error(`unknown call ${JSON.stringify(call)}`);
  }
}

let input = '';
process.stdin.setEncoding('utf8').on('data', (chunk: string) => (input += chunk));
process.stdin.on('end', async () => {
  const { address, call } = JSON.parse(input) as { address: ClusterAddress; call: ClusterCall };
  const client = directClient(address);
  try {
    send({ result: (await perform(client, call)) ?? null });
  } catch (err) {
    const e = err as Error & { hint?: string };
    const kind = err instanceof OperationFailed ? 'failed' : err instanceof UserError ? 'user' : 'other';
    send({ error: { message: e.message ?? String(err), ...(e.hint ? { hint: e.hint } : {}), kind } });
  } finally {
    await client.close();
  }
});
