// Telling a lost connection (the server went away: restart, fence, failover) from a failed statement.

/** Node's socket errors that mean the peer is gone or unreachable. */
const SOCKET_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

/** What pg says when the socket closed under a query, or when a query is sent on a client whose connection failed. */
const LOST_MESSAGES = /^(Connection terminated|Client has encountered a connection error and is not queryable|Client was closed and is not queryable)/;

/**
 * True when `err` (or an error it wraps as `cause`) says the connection ended, not that a statement failed: SQLSTATE
 * class 08 (pgbouncer's "server conn crashed?" is 08P01), 57P01–57P03 (the server shutting down or starting), a
 * socket error, or pg's own messages for a closed or broken client.
 */
export function isConnectionLoss(err: unknown): boolean {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = String((e as { code?: unknown }).code ?? '');
    const message = String((e as { message?: unknown }).message ?? '');
    if (/^08[0-9A-Z]{3}$/.test(code) || /^57P0[123]$/.test(code)) return true;
    if (SOCKET_CODES.has(code)) return true;
    if (LOST_MESSAGES.test(message)) return true;
  }
  return false;
}
