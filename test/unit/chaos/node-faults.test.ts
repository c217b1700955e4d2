import { describe, expect, it } from 'vitest';
import { FAULT_SPECS, FAULTS } from '../../../chaos/fault-catalog.js';
import { cutScript, etcdLeaderEndpoint, isolateScript, liftCutScript, slowNetworkCommands } from '../../../chaos/node-faults.js';

describe('node faults', () => {
  it('cuts a machine from a set of peers in its own nft table, which lifting removes', () => {
    const s = cutScript(['10.42.0.10', '10.42.0.20']);
    expect(s).toContain('table inet pglab_chaos_cut {');
    expect(s).toContain('ip daddr { 10.42.0.10, 10.42.0.20 } drop');
    expect(s).toContain('ip saddr { 10.42.0.10, 10.42.0.20 } drop');
    expect(liftCutScript()).toContain('delete table inet pglab_chaos_cut');
    expect(() => cutScript([])).toThrow(/at least one peer/);
  });

  it('isolates everything but loopback', () => {
    expect(isolateScript()).toContain('oifname != "lo" drop');
    expect(isolateScript()).toContain('iifname != "lo" drop');
  });

  it('limits bandwidth with tbf and refuses a rate tc would not take', () => {
    expect(slowNetworkCommands('512kbit').apply).toEqual(['tc', 'qdisc', 'replace', 'dev', 'host0', 'root', 'tbf', 'rate', '512kbit', 'burst', '32kbit', 'latency', '400ms']);
    expect(() => slowNetworkCommands('fast')).toThrow(/bad rate/);
  });

  it('finds the etcd leader in etcdctl endpoint status output', () => {
    const json = JSON.stringify([
      { Endpoint: 'http://10.42.0.20:2379', Status: { header: { member_id: 111 }, leader: 222 } },
      { Endpoint: 'http://10.42.0.21:2379', Status: { header: { member_id: 222 }, leader: 222 } },
    ]);
    expect(etcdLeaderEndpoint(json)).toBe('http://10.42.0.21:2379');
    expect(etcdLeaderEndpoint('[]')).toBeNull();
  });

  it('gives every fault a spec, and only timed faults promise to keep a cut replica streaming', () => {
    for (const f of FAULTS) expect(FAULT_SPECS[f].help.length).toBeGreaterThan(10);
    expect(FAULTS.filter((f) => FAULT_SPECS[f].failover === 'forbidden')).toEqual(['cut-replication', 'etcd-quorum']);
  });
});
