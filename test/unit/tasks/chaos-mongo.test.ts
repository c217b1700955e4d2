// chaos on a mongo machine: which runs take the replica set path, what it refuses, and the report of the election.
import { describe, expect, it } from 'vitest';
import { parseTopology } from '../../../lab/topology-file.js';
import { DEFAULT_TOPOLOGY } from '../../../lab/topology.js';
import { formatMongoChaos, isMongoChaos, mongoChaosSteps } from '../../../tasks/chaos-mongo.js';

const T = parseTopology('machines:\n  mongo: 3\n', 'pglab.yaml');

describe('chaos on a mongo machine', () => {
  it('is the replica set path for a mongo machine, or for a mongo name on a lab without any (which is then refused)', () => {
    expect(isMongoChaos(T, 'mongo1')).toBe(true);
    expect(isMongoChaos(T, 'pg0')).toBe(false);
    expect(isMongoChaos(T, undefined)).toBe(false);
    expect(isMongoChaos(DEFAULT_TOPOLOGY, 'mongo0')).toBe(true);
    expect(() => mongoChaosSteps(DEFAULT_TOPOLOGY, 'kill', 'mongo0', 1, [])).toThrow('this lab has no mongo machines');
  });

  it('kills only: the PostgreSQL faults do not apply to a replica set member', () => {
    expect(() => mongoChaosSteps(T, 'partition', 'mongo0', 1, [])).toThrow('partition is a PostgreSQL fault; a mongo machine can only be killed');
    expect(() => mongoChaosSteps(T, 'kill', 'mongo7', 1, [])).toThrow('there is no machine named "mongo7"');
  });

  it('reports each run and the election times', () => {
    const text = formatMongoChaos([
      { target: 'mongo0', targetWas: 'PRIMARY', primaryBefore: 'mongo0', primaryAfter: 'mongo2', electionMs: 11_230, rejoinMs: 4_100 },
      { target: 'mongo2', targetWas: 'SECONDARY', primaryBefore: 'mongo0', primaryAfter: 'mongo0', electionMs: null, rejoinMs: 3_900 },
    ]);
    expect(text.split('\n')).toEqual([
      'run 1: mongo0 (PRIMARY) killed; election 11.23 s: PRIMARY mongo0 → mongo2; back as a member after 4.1 s',
      'run 2: mongo2 (SECONDARY) killed; no election, PRIMARY mongo0; back as a member after 3.9 s',
      'election over 1 run(s): min 11.23 s, median 11.23 s, max 11.23 s (polling hello every 50 ms)',
    ]);
  });
});
