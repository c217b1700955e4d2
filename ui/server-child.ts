// The UI server's process, started by `pglab ui` inside the lab's network namespace (ui/ui-command.ts): it gets the
// listening socket (made in the host's namespace, so the host's browser reaches it) over IPC, reads the lab from in
// here like `pglab status` does, follows the live-run file and runs the page's actions.
import type { Server as HttpServer } from 'node:http';
import type { Server } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { clusterAddress, directClient } from '../ha/lab-cluster-client.js';
import type { Topology } from '../lab/topology.js';
import { ActionRunner } from './actions.js';
import { LabPoller } from './lab-poller.js';
import type { UiSnapshot } from './lab-snapshot.js';
import { LiveTail } from './live-tail.js';
import { uiApp, UiHub } from './server-app.js';

/** What the parent sends with the socket. */
export interface ChildConfig {
  topology: Topology;
  lab: string;
  /** The Host header values accepted; null: any (a token is required then). */
  hosts: string[] | null;
  token: string | null;
  liveFile: string;
}

/** Same content as the last one sent: not pushed again, except every few seconds so the page sees the server alive. */
const RESEND_UNCHANGED_MS = 2000;

function serve(config: ChildConfig, handle: Server): void {
  const hub = new UiHub();
  const client = directClient(clusterAddress(config.topology));
  let latest: UiSnapshot | null = null;
  let lastKey = '';
  let lastSent = 0;
  const poller = new LabPoller(config.topology, client, config.lab, (snap) => {
    latest = snap;
    const key = JSON.stringify({ ...snap, at: '', readMs: 0 });
    if (key === lastKey && Date.now() - lastSent < RESEND_UNCHANGED_MS) return;
    lastKey = key;
    lastSent = Date.now();
    hub.publish({ event: 'snapshot', data: snap });
  });
  const tail = new LiveTail(config.liveFile, (events, restarted) => hub.publish({ event: 'live', data: { restarted, events, active: tail.active() } }));
  tail.start();
  const actions = new ActionRunner((u) => hub.publish({ event: 'action', data: u }));
  const app = uiApp({
    topology: config.topology,
    lab: config.lab,
    hub,
    latest: () => latest,
    live: () => ({ view: tail.view, active: tail.active() }),
    watch: () => poller.watch(),
    actions,
    hosts: config.hosts ? new Set(config.hosts) : null,
    token: config.token,
  });
  const server = createAdaptorServer({ fetch: app.fetch }) as HttpServer;
  server.listen(handle, () => process.send?.({ ready: true }));

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    tail.stop();
    if (actions.busy) {
      console.error('pglab ui: stopping the running action (as Ctrl-C would)');
      actions.cancel();
      await actions.settle(60_000);
    }
    server.close();
    server.closeAllConnections();
    await poller.stop();
    await client.close();
    if (process.env.PGLAB_UI_STATS) console.error(`pglab ui: ${poller.stats.ticks} readings, ${(poller.stats.busyMs / Math.max(1, poller.stats.ticks)).toFixed(1)} ms each`);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  // The parent is gone (killed): nobody can stop us with a signal any more.
  process.on('disconnect', () => void stop());
}

process.once('message', (config: ChildConfig, handle: unknown) => {
  if (!handle) {
    console.error('pglab ui: the server process got no listening socket');
    process.exit(1);
  }
  serve(config, handle as Server);
});
