// Messages between the loader and its copy worker threads.
import type { BadLine } from './bad-lines.js';
import type { CopiedTable, CopyJob } from './copy-table.js';

export interface WorkerRequest {
  id: number;
  job: CopyJob;
  maxBadLines: number;
}

export type WorkerReply =
  | { type: 'progress'; id: number; rows: number; bytes: number }
  | { type: 'bad'; id: number; bad: BadLine }
  | { type: 'done'; id: number; result: CopiedTable }
  | { type: 'error'; id: number; message: string; code?: string; userError?: boolean; hint?: string | undefined };
