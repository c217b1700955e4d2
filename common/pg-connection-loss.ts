// Telling a lost connection (the server went away: restart, fence, failover) from a failed statement.

/** Node's socket errors that mean the peer is gone or unreachable. */
const SOCKET_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * True when `err` says the connection ended, not that a statement failed: SQLSTATE class 08 (pgbouncer's "server
 * conn crashed?" is 08P01), 57P01–57P03 (the server shutting down or starting), a socket error, or pg's own
 * "Connection terminated" (the server closed the socket without an error message).
 */
export function isConnectionLoss(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const code = String((err as { code?: unknown }).code ?? '');
  const message = String((err as { message?: unknown }).message ?? '');
  if (/^08[0-9A-Z]{3}$/.test(code) || /^57P0[123]$/.test(code)) return true;
  if (SOCKET_CODES.has(code)) return true;
  return /^Connection terminated/.test(message);
}
