// The page's buttons as pglab command lines: each action is the CLI verb itself, run by the server as a child process
// (the same code, the same lab lock, the same refusals), its output streamed to the page. Building the command line
// from a request is pure and checks every name against the topology and the fault catalogue.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { z } from 'zod';
import { FAULT_SPECS, FAULTS } from '../chaos/fault-catalog.js';
import { UserError } from '../common/errors.js';
import type { Topology } from '../lab/topology.js';
import type { ActionUpdate } from './wire.js';

export const actionRequestSchema = z.discriminatedUnion('verb', [
  z.object({ verb: z.literal('switchover'), to: z.string().optional() }).strict(),
  z.object({ verb: z.literal('failover'), to: z.string().optional(), force: z.boolean().optional() }).strict(),
  z.object({ verb: z.literal('pause') }).strict(),
  z.object({ verb: z.literal('resume') }).strict(),
  z.object({ verb: z.literal('restart'), node: z.string() }).strict(),
  z.object({
    verb: z.literal('chaos'),
    fault: z.string(),
    machine: z.string().optional(),
    /** Timed faults: how long, in whole seconds. */
    forSeconds: z.number().int().min(1).max(600).optional(),
    /** `cut`: the machines to cut the target from. */
    from: z.array(z.string()).optional(),
  }).strict(),
  z.object({ verb: z.literal('chaos-heal') }).strict(),
]);
export type ActionRequest = z.infer<typeof actionRequestSchema>;

function machineOf(t: Topology, name: string, what: string, roles?: readonly string[]): string {
  const m = t.machines.find((x) => x.name === name);
  if (!m) throw new UserError(`unknown machine "${name}"`, `machines: ${t.machines.map((x) => x.name).join(', ')}`);
  if (roles && !roles.includes(m.role)) throw new UserError(`${name} is a ${m.role} machine: ${what} needs a ${roles.join(' or ')} machine`);
  return m.name;
}

/** The pglab arguments for a request (what a person would type), or a UserError naming what was wrong. */
export function actionArgs(req: ActionRequest, t: Topology): string[] {
  const pg = (name: string, what: string) => machineOf(t, name, what, ['postgres']);
  switch (req.verb) {
    case 'switchover':
      return ['switchover', ...(req.to ? ['--to', pg(req.to, 'switchover --to')] : [])];
    case 'failover':
      return ['failover', ...(req.to ? ['--to', pg(req.to, 'failover --to')] : []), ...(req.force ? ['--force'] : [])];
    case 'pause':
      return ['pause', '--reason', 'paused from pglab ui'];
    case 'resume':
      return ['resume'];
    case 'restart':
      return ['restart', pg(req.node, 'restart')];
    case 'chaos-heal':
      return ['chaos', 'heal', '--plain'];
    case 'chaos': {
      if (!(FAULTS as readonly string[]).includes(req.fault)) throw new UserError(`unknown fault "${req.fault}"`, `faults: ${FAULTS.join(', ')}`);
      const spec = FAULT_SPECS[req.fault as (typeof FAULTS)[number]];
      const args = ['chaos', req.fault, ...(req.machine ? [machineOf(t, req.machine, `chaos ${req.fault}`)] : [])];
      if (req.fault === 'cut') {
        if (!req.from?.length) throw new UserError('cut needs the machines to cut the target from');
        args.push('--from', req.from.map((m) => machineOf(t, m, 'cut --from')).join(','));
      }
      // Timed faults last --for on a mongo member too (pause, isolate: tasks/chaos-mongo.ts).
      if (req.forSeconds !== undefined && spec.timed) args.push('--for', `${req.forSeconds}s`);
      return [...args, '--plain'];
    }
    default:
      req satisfies never;
      throw new UserError('unknown action');
  }
}


/** The pglab of this checkout (dist/bin/entry.js), with the node running us. */
export const PGLAB_ENTRY = join(import.meta.dirname, '..', 'bin', 'entry.js');

/** Runs one action at a time as a pglab child process; every update goes to `onUpdate` (and is kept for late pages). */
export class ActionRunner {
  private child: ChildProcess | null = null;
  private nextId = 1;
  /** The current or last action's updates, for a page that connects while it runs. */
  history: ActionUpdate[] = [];

  constructor(private readonly onUpdate: (u: ActionUpdate) => void, private readonly entry = PGLAB_ENTRY) {}

  get busy(): boolean {
    return this.child !== null;
  }

  /** Starts `pglab ARGS…`; refuses while another action runs (the lab lock would only make it wait). */
  start(args: readonly string[]): number {
    if (this.child) throw new UserError('an action is still running', 'wait for it to end, or cancel it');
    const id = this.nextId++;
    this.history = [];
    const child = spawn(process.execPath, ['--enable-source-maps', this.entry, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' } });
    this.child = child;
    this.emit({ id, kind: 'start', command: `pglab ${args.join(' ')}`, at: new Date().toISOString() });
    for (const [stream, pipe] of [['out', child.stdout], ['err', child.stderr]] as const) {
      let rest = '';
      pipe.setEncoding('utf8').on('data', (chunk: string) => {
        const lines = (rest + chunk).split('\n');
        rest = lines.pop() ?? '';
        for (const text of lines) this.emit({ id, kind: 'line', stream, text });
      });
      pipe.on('end', () => rest && this.emit({ id, kind: 'line', stream, text: rest }));
    }
    child.on('error', (err) => this.emit({ id, kind: 'line', stream: 'err', text: `could not start pglab: ${err.message}` }));
    child.on('close', (code, signal) => {
      this.child = null;
      this.emit({ id, kind: 'end', code, signal, at: new Date().toISOString() });
    });
    return id;
  }

  /** As Ctrl-C at a terminal: the command stops after its running steps clean up. */
  cancel(): boolean {
    return this.child?.kill('SIGINT') ?? false;
  }

  /** Waits for a running action to end (after cancel()), at most `ms`. */
  async settle(ms: number): Promise<void> {
    const child = this.child;
    if (!child) return;
    await Promise.race([new Promise((r) => child.once('close', r)), new Promise((r) => setTimeout(r, ms))]);
  }

  private emit(u: ActionUpdate): void {
    this.history.push(u);
    if (this.history.length > 2000) this.history.splice(1, this.history.length - 2000);
    this.onUpdate(u);
  }
}
