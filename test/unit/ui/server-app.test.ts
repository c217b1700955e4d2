// The UI server's routes, asked without a network (Hono's app.request): the page, the guards, the action preview.
import { describe, expect, it } from 'vitest';
import { DEFAULT_TOPOLOGY } from '../../../lab/topology.js';
import { allowedHosts } from '../../../ui/access.js';
import { ActionRunner } from '../../../ui/actions.js';
import { uiApp, UiHub } from '../../../ui/server-app.js';

function app(token: string | null = null) {
  const hub = new UiHub();
  return uiApp({
    topology: DEFAULT_TOPOLOGY,
    lab: 'pglab',
    hub,
    latest: () => null,
    live: () => ({ view: { run: null, events: [], ended: false }, active: false }),
    watch: () => () => undefined,
    actions: new ActionRunner(() => undefined, '/nonexistent/entry.js'),
    hosts: token ? null : allowedHosts('127.0.0.1', 7400),
    token,
  });
}

const HOST = { host: '127.0.0.1:7400' };
const post = (body: unknown, headers: Record<string, string> = { 'x-pglab-ui': '1' }) => ({ method: 'POST', headers: { ...HOST, 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

describe('uiApp', () => {
  it('serves the page and uPlot, and nothing it does not list', async () => {
    const page = await app().request('/', { headers: HOST });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toMatch(/<title>pglab ui<\/title>/);
    expect((await app().request('/vendor/uPlot.iife.min.js', { headers: HOST })).status).toBe(200);
    expect((await app().request('/../package.json', { headers: HOST })).status).toBe(404);
    expect((await app().request('/js/../../secrets.js', { headers: HOST })).status).toBe(404);
  });

  it('refuses a foreign Host, and a change without the page header', async () => {
    expect((await app().request('/', { headers: { host: 'rebound.example:7400' } })).status).toBe(403);
    expect((await app().request('/api/actions', post({ verb: 'pause' }, {}))).status).toBe(403);
    expect((await app().request('/api/actions', post({ verb: 'pause' }, { 'x-pglab-ui': '1', origin: 'http://evil.example' }))).status).toBe(403);
  });

  it('previews the exact command of an action, or says what is wrong', async () => {
    const ok = await app().request('/api/actions/preview', post({ verb: 'chaos', fault: 'isolate', machine: 'pg1', forSeconds: 5 }));
    expect(await ok.json()).toEqual({ command: 'pglab chaos isolate pg1 --for 5s --plain' });
    const bad = await app().request('/api/actions/preview', post({ verb: 'restart', node: 'pg7' }));
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/unknown machine "pg7"/);
    const junk = await app().request('/api/actions/preview', post({ verb: 'destroy' }));
    expect(junk.status).toBe(400);
  });

  it('off loopback: the token from the URL becomes an HttpOnly cookie, and nothing is served without it', async () => {
    const a = app('a-token-for-this-test');
    expect((await a.request('/', { headers: { host: 'lab.example:7400' } })).status).toBe(401);
    const opened = await a.request('/?token=a-token-for-this-test', { headers: { host: 'lab.example:7400' } });
    expect(opened.status).toBe(303);
    expect(opened.headers.get('set-cookie')).toMatch(/^pglab_ui_token=a-token-for-this-test; HttpOnly; SameSite=Strict/);
    expect((await a.request('/', { headers: { host: 'lab.example:7400', cookie: 'pglab_ui_token=a-token-for-this-test' } })).status).toBe(200);
    expect((await a.request('/?token=wrong-token-for-this-test', { headers: { host: 'lab.example:7400' } })).status).toBe(401);
  });
});
