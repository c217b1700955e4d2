// The live chart (uPlot): acknowledged writes per 100 ms, one line per server, and their latency, on one time axis
// with the fault and heal marks of the run and the HA manager's role changes.
import type uPlotType from 'uplot';
import type { LiveEvent, UiEvent } from '../wire.js';
import { byId, colorOf } from './format.js';

declare global {
  interface Window {
    uPlot: typeof uPlotType;
  }
}

interface Bin {
  /** Seconds (uPlot's time unit). */
  t: number;
  /** Per series: count scaled to 100 ms. */
  per100: Record<string, number>;
  p50: number | null;
  max: number | null;
  failures: number;
}

interface Mark {
  t: number;
  kind: string;
  label: string;
}

/** 22:55:17 on whole seconds, 22:55:17.5 between them. */
function timeTick(seconds: number): string {
  const d = new Date(seconds * 1000);
  const hms = d.toLocaleTimeString(undefined, { hour12: false });
  const tenths = Math.round((seconds % 1) * 10) % 10;
  return tenths ? `${hms}.${tenths}` : hms;
}

const MARK_COLORS: Record<string, string> = { fault: '#c62828', heal: '#2e7d32', note: '#6a1b9a', failover: '#555', switchover: '#555' };

export class LiveChart {
  private bins: Bin[] = [];
  private marks: Mark[] = [];
  private haMarks: Mark[] = [];
  private series: string[] = [];
  private plot: uPlotType | null = null;
  private title = '';
  active = false;

  constructor(private readonly el: HTMLElement) {
    window.addEventListener('resize', () => this.plot?.setSize(this.size()));
  }

  /** A new run: forget the old one. */
  reset(): void {
    this.bins = [];
    this.marks = [];
    this.series = [];
    this.title = '';
    this.plot?.destroy();
    this.plot = null;
  }

  add(events: readonly LiveEvent[]): void {
    for (const e of events) {
      switch (e.type) {
        case 'run':
          this.title = `${e.kind}: ${e.title}`;
          break;
        case 'bin': {
          const per100: Record<string, number> = {};
          for (const [k, n] of Object.entries(e.acks)) per100[k] = (n * 100) / e.binMs;
          this.bins.push({ t: e.at / 1000, per100, p50: e.latencyMs?.p50 ?? null, max: e.latencyMs?.max ?? null, failures: e.failures });
          for (const k of Object.keys(e.acks)) if (!this.series.includes(k)) this.series = [...this.series, k].sort();
          break;
        }
        case 'mark':
          this.marks.push({ t: e.at / 1000, kind: e.kind, label: e.label });
          break;
        case 'end':
          this.marks.push({ t: e.at / 1000, kind: 'note', label: e.ok ? 'run ended' : 'run failed' });
          break;
      }
    }
  }

  /** Role changes from the HA manager's history that fall inside the run, as grey marks. */
  setHaEvents(events: readonly UiEvent[]): void {
    const first = this.bins[0]?.t;
    const last = this.bins.at(-1)?.t;
    if (first === undefined || last === undefined) return;
    this.haMarks = events
      .filter((e) => e.source === 'history' && (e.kind === 'failover' || e.kind === 'switchover'))
      .map((e) => ({ t: Date.parse(e.at) / 1000, kind: e.kind, label: `${e.kind} → ${e.node ?? '?'}` }))
      .filter((m) => m.t >= first - 1 && m.t <= last + 1);
  }

  /** What the chart holds, for a test or a curious console. */
  data(): { title: string; active: boolean; series: string[]; bins: { t: number; per100: Record<string, number>; p50: number | null }[]; marks: Mark[] } {
    return { title: this.title, active: this.active, series: this.series, bins: this.bins, marks: [...this.marks, ...this.haMarks] };
  }

  draw(): void {
    byId('live-title').textContent = this.title ? `· ${this.title}${this.active ? ' (running)' : ''}` : '';
    byId('live-legend').textContent = this.bins.length
      ? 'One line per server that acknowledged writes (left axis); latency of those writes, median and max per bin (right axis, dashed). Red: the fault; green: healed; grey: the HA manager\'s role changes.'
      : 'No chaos run or benchmark yet: start one here (Break it) or from a terminal (pglab chaos kill).';
    if (!this.bins.length) return;
    const data: (number | null)[][] = [
      this.bins.map((b) => b.t),
      ...this.series.map((s) => this.bins.map((b) => b.per100[s] ?? 0)),
      this.bins.map((b) => b.p50),
      this.bins.map((b) => b.max),
    ];
    const want = this.series.join(',');
    if (!this.plot || this.plot.series.length !== this.series.length + 3 || this.el.dataset.series !== want) {
      this.plot?.destroy();
      this.el.replaceChildren();
      this.el.dataset.series = want;
      this.plot = new window.uPlot(this.options(), data as uPlotType.AlignedData, this.el);
    } else {
      this.plot.setData(data as uPlotType.AlignedData);
    }
  }

  private size(): { width: number; height: number } {
    return { width: Math.max(300, this.el.clientWidth - 10), height: 260 };
  }

  private options(): uPlotType.Options {
    const marks = () => [...this.marks, ...this.haMarks];
    return {
      ...this.size(),
      scales: { x: { time: true }, n: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] }, ms: { range: (_u, _min, max) => [0, Math.max(10, (max ?? 0) * 1.1)] } },
      axes: [{ space: 90, values: (_u, splits) => splits.map(timeTick) }, { scale: 'n', label: 'writes / 100 ms' }, { scale: 'ms', side: 1, label: 'latency (ms)', grid: { show: false } }],
      series: [
        {},
        ...this.series.map((s) => ({ label: s, scale: 'n', stroke: colorOf(s, this.series), width: 2, points: { show: false } })),
        { label: 'latency p50', scale: 'ms', stroke: '#90a4ae', width: 1, dash: [5, 4], points: { show: false } },
        { label: 'latency max', scale: 'ms', stroke: '#cfd8dc', width: 1, dash: [2, 3], points: { show: false } },
      ],
      hooks: {
        draw: [
          (u: uPlotType) => {
            const ctx = u.ctx;
            ctx.save();
            ctx.font = `${11 * devicePixelRatio}px sans-serif`;
            for (const m of marks()) {
              const x = Math.round(u.valToPos(m.t, 'x', true));
              if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
              ctx.strokeStyle = ctx.fillStyle = MARK_COLORS[m.kind] ?? '#555';
              ctx.setLineDash([6, 4]);
              ctx.beginPath();
              ctx.moveTo(x, u.bbox.top);
              ctx.lineTo(x, u.bbox.top + u.bbox.height);
              ctx.stroke();
              ctx.fillText(m.label, x + 4, u.bbox.top + 12 * devicePixelRatio * (1 + (marks().indexOf(m) % 3)));
            }
            ctx.restore();
          },
        ],
      },
    };
  }
}
