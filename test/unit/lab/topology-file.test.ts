import { describe, expect, it } from 'vitest';
import { UserError } from '../../../common/errors.js';
import { parseTopology } from '../../../lab/topology-file.js';
import { DEFAULT_TOPOLOGY } from '../../../lab/topology.js';

function problemsOf(text: string): string {
  try {
    parseTopology(text, 'pglab.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return (err as Error).message;
  }
  throw new Error('expected the topology to be rejected');
}

describe('topology file', () => {
  it('an empty file gives the default lab: pg0–2, etcd0–2, haproxy0, mongo0–2', () => {
    const t = parseTopology('', 'pglab.yaml');
    expect(t).toEqual(DEFAULT_TOPOLOGY);
    expect(t.machines.map((m) => `${m.name}=${m.ip}`)).toEqual([
      'pg0=10.42.0.10', 'pg1=10.42.0.11', 'pg2=10.42.0.12',
      'etcd0=10.42.0.20', 'etcd1=10.42.0.21', 'etcd2=10.42.0.22',
      'haproxy0=10.42.0.30',
      'mongo0=10.42.0.40', 'mongo1=10.42.0.41', 'mongo2=10.42.0.42',
    ]);
    expect(parseTopology('machines:\n  mongo: 0\n', 'pglab.yaml').machines.some((m) => m.role === 'mongo')).toBe(false);
  });

  it('sizes and subnet are parameters', () => {
    const t = parseTopology('cluster: demo\nsubnet: 10.9.8.0/24\nmachines:\n  postgres: 5\n  etcd: 1\n', 'f.yaml');
    expect(t.cluster).toBe('demo');
    expect(t.machines.filter((m) => m.role === 'postgres').map((m) => m.ip)).toEqual([
      '10.9.8.10', '10.9.8.11', '10.9.8.12', '10.9.8.13', '10.9.8.14',
    ]);
    expect(t.machines.filter((m) => m.role === 'etcd').map((m) => m.name)).toEqual(['etcd0']);
  });

  it('replication is async unless the file asks for sync; anything else is named with its line', () => {
    expect(parseTopology('', 'f.yaml').replication).toBe('async');
    expect(parseTopology('replication: sync\n', 'f.yaml').replication).toBe('sync');
    expect(problemsOf('cluster: demo\nreplication: synchronous\n')).toMatch(/pglab\.yaml:2: replication: Invalid enum value\. Expected 'async' \| 'sync'/);
  });

  it('names the line and field of an unknown key', () => {
    expect(problemsOf('machines:\n  postgres: 2\n  pgbouncer: 1\n')).toMatch(/pglab\.yaml:3: machines\.pgbouncer: Unrecognized key/);
  });

  it('reports every problem at once, each with its line', () => {
    const msg = problemsOf('cluster: Bad_Name\nmachines:\n  etcd: 2\netcd:\n  heartbeatMs: fast\n');
    expect(msg).toMatch(/3 problems/);
    expect(msg).toMatch(/pglab\.yaml:1: cluster: lowercase/);
    expect(msg).toMatch(/pglab\.yaml:3: machines\.etcd: an etcd cluster needs an odd number/);
    expect(msg).toMatch(/pglab\.yaml:5: etcd\.heartbeatMs: Expected number, received string/);
  });

  it('gives the line and column of a YAML syntax error', () => {
    expect(problemsOf('machines: [1\n')).toMatch(/not valid YAML:\n {2}pglab\.yaml:\d+:\d+:/);
  });

  it('rejects a subnet that is not a /24 and octets above 255', () => {
    expect(problemsOf('subnet: 10.42.0.0/16\n')).toMatch(/subnet: a \/24 network/);
    expect(problemsOf('subnet: 10.420.0.0/24\n')).toMatch(/octets must be 0–255/);
  });

  it('rejects sizes out of range and an election timeout too close to the heartbeat', () => {
    expect(problemsOf('machines:\n  postgres: 0\n')).toMatch(/machines\.postgres/);
    expect(problemsOf('machines:\n  haproxy: 2\n')).toMatch(/machines\.haproxy/);
    expect(problemsOf('etcd:\n  heartbeatMs: 100\n  electionMs: 200\n')).toMatch(/electionMs \(200\) should be at least 5 × etcd\.heartbeatMs/);
  });

  it('accepts mongo machines as mongo0… at .40… (whether mongod can be had is checked by the commands, not the file)', () => {
    const t = parseTopology('machines:\n  mongo: 3\n', 'pglab.yaml');
    expect(t.machines.filter((m) => m.role === 'mongo').map((m) => `${m.name}=${m.ip}`)).toEqual(['mongo0=10.42.0.40', 'mongo1=10.42.0.41', 'mongo2=10.42.0.42']);
    expect(problemsOf('machines:\n  mongo: 10\n')).toMatch(/machines\.mongo/);
  });

  it('rejects a top-level value that is not a mapping', () => {
    expect(problemsOf('- a\n- b\n')).toMatch(/Expected object/);
  });
});
