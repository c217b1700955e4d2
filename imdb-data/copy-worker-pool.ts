// A few worker threads that run copyTable jobs: one table at a time per worker, killed all at once on failure or abort.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { UserError } from '../common/errors.js';
import type { BadLine } from './bad-lines.js';
import type { CopiedTable, CopyJob } from './copy-table.js';
import type { WorkerReply, WorkerRequest } from './copy-worker-protocol.js';

export interface JobHandlers {
  onProgress: (rows: number, bytes: number) => void;
  /** May throw (too many bad lines): the job then fails. */
  onBad: (bad: BadLine) => void;
}

/**
 * Compiled JavaScript runs copy-worker.js directly. From TypeScript sources (tests, tsx) the worker registers tsx
 * first; that path resolves `tsx` from the working directory, which is the repository in development.
 */
const WORKER_JS = new URL('./copy-worker.js', import.meta.url);

/**
 * Whether jobs can run in workers: the worker file must be beside this one (not so if the caller was bundled into
 * one file) and the connection settings must survive structured cloning (not so with e.g. a password function).
 */
export function workersAvailable(connection: unknown): boolean {
  if (!import.meta.url.endsWith('.ts') && !existsSync(fileURLToPath(WORKER_JS))) return false;
  try {
    structuredClone(connection);
    return true;
  } catch {
    return false;
  }
}

function spawn(): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(WORKER_JS);
  const entry = new URL('./copy-worker.ts', import.meta.url).href;
  return new Worker(`import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`, { eval: true });
}

interface Slot {
  worker: Worker;
  busy: boolean;
}

export class CopyWorkerPool {
  private readonly slots: Slot[] = [];
  private nextId = 1;

  constructor(private readonly size: number) {}

  private slot(): Slot {
    const idle = this.slots.find((s) => !s.busy);
    if (idle) return idle;
    if (this.slots.length >= this.size) throw new Error('internal: more copy jobs than workers');
    const slot = { worker: spawn(), busy: false };
    slot.worker.unref(); // an idle worker must not keep the process alive
    this.slots.push(slot);
    return slot;
  }

  run(job: CopyJob, maxBadLines: number, handlers: JobHandlers): Promise<CopiedTable> {
    const slot = this.slot();
    slot.busy = true;
    const id = this.nextId++;
    return new Promise<CopiedTable>((resolve, reject) => {
      const finish = (): void => {
        slot.worker.off('message', onMessage);
        slot.worker.off('error', onError);
        slot.worker.off('exit', onExit);
        slot.busy = false;
      };
      const onMessage = (reply: WorkerReply): void => {
        if (reply.id !== id) return;
        try {
          if (reply.type === 'progress') handlers.onProgress(reply.rows, reply.bytes);
          else if (reply.type === 'bad') handlers.onBad(reply.bad);
          else if (reply.type === 'done') {
            finish();
            resolve(reply.result);
          } else {
            finish();
            reject(reply.userError ? new UserError(reply.message, reply.hint) : Object.assign(new Error(reply.message), reply.code ? { code: reply.code } : {}));
          }
        } catch (err) {
          finish();
          reject(err);
        }
      };
      const onError = (err: Error): void => {
        finish();
        reject(new Error(`copy worker for ${job.file} failed: ${err.message}`, { cause: err }));
      };
      const onExit = (code: number): void => {
        finish();
        reject(new Error(`copy worker for ${job.file} exited (code ${code})`));
      };
      slot.worker.on('message', onMessage);
      slot.worker.on('error', onError);
      slot.worker.on('exit', onExit);
      slot.worker.ref();
      slot.worker.postMessage({ id, job, maxBadLines } satisfies WorkerRequest);
    }).finally(() => slot.worker.unref());
  }

  /** Terminates every worker; their connections close, which rolls back any COPY still running. */
  async destroy(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.worker.terminate().catch(() => undefined)));
    this.slots.length = 0;
  }
}
