// Worker-thread entry: runs copyTable jobs posted by CopyWorkerPool, so each table's parsing gets its own CPU thread.
import { parentPort } from 'node:worker_threads';
import { UserError } from '../common/errors.js';
import { BadLineLog } from './bad-lines.js';
import { copyTable } from './copy-table.js';
import type { WorkerReply, WorkerRequest } from './copy-worker-protocol.js';

const port = parentPort;
if (!port) throw new Error('copy-worker.ts must run in a worker thread');

port.on('message', (req: WorkerRequest) => {
  const post = (reply: WorkerReply): void => port.postMessage(reply);
  // The loader holds the real limit across all tables; this one only stops a runaway file early.
  const badLines = new BadLineLog(req.maxBadLines, (bad) => post({ type: 'bad', id: req.id, bad }));
  copyTable(req.job, badLines, (rows, bytes) => post({ type: 'progress', id: req.id, rows, bytes })).then(
    (result) => post({ type: 'done', id: req.id, result }),
    (err: unknown) =>
      post({
        type: 'error',
        id: req.id,
        message: err instanceof Error ? err.message : String(err),
        // The SQLSTATE or socket code: the caller tells a lost connection from a failed COPY by it.
        ...(typeof (err as { code?: unknown })?.code === 'string' ? { code: (err as { code: string }).code } : {}),
        ...(err instanceof UserError ? { userError: true, hint: err.hint } : {}),
      }),
  );
});
