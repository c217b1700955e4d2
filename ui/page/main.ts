// The page: one server-sent event stream feeds the machine cards, haproxy, etcd, the events, the live chart and the
// action output. window.pglabUi holds what the page shows, for tests and the browser console.
import type { ActionUpdate, UiHello, UiLive, UiSnapshot } from '../wire.js';
import { Actions } from './actions.js';
import { LiveChart } from './chart.js';
import { byId, clock } from './format.js';
import { renderSnapshot } from './render.js';

const chart = new LiveChart(byId('chart'));
const actions = new Actions();
const state = { snapshot: null as UiSnapshot | null, hello: null as UiHello | null, connected: false, received: 0, chart: () => chart.data() };
(window as unknown as { pglabUi: typeof state }).pglabUi = state;

function freshness(): void {
  const s = state.snapshot;
  byId('freshness').textContent = `${state.connected ? 'live' : 'reconnecting…'}${s ? ` · read ${clock(s.at)}` : ''}`;
}

const events = new EventSource('/events');
events.addEventListener('open', () => {
  state.connected = true;
  freshness();
});
events.addEventListener('error', () => {
  state.connected = false;
  freshness();
});
events.addEventListener('hello', (e) => {
  state.hello = JSON.parse((e as MessageEvent<string>).data) as UiHello;
  actions.setHello(state.hello);
});
events.addEventListener('snapshot', (e) => {
  const s = JSON.parse((e as MessageEvent<string>).data) as UiSnapshot;
  state.snapshot = s;
  state.received++;
  renderSnapshot(s, (m) => actions.machineButtons(m));
  actions.setSnapshot(s);
  chart.setHaEvents(s.events);
  chart.draw();
  freshness();
});
events.addEventListener('live', (e) => {
  const l = JSON.parse((e as MessageEvent<string>).data) as UiLive;
  if (l.restarted) chart.reset();
  chart.active = l.active;
  chart.add(l.events);
  if (state.snapshot) chart.setHaEvents(state.snapshot.events);
  chart.draw();
});
events.addEventListener('action', (e) => actions.update(JSON.parse((e as MessageEvent<string>).data) as ActionUpdate));
setInterval(freshness, 1000);
