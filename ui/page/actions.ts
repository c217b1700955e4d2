// The page's actions: buttons for the HA verbs and the chaos catalogue. Each asks the server which command it would
// run, shows it in a confirmation dialog, then has the server run it; the command's output streams into the page.
import type { ActionUpdate, UiHello, UiMachine, UiSnapshot } from '../wire.js';
import { byId, h } from './format.js';

type Request = Record<string, unknown> & { verb: string };

async function post(path: string, body: unknown): Promise<{ ok: boolean; json: { error?: string; command?: string; id?: number } }> {
  const res = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json', 'x-pglab-ui': '1' }, body: JSON.stringify(body) });
  return { ok: res.ok, json: (await res.json().catch(() => ({ error: `HTTP ${res.status}` }))) as { error?: string; command?: string } };
}

export class Actions {
  private running = false;
  private hello: UiHello | null = null;
  private snapshot: UiSnapshot | null = null;

  constructor() {
    byId('action-output').textContent = 'Actions run the pglab command shown in their confirmation, under the lab lock like any pglab command; its output appears here.';
  }

  /** The confirmation, then the run. Resolves when the server started it (or it was cancelled or refused). */
  async run(req: Request, note = ''): Promise<void> {
    const preview = await post('/api/actions/preview', req);
    if (!preview.ok) return this.say(preview.json.error ?? 'refused', true);
    const dialog = byId<HTMLDialogElement>('confirm');
    byId('confirm-command').textContent = preview.json.command ?? '';
    byId('confirm-note').textContent = note;
    dialog.returnValue = '';
    dialog.showModal();
    const answer = await new Promise<string>((resolve) => dialog.addEventListener('close', () => resolve(dialog.returnValue), { once: true }));
    if (answer !== 'run') return;
    const r = await post('/api/actions', req);
    if (!r.ok) this.say(r.json.error ?? 'refused', true);
  }

  private say(text: string, error = false): void {
    byId('action-output').append(h('span', { class: error ? 'err' : '' }, text + '\n'));
  }

  /** Output and state of the running action. */
  update(u: ActionUpdate): void {
    const out = byId('action-output');
    switch (u.kind) {
      case 'start':
        this.running = true;
        out.replaceChildren();
        byId('action-title').textContent = `Output of ${u.command}`;
        out.dataset.state = 'running';
        out.dataset.command = u.command;
        break;
      case 'line':
        out.append(h('span', { class: u.stream === 'err' ? 'err' : '' }, u.text + '\n'));
        out.scrollTop = out.scrollHeight;
        break;
      case 'end':
        this.running = false;
        out.dataset.state = 'done';
        out.dataset.exitCode = String(u.code ?? '');
        this.say(`— exit ${u.code ?? u.signal ?? '?'}`, u.code !== 0);
        break;
    }
    this.refreshControls();
  }

  setHello(hello: UiHello): void {
    this.hello = hello;
    this.renderChaos();
  }

  setSnapshot(s: UiSnapshot): void {
    const redraw = !this.snapshot || !!this.snapshot.paused !== !!s.paused;
    this.snapshot = s;
    if (redraw) this.renderCluster();
  }

  private refreshControls(): void {
    for (const b of document.querySelectorAll<HTMLButtonElement>('button[data-action]')) b.disabled = this.running;
    const cancel = document.getElementById('cancel-action');
    if (cancel) cancel.hidden = !this.running;
  }

  private button(label: string, testId: string, req: Request, note = '', danger = false): HTMLButtonElement {
    const b = h('button', { 'data-action': testId, 'data-testid': testId, class: danger ? 'danger' : undefined }, label) as HTMLButtonElement;
    b.disabled = this.running;
    b.addEventListener('click', () => void this.run(req, note));
    return b;
  }

  private renderCluster(): void {
    const paused = !!this.snapshot?.paused;
    const cancel = h('button', { id: 'cancel-action', 'data-testid': 'cancel-action', class: 'danger' }, 'Stop the running action (Ctrl-C)') as HTMLButtonElement;
    cancel.hidden = !this.running;
    cancel.addEventListener('click', () => void post('/api/actions/cancel', {}));
    byId('actions').replaceChildren(
      this.button('Switchover', 'switchover', { verb: 'switchover' }, 'Planned: the best replica becomes primary; no acknowledged write is lost.'),
      this.button('Failover (force)', 'failover', { verb: 'failover', force: true }, 'Unplanned promotion of the best candidate, although the primary may be healthy (--force).', true),
      paused ? this.button('Resume', 'resume', { verb: 'resume' }, 'End maintenance mode.') : this.button('Pause', 'pause', { verb: 'pause' }, 'Maintenance mode: no automatic failover, start, stop or rejoin (fencing stays on).'),
      this.button('Heal chaos leftovers', 'chaos-heal', { verb: 'chaos-heal' }, 'Undo whatever an interrupted chaos run left behind.'),
      cancel,
    );
  }

  /** The buttons on a machine's card. */
  machineButtons(m: UiMachine): HTMLElement[] {
    if (m.state !== 'running') return [];
    const out: HTMLElement[] = [];
    if (m.postgres) {
      if (m.postgres.haRole === 'replica') out.push(this.button('switchover here', `switchover-${m.name}`, { verb: 'switchover', to: m.name }, `Planned: ${m.name} becomes primary.`));
      out.push(this.button('restart', `restart-${m.name}`, { verb: 'restart', node: m.name }, `Restart ${m.name}'s PostgreSQL through its daemon (a primary's restart is no failover).`));
      out.push(this.button('kill', `kill-${m.name}`, { verb: 'chaos', fault: 'kill', machine: m.name }, `pglab chaos kill: checked writers through haproxy, then SIGKILL of ${m.name}'s PID 1; then it heals and judges.`, true));
    }
    if (m.mongo) out.push(this.button('kill', `kill-${m.name}`, { verb: 'chaos', fault: 'kill', machine: m.name }, `Kill ${m.name} while checked writers write to the replica set (w: majority and w: 1).`, true));
    return out;
  }

  private renderChaos(): void {
    const hello = this.hello;
    if (!hello) return;
    const fault = h('select', { 'data-testid': 'chaos-fault' }, ...hello.faults.map((f) => h('option', { value: f.name, title: f.help }, f.name))) as HTMLSelectElement;
    const machine = h('select', { 'data-testid': 'chaos-machine' }, h('option', { value: '' }, '(its default target)'), ...hello.machines.map((m) => h('option', { value: m.name }, `${m.name} (${m.role})`))) as HTMLSelectElement;
    const seconds = h('input', { type: 'number', min: '1', max: '600', value: '10', 'data-testid': 'chaos-for', title: 'how long a timed fault lasts (--for)' }) as HTMLInputElement;
    const from = h('input', { type: 'text', placeholder: 'cut --from: etcd0,etcd1', 'data-testid': 'chaos-from' }) as HTMLInputElement;
    const help = h('p', { class: 'muted', 'data-testid': 'chaos-help' });
    const showHelp = () => {
      const f = hello.faults.find((x) => x.name === fault.value);
      help.textContent = f ? `${f.name}: ${f.help}. Default target: ${f.target}.` : '';
      seconds.disabled = !f?.timed;
      from.hidden = fault.value !== 'cut';
    };
    fault.addEventListener('change', showHelp);
    showHelp();
    const run = h('button', { 'data-action': 'chaos', 'data-testid': 'chaos-run', class: 'danger' }, 'Break it') as HTMLButtonElement;
    run.addEventListener('click', () => {
      const f = hello.faults.find((x) => x.name === fault.value);
      const req: Request = { verb: 'chaos', fault: fault.value };
      if (machine.value) req.machine = machine.value;
      if (f?.timed) req.forSeconds = Math.max(1, Math.round(Number(seconds.value) || 10));
      if (fault.value === 'cut') req.from = from.value.split(',').map((x) => x.trim()).filter(Boolean);
      void this.run(req, f ? `${f.help}. The run writes through haproxy, breaks, heals and judges; the chart shows it live.` : '');
    });
    byId('chaos').replaceChildren(fault, machine, seconds, from, run, help);
  }
}
