// End to end, issue 25: `pglab ui` on a real lab, watched by headless Chromium: the machines with one primary, a
// switchover seen within 2 s, the write-rate chart during `pglab chaos kill`, an action button doing what the verb does.
import { execa, type ResultPromise } from 'execa';
import { copyFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../support/browser.js';
import { leftovers, NO_MONGO_TOPOLOGY, pglab, TEST_LAB } from '../../support/pglab-cli.js';

const BIN = join(import.meta.dirname, '..', '..', '..', 'bin', 'pglab');
const PORT = 7431;
const URL = `http://127.0.0.1:${PORT}/`;

interface ChartData {
  title: string;
  active: boolean;
  series: string[];
  bins: { t: number; per100: Record<string, number> }[];
  marks: { t: number; kind: string; label: string }[];
}

async function cliPrimary(): Promise<string> {
  const r = await pglab(['status', '--json']);
  expect(r.code, r.out).toBe(0);
  const rows = (JSON.parse(r.stdout) as { machines: { machine: string; postgres?: { role: string } }[] }).machines;
  const primaries = rows.filter((m) => m.postgres?.role === 'primary').map((m) => m.machine);
  expect(primaries).toHaveLength(1);
  return primaries[0] as string;
}

/** The page's primary: the one pg card whose HA role is primary (there must be exactly one). */
async function pagePrimaries(page: Page): Promise<string[]> {
  return page.locator('[data-machine][data-ha-role="primary"]').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.machine ?? ''));
}

const chartOf = (page: Page) => page.evaluate(() => (window as unknown as { pglabUi: { chart: () => ChartData } }).pglabUi.chart());

function getStatus(path: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port: PORT, path, headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject).end();
  });
}

describe('pglab ui in a browser (real lab)', () => {
  let ui: ResultPromise | undefined;
  let uiOut = '';
  let browser: Browser | undefined;
  let page: Page;

  beforeAll(async () => {
    await pglab(['destroy']);
    const r = await pglab(['machines', '--topology', NO_MONGO_TOPOLOGY]);
    expect(r.code, r.out).toBe(0);
    ui = execa(BIN, ['ui', '--port', String(PORT)], { env: { ...TEST_LAB, CI: '1' }, reject: false, all: true });
    ui.all?.on('data', (d: Buffer) => (uiOut += d.toString()));
    const deadline = Date.now() + 30_000;
    while (!uiOut.includes(URL) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 100));
    expect(uiOut).toContain(`pglab ui: ${URL}`);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    await page.goto(URL);
  });

  afterAll(async () => {
    await browser?.close();
    if (ui) {
      ui.kill('SIGINT');
      const r = await ui;
      expect(r.exitCode, uiOut).toBe(0);
    }
    await pglab(['resume']);
    const d = await pglab(['destroy']);
    expect(d.code, d.out).toBe(0);
    expect(leftovers()).toEqual([]);
  });

  it('shows pg0–pg2 with one primary, the one pglab status names', async () => {
    for (const m of ['pg0', 'pg1', 'pg2', 'etcd0', 'haproxy0']) await page.locator(`[data-machine="${m}"][data-state="running"]`).waitFor({ timeout: 10_000 });
    const primary = await cliPrimary();
    await page.waitForFunction((p) => document.querySelectorAll(`[data-machine="${p}"][data-ha-role="primary"]`).length === 1, primary, { timeout: 5000 });
    expect(await pagePrimaries(page)).toEqual([primary]);
    expect(await page.locator('[data-machine][data-ha-role="replica"]').count()).toBe(2);
    // haproxy routes its primary port to that node alone; etcd has a leader.
    expect(await page.locator(`[data-proxy="primary"] [data-server="${primary}"]`).textContent()).toMatch(/^UP/);
    expect(await page.locator('[data-etcd] .badge', { hasText: 'leader' }).count()).toBe(1);
    expect(await page.getByTestId('events').textContent()).toMatch(/bootstrap/);
  });

  it('shows the new primary within 2 s of pglab switchover returning', async () => {
    const before = await cliPrimary();
    const to = ['pg0', 'pg1', 'pg2'].find((n) => n !== before) as string;
    const r = await pglab(['switchover', '--to', to]);
    expect(r.code, r.out).toBe(0);
    const returned = Date.now();
    await page.waitForFunction((p) => document.querySelectorAll(`[data-machine="${p}"][data-ha-role="primary"]`).length === 1, to, { timeout: 2000 });
    console.log(`ui: ${to} shown as primary ${Date.now() - returned} ms after pglab switchover returned`);
    expect(await pagePrimaries(page)).toEqual([to]);
    await page.waitForFunction(() => [...document.querySelectorAll('#events [data-kind="switchover"]')].length > 0, null, { timeout: 2000 });
  });

  it('draws the writes dropping at pglab chaos kill and coming back on another server', async () => {
    const before = await cliPrimary();
    const run = pglab(['chaos', 'kill', '--json', '--writers', '4']);
    // While the run lasts, the page follows it: the chart fills, the fault is marked, the writes stop after it and
    // come back on another server. That moment is the screenshot.
    await page.waitForFunction((primary) => {
      const c = (window as unknown as { pglabUi: { chart: () => ChartData } }).pglabUi.chart();
      const fault = c.marks.find((m) => m.kind === 'fault')?.t;
      if (!c.active || fault === undefined) return false;
      const after = c.bins.filter((b) => b.t >= fault);
      const drop = after.findIndex((b) => Object.values(b.per100).every((n) => n === 0));
      return drop >= 0 && after.slice(drop).filter((b) => Object.entries(b.per100).some(([server, n]) => server !== primary && n > 0)).length >= 10;
    }, before, { timeout: 60_000, polling: 200 });
    const shot = join(TEST_LAB.PGLAB_HOME, 'ui-under-fault.png');
    await page.screenshot({ path: shot, fullPage: true });
    if (process.env.PGLAB_UI_SCREENSHOT) copyFileSync(shot, process.env.PGLAB_UI_SCREENSHOT);
    const r = await run;
    expect(r.code, r.out).toBe(0);
    const c = await chartOf(page);
    expect(c.title).toMatch(new RegExp(`kill ${before}`));
    const fault = c.marks.find((m) => m.kind === 'fault')?.t as number;
    const total = (b: ChartData['bins'][number]) => Object.values(b.per100).reduce((x, y) => x + y, 0);
    const beforeFault = c.bins.filter((b) => b.t < fault);
    const afterFault = c.bins.filter((b) => b.t >= fault);
    expect(beforeFault.some((b) => (b.per100[before] ?? 0) > 0)).toBe(true);
    const drop = afterFault.findIndex((b) => total(b) === 0);
    expect(drop, 'no empty bin after the fault').toBeGreaterThanOrEqual(0);
    const recovered = afterFault.slice(drop).find((b) => Object.entries(b.per100).some(([server, n]) => server !== before && n > 0));
    expect(recovered, 'no writes on another server after the drop').toBeDefined();
    // The page's primary is that other server too.
    const now = await cliPrimary();
    expect(now).not.toBe(before);
    await page.waitForFunction((p) => document.querySelectorAll(`[data-machine="${p}"][data-ha-role="primary"]`).length === 1, now, { timeout: 5000 });
    expect(await page.getByTestId('events').textContent()).toMatch(/failover/);
  });

  it('runs a switchover from its button after a confirmation, as pglab switchover does', async () => {
    const before = await cliPrimary();
    const to = ['pg0', 'pg1', 'pg2'].find((n) => n !== before) as string;
    await page.locator(`[data-machine="${to}"][data-ha-role="replica"]`).waitFor({ timeout: 60_000 }); // rejoined after the kill
    await page.getByTestId(`switchover-${to}`).click();
    await page.getByTestId('confirm').waitFor();
    expect(await page.locator('#confirm-command').textContent()).toBe(`pglab switchover --to ${to}`);
    await page.getByTestId('confirm-run').click();
    await page.waitForFunction(() => document.getElementById('action-output')?.dataset.state === 'done', null, { timeout: 60_000 });
    const output = (await page.getByTestId('action-output').textContent()) ?? '';
    expect(await page.getByTestId('action-output').getAttribute('data-exit-code'), output).toBe('0');
    expect(output).toMatch(new RegExp(`switchover.*${to}`));
    expect(await cliPrimary()).toBe(to);
  });

  it('keeps other hosts and foreign pages out', async () => {
    expect(await getStatus('/', `127.0.0.1:${PORT}`)).toBe(200);
    expect(await getStatus('/', `attacker.example:${PORT}`)).toBe(403);
    const post = await fetch(`${URL}api/actions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ verb: 'pause' }) });
    expect(post.status).toBe(403); // no x-pglab-ui header: what a cross-site form would send
  });
});
