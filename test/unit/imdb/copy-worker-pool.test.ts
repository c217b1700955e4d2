// When the loader may use worker threads, and that a worker really runs a copy job's code path (here: its failure).
import { describe, expect, it } from 'vitest';
import { UserError } from '../../../common/errors.js';
import { CopyWorkerPool, workersAvailable } from '../../../imdb-data/copy-worker-pool.js';

describe('workersAvailable', () => {
  it('accepts plain connection settings and refuses ones that cannot be posted to a thread', () => {
    expect(workersAvailable({ host: '127.0.0.1', port: 5432, user: 'u', password: 'p' })).toBe(true);
    expect(workersAvailable({ host: '127.0.0.1', password: () => 'p' })).toBe(false);
  });
});

describe('CopyWorkerPool', () => {
  it('runs a job in a worker and brings its user error back with message and hint', async () => {
    const pool = new CopyWorkerPool(1);
    try {
      // Nothing listens on port 1: the worker fails to connect, which exercises the whole round trip.
      const job = { file: 'title.ratings.tsv.gz', path: '/nonexistent', schema: 's', connection: { host: '127.0.0.1', port: 1, user: 'x', password: 'y' } };
      const err = await pool.run(job, 10, { onProgress: () => undefined, onBad: () => undefined }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UserError);
      expect((err as UserError).message).toMatch(/^cannot connect to PostgreSQL at 127\.0\.0\.1:1: /);
      expect((err as UserError).hint).toContain('pglab status');
    } finally {
      await pool.destroy();
    }
  });
});
