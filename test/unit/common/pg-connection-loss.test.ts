import { describe, expect, it } from 'vitest';
import { isConnectionLoss } from '../../../common/pg-connection-loss.js';

const pgError = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('isConnectionLoss', () => {
  it('counts the server going away', () => {
    expect(isConnectionLoss(pgError('08P01', 'server conn crashed?'))).toBe(true); // pgbouncer, its postgres gone
    expect(isConnectionLoss(pgError('08006'))).toBe(true);
    expect(isConnectionLoss(pgError('57P01', 'terminating connection due to administrator command'))).toBe(true);
    expect(isConnectionLoss(pgError('57P03', 'the database system is starting up'))).toBe(true);
    expect(isConnectionLoss(pgError('ECONNRESET'))).toBe(true);
    expect(isConnectionLoss(pgError('ECONNREFUSED'))).toBe(true);
    expect(isConnectionLoss(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isConnectionLoss(new Error('Client has encountered a connection error and is not queryable'))).toBe(true);
  });

  it('looks through the errors a step wraps around the one pg threw', () => {
    const pgErr = new Error('Client has encountered a connection error and is not queryable');
    const wrapped = new Error('indexing imdb_load.title_principals failed (CREATE INDEX …): x', { cause: pgErr });
    expect(isConnectionLoss(wrapped)).toBe(true);
    expect(isConnectionLoss(new Error('indexing failed', { cause: pgError('42P07', 'relation exists') }))).toBe(false);
  });

  it('does not count a failed statement, a local file error or a cancel', () => {
    expect(isConnectionLoss(pgError('23505', 'duplicate key value'))).toBe(false);
    expect(isConnectionLoss(pgError('57014', 'canceling statement due to user request'))).toBe(false);
    expect(isConnectionLoss(pgError('ENOENT', 'no such file'))).toBe(false);
    expect(isConnectionLoss(new Error('something else'))).toBe(false);
    expect(isConnectionLoss(undefined)).toBe(false);
  });
});
