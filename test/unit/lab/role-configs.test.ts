import { describe, expect, it } from 'vitest';
import { baseFiles } from '../../../lab/roles/base-files.js';
import { etcdEndpoints, etcdEnvironment, etcdRole } from '../../../lab/roles/etcd.js';
import { haproxyConfig, haproxyNotifyScript } from '../../../lab/roles/haproxy.js';
import type { LabSecrets } from '../../../lab/secrets.js';
import { DEFAULT_TOPOLOGY as T } from '../../../lab/topology.js';

const machine = (name: string) => T.machines.find((m) => m.name === name)!;

describe('etcd member configuration', () => {
  const env = etcdEnvironment(machine('etcd1'), T);

  it('lists every member in the initial cluster and advertises its own address', () => {
    expect(env).toContain('ETCD_NAME=etcd1\n');
    expect(env).toContain(
      'ETCD_INITIAL_CLUSTER=etcd0=http://10.42.0.20:2380,etcd1=http://10.42.0.21:2380,etcd2=http://10.42.0.22:2380\n',
    );
    expect(env).toContain('ETCD_ADVERTISE_CLIENT_URLS=http://10.42.0.21:2379\n');
    expect(env).toContain('ETCD_LISTEN_CLIENT_URLS=http://10.42.0.21:2379,http://127.0.0.1:2379\n');
  });

  it('uses the topology tuning for heartbeat and election', () => {
    expect(env).toContain('ETCD_HEARTBEAT_INTERVAL=100\n');
    expect(env).toContain('ETCD_ELECTION_TIMEOUT=600\n');
  });

  it("runs Go's scheduler on one P (less idle CPU)", () => {
    expect(env).toContain('GOMAXPROCS=1\n');
  });

  it('starts etcd only once the machine has its address (its peer URL binds to it)', () => {
    const dropIn = etcdRole.files(machine('etcd1'), T, { secrets: {} as LabSecrets }).find((f) => f.path.startsWith('etc/systemd/system/etcd.service.d/') && f.content.includes('[Unit]'));
    expect(dropIn?.content).toMatch(/^After=network-online\.target$/m);
    expect(dropIn?.content).toMatch(/^Wants=network-online\.target$/m);
  });

  it('gives clients every member endpoint', () => {
    expect(etcdEndpoints(T)).toEqual(['http://10.42.0.20:2379', 'http://10.42.0.21:2379', 'http://10.42.0.22:2379']);
  });
});

describe('haproxy configuration', () => {
  const cfg = haproxyConfig(T);
  const section = (name: string) => cfg.split(/\n(?=listen )/).find((s) => s.startsWith(`listen ${name}`)) ?? '';

  it('sends 5432 to the node whose pgdaemon answers /primary', () => {
    const primary = section('primary');
    expect(primary).toContain('bind *:5432');
    expect(primary).toContain('option httpchk OPTIONS /primary');
    for (const [name, ip] of [['pg0', '10.42.0.10'], ['pg1', '10.42.0.11'], ['pg2', '10.42.0.12']]) {
      expect(primary).toContain(`server ${name} ${ip}:6432 check port 8008`);
    }
  });

  it('balances 5433 over the nodes that answer /replica', () => {
    const replicas = section('replicas');
    expect(replicas).toContain('bind *:5433');
    expect(replicas).toContain('option httpchk OPTIONS /replica');
    expect(replicas).toContain('balance roundrobin');
  });

  it('checks each server once a second and cuts sessions of a node marked down', () => {
    expect(section('primary')).toContain('default-server inter 1s fastinter 100ms downinter 1s fall 2 rise 1 on-marked-down shutdown-sessions');
    expect(section('replicas')).toContain('on-marked-down shutdown-sessions');
  });

  it('gives up a connection to the primary after 200 ms without retrying it (a dead primary is not waited for)', () => {
    expect(section('primary')).toMatch(/^ {4}timeout connect 200ms$/m);
    expect(section('primary')).toMatch(/^ {4}retries 0$/m);
    expect(section('replicas')).not.toContain('timeout connect');
  });

  it('opens its runtime API to the lab for the role-change callback', () => {
    expect(haproxyConfig(T)).toContain('stats socket ipv4@*:9999 level admin');
  });

  it('has a role-change callback that tells every haproxy, and takes the others out for a new primary', () => {
    const script = haproxyNotifyScript(T);
    expect(script.startsWith('#!/bin/sh\n')).toBe(true);
    expect(script).toContain('for h in 10.42.0.30; do');
    expect(script).toContain('set server primary/$node health up; set server replicas/$node health down');
    expect(script).toContain('cmds="$cmds; set server primary/$other health down; shutdown sessions server primary/$other"');
    expect(script).toContain('cmds="set server primary/$node health down; shutdown sessions server primary/$node"');
    expect(script).toContain('nc -w 1 "$h" 9999');
  });

  it('serves stats on 7000', () => {
    expect(section('stats')).toContain('bind *:7000');
  });
});

describe('base files', () => {
  it('give the machine its name, static address and the lab host table', () => {
    const files = Object.fromEntries(baseFiles(machine('pg1'), T).map((f) => [f.path, f.content]));
    expect(files['etc/hostname']).toBe('pg1\n');
    expect(files['etc/systemd/network/10-host0.network']).toContain('Address=10.42.0.11/24');
    expect(files['etc/hosts']).toContain('10.42.0.30 haproxy0');
  });
});
