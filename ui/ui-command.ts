// `pglab ui`: opens the listening socket in the host's network namespace (where the browser is), then starts the
// server inside the lab's namespace (where the lab's addresses are) and hands it the socket over IPC; prints the URL
// and waits. Loopback needs no token; any other address gets one (docs/ui.md).
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { UserError } from '../common/errors.js';
import { netnsExists, netnsPath } from '../lab/netns-path.js';
import { labName, paths } from '../lab/state-dir.js';
import type { Topology } from '../lab/topology.js';
import { allowedHosts, isLoopback, newToken } from './access.js';
import type { ChildConfig } from './server-child.js';

export interface UiOptions {
  port: number;
  host: string;
  /** For a non-loopback address: the token to require (default: $PGLAB_UI_TOKEN, else a new random one, printed in the URL). */
  token?: string;
}

export const DEFAULT_UI_PORT = 7400;

export function parsePort(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new UserError(`--port must be a TCP port, 1–65535 (got "${v}")`);
  return n;
}

/**
 * The token a server on `host` requires: none on loopback (a --token there is a mistake; $PGLAB_UI_TOKEN is not
 * used), elsewhere the flag's, else the variable's (at least 16 characters), else a new one.
 */
export function tokenFor(host: string, flag: string | undefined, env: string | undefined = undefined): string | null {
  if (isLoopback(host)) {
    if (flag !== undefined) throw new UserError('--token is for a server on another address than loopback', 'leave it out, or bind elsewhere with --host');
    return null;
  }
  const given = flag ?? (env || undefined);
  if (given !== undefined && given.length < 16) throw new UserError(`the token must be at least 16 characters (${flag !== undefined ? '--token' : '$PGLAB_UI_TOKEN'})`);
  return given ?? newToken();
}

/** The address to print: a wildcard bind is reached through loopback from this host. */
export function urlOf(host: string, port: number, token: string | null): string {
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return `http://${shown}:${port}/${token ? `?token=${encodeURIComponent(token)}` : ''}`;
}

function listen(host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') reject(new UserError(`${host}:${port} is in use`, 'stop what uses it, or choose another port with --port'));
      else if (err.code === 'EADDRNOTAVAIL') reject(new UserError(`${host} is not an address of this host`, 'use --host 127.0.0.1 (the default) or one of this host\'s addresses'));
      else reject(err);
    });
    server.listen({ host, port }, () => resolve(server));
  });
}

/** Runs the UI until Ctrl-C (or the server process ends); resolves to the exit code. */
export async function uiCommand(t: Topology, opts: UiOptions): Promise<number> {
  if (!netnsExists()) throw new UserError(`no lab runs here (no network namespace ${labName()})`, 'bring it up first: pglab machines');
  const token = tokenFor(opts.host, opts.token, process.env.PGLAB_UI_TOKEN);
  const socket = await listen(opts.host, opts.port);
  // With a token the Host header needs no check (a rebinding page has no token); on loopback it is the guard.
  const hosts = token ? null : [...allowedHosts(opts.host, opts.port)];
  const config: ChildConfig = { topology: t, lab: labName(), hosts, token, liveFile: paths.liveRun() };
  const child = spawn('nsenter', [`--net=${netnsPath()}`, '--', process.execPath, ...process.execArgv, join(import.meta.dirname, 'server-child.js')], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<number>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal === 'SIGINT' ? 130 : 1))));
  child.on('message', (m: { ready?: boolean }) => {
    if (!m.ready) return;
    socket.close(); // the server process has its own copy of the socket now
    console.log(`pglab ui: ${urlOf(opts.host, opts.port, token)}  (lab ${labName()}; Ctrl-C stops it)`);
    if (token) console.log('pglab ui: anyone who can reach this address and has the URL can act on the lab; the token stays valid until pglab ui stops');
  });
  child.once('spawn', () => child.send(config, socket));
  // A terminal's Ctrl-C reaches the server too (same process group); without a terminal nobody else tells it.
  const forward = (sig: NodeJS.Signals) => () => child.kill(sig);
  process.on('SIGINT', process.stdin.isTTY ? () => undefined : forward('SIGINT'));
  process.on('SIGTERM', forward('SIGTERM'));
  process.on('SIGHUP', forward('SIGTERM'));
  return exited;
}
