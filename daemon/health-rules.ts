// Pure answers of the health endpoints (Patroni's semantics) from the state the loops last recorded.
import type { MemberState } from '../common/cluster-keys.js';

export interface HealthState {
  self: string;
  member: MemberState | null;
  desiredPrimary: string | null;
  leaseValid: boolean;
  /** Milliseconds since the last completed cycle. */
  cycleAgeMs: number;
  /** A cycle older than this means the daemon is stuck. */
  livenessLimitMs: number;
}

export const healthPaths = ['/primary', '/master', '/leader', '/replica', '/read-only', '/health', '/liveness', '/readiness'] as const;
export type HealthPath = (typeof healthPaths)[number];

/** HTTP status for a health path; `lagLimit` is the ?lag= bound in bytes for /replica. */
export function healthStatus(path: HealthPath, s: HealthState, lagLimit: number | null): number {
  const m = s.member;
  const up = !!m && m.pgUp;
  const isPrimary = up && m.role === 'primary' && s.desiredPrimary === s.self && s.leaseValid;
  const isReplica = up && m.role === 'replica' && (lagLimit === null || (m.lagBytes !== null && m.lagBytes <= lagLimit));
  const ok = (b: boolean) => (b ? 200 : 503);
  switch (path) {
    case '/primary':
    case '/master':
    case '/leader':
      return ok(isPrimary);
    case '/replica':
      return ok(isReplica);
    case '/read-only':
      return ok(isPrimary || isReplica);
    case '/health':
      return ok(up);
    case '/liveness':
      return ok(s.cycleAgeMs <= s.livenessLimitMs);
    case '/readiness':
      return ok(isPrimary || (up && m.role === 'replica'));
  }
}
