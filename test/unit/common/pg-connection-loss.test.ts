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
  });

  it('does not count a failed statement, a local file error or a cancel', () => {
    expect(isConnectionLoss(pgError('23505', 'duplicate key value'))).toBe(false);
    expect(isConnectionLoss(pgError('57014', 'canceling statement due to user request'))).toBe(false);
    expect(isConnectionLoss(pgError('ENOENT', 'no such file'))).toBe(false);
    expect(isConnectionLoss(new Error('something else'))).toBe(false);
    expect(isConnectionLoss(undefined)).toBe(false);
  });
});
