import { describe, expect, it } from 'vitest';
import { healthStatus, type HealthPath, type HealthState } from '../../../daemon/health-rules.js';
import { member, primaryMember } from './fixtures.js';

const paths: HealthPath[] = ['/primary', '/replica', '/read-only', '/health', '/liveness', '/readiness'];
const codes = (s: HealthState, lag: number | null = null) => Object.fromEntries(paths.map((p) => [p, healthStatus(p, s, lag)]));
const base: HealthState = { self: 'pg0', member: primaryMember('pg0'), desiredPrimary: 'pg0', leaseValid: true, cycleAgeMs: 100, livenessLimitMs: 10_000 };

describe('healthStatus', () => {
  it('answers 200 on /primary only for the desired primary that runs as primary with a valid lease', () => {
    expect(codes(base)).toEqual({ '/primary': 200, '/replica': 503, '/read-only': 200, '/health': 200, '/liveness': 200, '/readiness': 200 });
    expect(healthStatus('/primary', { ...base, leaseValid: false }, null)).toBe(503);
    expect(healthStatus('/primary', { ...base, desiredPrimary: 'pg1' }, null)).toBe(503);
  });

  it('answers a replica\'s codes, with the lag bound', () => {
    const s = { ...base, self: 'pg1', member: member('pg1', { lagBytes: 2048 }) };
    expect(codes(s)).toEqual({ '/primary': 503, '/replica': 200, '/read-only': 200, '/health': 200, '/liveness': 200, '/readiness': 200 });
    expect(healthStatus('/replica', s, 4096)).toBe(200);
    expect(healthStatus('/replica', s, 1024)).toBe(503);
    expect(healthStatus('/replica', { ...s, member: member('pg1', { lagBytes: null }) }, 1024)).toBe(503);
  });

  it('answers 503 everywhere but /liveness when postgres is down, and fails /liveness when cycles stall', () => {
    const down = { ...base, member: member('pg0', { pgUp: false, role: 'stopped' }) };
    expect(codes(down)).toEqual({ '/primary': 503, '/replica': 503, '/read-only': 503, '/health': 503, '/liveness': 200, '/readiness': 503 });
    expect(healthStatus('/liveness', { ...base, cycleAgeMs: 20_000 }, null)).toBe(503);
    expect(healthStatus('/health', { ...base, member: null }, null)).toBe(503);
  });
});
