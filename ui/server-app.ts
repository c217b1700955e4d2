// The UI server's routes (Hono): the page and its scripts, one server-sent event stream with everything live
// (the lab's snapshot, the running chaos or bench, the action's output), the latest snapshot as JSON, and the actions.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Hono, type Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { FAULT_SPECS, FAULTS } from '../chaos/fault-catalog.js';
import { describeError, UserError } from '../common/errors.js';
import type { LiveRunView } from '../common/live-run.js';
import type { Topology } from '../lab/topology.js';
import { ACTION_HEADER, checkRequest, requestToken, TOKEN_COOKIE, tokenMatches } from './access.js';
import { actionArgs, actionRequestSchema, type ActionRunner } from './actions.js';
import type { UiHello, UiMessage, UiSnapshot } from './wire.js';

/** Fans messages out to every connected page. */
export class UiHub {
  private readonly pages = new Set<(m: UiMessage) => void>();
  subscribe(fn: (m: UiMessage) => void): () => void {
    this.pages.add(fn);
    return () => this.pages.delete(fn);
  }
  publish(m: UiMessage): void {
    for (const fn of this.pages) fn(m);
  }
  get size(): number {
    return this.pages.size;
  }
}

export interface UiState {
  topology: Topology;
  lab: string;
  hub: UiHub;
  latest: () => UiSnapshot | null;
  live: () => { view: LiveRunView; active: boolean };
  /** A page started watching: the poller runs while any does. */
  watch: () => () => void;
  actions: ActionRunner;
  /** The Host values that name this server (null: any, with a token), and the token (null on loopback). */
  hosts: ReadonlySet<string> | null;
  token: string | null;
}

/** The checkout: this file runs from dist/ui/ (or from ui/ under the tests). */
const ROOT = existsSync(join(import.meta.dirname, '..', 'package.json')) ? join(import.meta.dirname, '..') : join(import.meta.dirname, '..', '..');
/** The modules of ui/page/ (a test checks this list against the folder). */
export const PAGE_MODULES = ['main', 'render', 'chart', 'actions', 'format'] as const;
const require = createRequire(import.meta.url);

/** The files the page is made of: fixed names only, nothing else on disk is served. */
function pageFiles(): Map<string, { path: string; type: string }> {
  const js = 'text/javascript; charset=utf-8';
  const files = new Map<string, { path: string; type: string }>([
    ['/', { path: join(ROOT, 'ui', 'page', 'index.html'), type: 'text/html; charset=utf-8' }],
    ['/style.css', { path: join(ROOT, 'ui', 'page', 'style.css'), type: 'text/css; charset=utf-8' }],
    ['/vendor/uPlot.iife.min.js', { path: require.resolve('uplot/dist/uPlot.iife.min.js'), type: js }],
    ['/vendor/uPlot.min.css', { path: require.resolve('uplot/dist/uPlot.min.css'), type: 'text/css; charset=utf-8' }],
  ]);
  // The page's TypeScript, compiled by `npm run build` (ui/page/tsconfig.json) into dist/page/.
  for (const f of PAGE_MODULES) files.set(`/js/${f}.js`, { path: join(ROOT, 'dist', 'page', 'ui', 'page', `${f}.js`), type: js });
  return files;
}

export function helloOf(t: Topology, lab: string): UiHello {
  return {
    lab,
    machines: t.machines.map((m) => ({ name: m.name, role: m.role })),
    faults: FAULTS.map((f) => ({ name: f, help: FAULT_SPECS[f].help, target: FAULT_SPECS[f].target, timed: FAULT_SPECS[f].timed })),
  };
}

export function uiApp(s: UiState): Hono {
  const app = new Hono();
  const files = pageFiles();

  app.use('*', async (c, next) => {
    const queryToken = c.req.method === 'GET' && c.req.path === '/' ? (c.req.query('token') ?? null) : null;
    const verdict = checkRequest(
      { method: c.req.method, host: c.req.header('host') ?? null, origin: c.req.header('origin') ?? null, actionHeader: c.req.header(ACTION_HEADER) ?? null, token: queryToken ?? requestToken({ authorization: c.req.header('authorization') ?? null, cookie: c.req.header('cookie') ?? null }) },
      { hosts: s.hosts, token: s.token },
    );
    if (!verdict.ok) return c.text(verdict.reason + '\n', verdict.status);
    // Opened with ?token=: keep it in a cookie the page's scripts cannot read, and drop it from the address bar.
    if (queryToken !== null && s.token !== null && tokenMatches(queryToken, s.token)) {
      c.header('set-cookie', `${TOKEN_COOKIE}=${encodeURIComponent(queryToken)}; HttpOnly; SameSite=Strict; Path=/`);
      return c.redirect('/', 303);
    }
    c.header('cache-control', 'no-store');
    c.header('x-content-type-options', 'nosniff');
    c.header('content-security-policy', "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'");
    await next();
  });

  app.get('/events', (c) => events(c, s));
  app.get('/favicon.ico', (c) => c.body(null, 204));

  app.get('/api/snapshot', (c) => {
    const snap = s.latest();
    return snap ? c.json(snap) : c.json({ error: 'no snapshot yet: the server reads the lab while a page watches' }, 503);
  });

  // What an action would run, for the page's confirmation: the same check as the run, no side effect.
  app.post('/api/actions/preview', async (c) => {
    const r = await requestedArgs(c, s);
    return 'error' in r ? c.json({ error: r.error }, 400) : c.json({ command: `pglab ${r.args.join(' ')}` });
  });

  app.post('/api/actions', async (c) => {
    const r = await requestedArgs(c, s);
    if ('error' in r) return c.json({ error: r.error }, 400);
    try {
      const args = r.args;
      const id = s.actions.start(args);
      return c.json({ id, command: `pglab ${args.join(' ')}` }, 202);
    } catch (err) {
      return c.json({ error: describeError(err) }, err instanceof UserError ? (s.actions.busy ? 409 : 400) : 500);
    }
  });

  app.post('/api/actions/cancel', (c) => c.json({ cancelled: s.actions.cancel() }));

  app.get('*', (c) => {
    const f = files.get(c.req.path);
    if (!f) return c.text('not found\n', 404);
    try {
      return c.body(readFileSync(f.path), 200, { 'content-type': f.type });
    } catch {
      return c.text(`${c.req.path} is missing: run npm run build\n`, 500);
    }
  });
  return app;
}

/** The pglab arguments of the action in a request's body, or what is wrong with it. */
async function requestedArgs(c: Context, s: UiState): Promise<{ args: string[] } | { error: string }> {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    return { error: 'the body must be JSON' };
  }
  const parsed = actionRequestSchema.safeParse(body);
  if (!parsed.success) return { error: `not an action: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}` };
  try {
    return { args: actionArgs(parsed.data, s.topology) };
  } catch (err) {
    return { error: describeError(err) };
  }
}

/** The event stream of one page: what is known now, then every message as it comes; a comment every 15 s keeps it open. */
function events(c: Context, s: UiState): Response {
  return streamSSE(c, async (stream) => {
    const send = (m: UiMessage) => stream.writeSSE({ event: m.event, data: JSON.stringify(m.data) }).catch(() => undefined);
    // Registered first: a page that leaves while the first messages go out must still end its watch.
    const unwatch = s.watch();
    let unsubscribe = () => {};
    const closed = new Promise<void>((resolve) =>
      stream.onAbort(() => {
        unsubscribe();
        unwatch();
        resolve();
      }),
    );
    await send({ event: 'hello', data: helloOf(s.topology, s.lab) });
    const snap = s.latest();
    if (snap) await send({ event: 'snapshot', data: snap });
    const live = s.live();
    if (live.view.events.length) await send({ event: 'live', data: { restarted: true, events: live.view.events, active: live.active } });
    for (const u of s.actions.history) await send({ event: 'action', data: u });
    if (!stream.aborted) unsubscribe = s.hub.subscribe((m) => void send(m));
    while (!stream.aborted && !stream.closed) {
      await Promise.race([closed, stream.sleep(15_000)]);
      if (!stream.aborted) await stream.write(': keep-alive\n\n').catch(() => undefined);
    }
  });
}
