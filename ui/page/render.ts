// Draws a snapshot: the header line, one card per machine, haproxy's backends, etcd's members, the HA events.
import type { UiEtcdMember, UiHaproxy, UiMachine, UiSnapshot } from '../wire.js';
import { byId, bytes, clock, h, millis } from './format.js';

/** Buttons a machine card offers, supplied by the actions module. */
export type MachineButtons = (m: UiMachine, s: UiSnapshot) => HTMLElement[];

export function renderSnapshot(s: UiSnapshot, buttons: MachineButtons): void {
  byId('lab').textContent = `lab ${s.lab} · HA manager ${s.manager}`;
  const c = s.cluster;
  const line = byId('cluster-line');
  line.replaceChildren(
    c ? h('span', {}, 'primary ', h('b', { 'data-testid': 'primary' }, c.primary ?? '-'), ` · leader ${c.leader ?? '-'} · generation ${c.generation ?? '-'} · ${c.synchronous ? 'synchronous' : 'asynchronous'}`) : h('span', {}, 'no HA cluster state'),
    s.paused ? h('span', { class: 'badge paused', 'data-testid': 'paused' }, `paused since ${clock(s.paused.since)} by ${s.paused.by}${s.paused.reason ? `: ${s.paused.reason}` : ''}`) : '',
    ...(c?.problems.length ? [h('span', { class: 'badge warn' }, c.problems.join('; '))] : []),
    ...(s.errors.length ? [h('span', { class: 'errors' }, s.errors.join('; '))] : []),
  );
  line.dataset.at = s.at;
  line.title = `read in ${s.readMs} ms`;
  const grid = byId('machines');
  const old = new Map([...grid.querySelectorAll<HTMLElement>('[data-machine]')].map((el) => [el.dataset.machine ?? '', el] as const));
  grid.replaceChildren(...s.machines.map((m) => keepButtons(old.get(m.name), machineCard(m, s, buttons))));
  byId('haproxy').replaceChildren(...s.haproxy.map(haproxyTable), ...(s.haproxy.length ? [] : [h('p', { class: 'muted' }, 'no haproxy running')]));
  byId('etcd').replaceChildren(etcdList(s.etcd));
  const events = byId('events');
  events.replaceChildren(
    ...[...s.events].reverse().map((e) => h('li', { class: `k-${e.kind}`, 'data-kind': e.kind, title: e.source }, h('span', { class: 'muted' }, clock(e.at)), ' ', h('span', { class: 'kind' }, e.kind), ' ', e.text)),
  );
}

/**
 * The new card, with the old card's buttons when they are the same ones: a card is redrawn several times a second
 * while the lab changes, and a button replaced between mouse down and up loses the click.
 */
function keepButtons(old: HTMLElement | undefined, card: HTMLElement): HTMLElement {
  const before = old?.querySelector('.buttons');
  const after = card.querySelector('.buttons');
  const signature = (el: Element | null | undefined) => [...(el?.querySelectorAll('button') ?? [])].map((b) => `${b.dataset.action}:${b.disabled}`).join(',');
  if (before && after && signature(before) === signature(after)) after.replaceWith(before);
  return card;
}

function machineCard(m: UiMachine, s: UiSnapshot, buttons: MachineButtons): HTMLElement {
  const pg = m.postgres;
  const rows: [string, string | Node][] = [['address', m.ip]];
  if (pg) {
    rows.push(
      ['HA role', h('span', {}, h('span', { class: `badge ${pg.haRole}`, 'data-testid': 'ha-role' }, pg.haRole), pg.want && pg.want !== pg.haRole ? ` (want ${pg.want})` : '', pg.leader ? ' ★ leader' : '')],
      ['timeline', String(pg.timeline ?? '-')],
      ['LSN', pg.lsn],
    );
    if (pg.haRole === 'replica') {
      rows.push(['lag', `${bytes(pg.lagBytes)} · ${millis(pg.lagMs, pg.lagAtLeast)}`], ['streaming', pg.streaming ? `yes, from ${pg.upstream ?? '?'}` : 'no'], ['sync', pg.sync ?? '-']);
    }
    if (pg.pendingRestart.length) rows.push(['pending restart', pg.pendingRestart.join(', ')]);
    if (pg.restarting) rows.push(['restarting', 'yes']);
  }
  if (m.mongo) rows.push(['replica set', h('span', { class: `badge ${m.mongo.state === 'PRIMARY' ? 'primary' : m.mongo.state === 'SECONDARY' ? 'replica' : 'warn'}`, 'data-testid': 'mongo-state' }, m.mongo.state)]);
  const services = Object.entries(m.services);
  if (services.length) rows.push(['services', h('span', {}, ...services.flatMap(([k, v]) => [h('span', { class: `badge ${v === 'active' ? 'ok' : 'bad'}` }, `${k}`), ' ']))]);
  const cls = ['machine', m.state, pg?.haRole === 'primary' ? 'ha-primary' : ''].join(' ');
  return h(
    'div',
    { class: cls, 'data-machine': m.name, 'data-state': m.state, 'data-ha-role': pg?.haRole },
    h('div', { class: 'title' }, h('span', { class: 'name' }, m.name), h('span', {}, h('span', { class: 'muted' }, m.role), ' ', h('span', { class: `badge ${m.state === 'running' ? 'ok' : 'bad'}`, 'data-testid': 'state' }, m.state))),
    h('dl', {}, ...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
    pg ? h('div', { class: 'message', title: 'what its HA daemon says it is doing' }, pg.message) : null,
    h('div', { class: 'buttons' }, ...buttons(m, s)),
  );
}

function haproxyTable(hp: UiHaproxy): HTMLElement {
  const proxies = Object.entries(hp.backends).filter(([p]) => p !== 'stats');
  const servers = [...new Set(proxies.flatMap(([, s]) => Object.keys(s)))].sort();
  return h(
    'div',
    { 'data-haproxy': hp.machine },
    hp.error ? h('p', { class: 'errors' }, `${hp.machine}: ${hp.error}`) : null,
    h('table', {}, h('tr', {}, h('th', {}, hp.machine), ...servers.map((s) => h('th', {}, s))), ...proxies.map(([p, st]) => h('tr', { 'data-proxy': p }, h('th', {}, p), ...servers.map((s) => h('td', { 'data-server': s }, h('span', { class: `badge ${(st[s] ?? '').split(' ')[0]}` }, st[s] ?? '-')))))),
  );
}

function etcdList(members: UiEtcdMember[]): HTMLElement {
  if (!members.length) return h('p', { class: 'muted' }, 'no etcd machines');
  return h('table', {}, h('tr', {}, h('th', {}, 'member'), h('th', {}, 'state'), h('th', {}, 'raft term')), ...members.map((m) => h('tr', { 'data-etcd': m.machine }, h('td', {}, m.machine), h('td', {}, h('span', { class: `badge ${m.up ? (m.leader ? 'primary' : 'ok') : 'bad'}` }, m.up ? (m.leader ? 'leader' : 'follower') : `down${m.error ? ` (${m.error})` : ''}`)), h('td', {}, String(m.raftTerm ?? '-')))));
}
