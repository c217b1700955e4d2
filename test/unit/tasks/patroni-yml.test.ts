import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { renderHba, renderPostgresqlConf } from '../../../daemon/postgres-conf.js';
import { IMAGE_RECIPE, MONGO_IMAGE_RECIPE, PATRONI_IMAGE_RECIPE, recipeHash, recipeOf, recipesOf, roleImageDir } from '../../../lab/image.js';
import type { LabSecrets } from '../../../lab/secrets.js';
import { parseTopology } from '../../../lab/topology-file.js';
import { DEFAULT_TOPOLOGY, haOf, machinesOf, type Topology } from '../../../lab/topology.js';
import { patroniNodeFiles, patroniRoleChangeScript } from '../../../tasks/patroni/node-files.js';
import { LAB_POSTGRES_PARAMETERS, patroniConfig, patroniYml, postBootstrapSql } from '../../../tasks/patroni/patroni-yml.js';

const SECRETS: LabSecrets = { superuserPassword: 'su-secret-1', replicationPassword: 'repl-secret-1', appPassword: "app'secret", apiToken: 'token-0123456789abcdef' };
const patroniLab = (extra = '') => parseTopology(`ha: patroni\n${extra}`, 'pglab.yaml');
const pg0 = (t: Topology) => machinesOf(t, 'postgres')[0]!;
type Yml = {
  scope: string;
  namespace: string;
  name: string;
  restapi: { listen: string; connect_address: string; authentication: { username: string; password: string } };
  etcd3: { hosts: string[]; protocol: string };
  bootstrap: { dcs: Record<string, unknown> & { postgresql: { use_pg_rewind: boolean; use_slots: boolean; parameters: Record<string, string> } }; initdb: unknown[] };
  postgresql: { listen: string; connect_address: string; data_dir: string; basebackup: unknown; pg_hba: string[]; authentication: Record<string, { username: string; password: string }>; callbacks?: Record<string, string> };
};
const yml = (t: Topology) => parse(patroniYml(pg0(t), t, SECRETS)) as Yml;

describe('patroni.yml', () => {
  it('puts the DCS on the lab etcd members (etcd3) and the REST API on :8008 with a password for changes', () => {
    const y = yml(patroniLab());
    expect(y.scope).toBe('pglab');
    expect(y.name).toBe('pg0');
    expect(y.namespace).toBe('/patroni/');
    expect(y.etcd3).toEqual({ hosts: ['10.42.0.20:2379', '10.42.0.21:2379', '10.42.0.22:2379'], protocol: 'http' });
    expect(y.restapi.listen).toBe('0.0.0.0:8008');
    expect(y.restapi.connect_address).toBe('10.42.0.10:8008');
    expect(y.restapi.authentication).toEqual({ username: 'pglab', password: SECRETS.apiToken });
  });

  it("uses Patroni's documented defaults when the topology names no timing, and async replication as synchronous_mode off", () => {
    const dcs = yml(patroniLab()).bootstrap.dcs;
    expect(dcs).toMatchObject({ ttl: 30, loop_wait: 10, retry_timeout: 10, maximum_lag_on_failover: 1048576, synchronous_mode: false });
    expect(dcs).not.toHaveProperty('synchronous_node_count');
    expect(dcs.postgresql).toMatchObject({ use_pg_rewind: true, use_slots: true });
  });

  it("takes the topology's timing, and maps replication: sync to synchronous_mode with every replica a sync standby", () => {
    const t = patroniLab('replication: sync\npatroni:\n  ttl: 20\n  loopWait: 1\n  retryTimeout: 3\n  maximumLagOnFailover: 0\n');
    expect(yml(t).bootstrap.dcs).toMatchObject({ ttl: 20, loop_wait: 1, retry_timeout: 3, maximum_lag_on_failover: 0, synchronous_mode: true, synchronous_node_count: 2 });
  });

  it("runs PostgreSQL with the settings pgdaemon writes into postgresql.conf, value for value", () => {
    const conf = renderPostgresqlConf({ node: 'pg0', listenHost: '10.42.0.10', port: 5432, socketDir: '/var/run/postgresql', allowCidrs: ['10.42.0.0/24'], upstream: null, sync: [] });
    const pgdaemon = new Map(conf.split('\n').filter((l) => /^[a-z_]+ = /.test(l)).map((l) => {
      const [name, value] = [l.slice(0, l.indexOf(' = ')), l.slice(l.indexOf(' = ') + 3)];
      return [name, value.replace(/^'(.*)'$/, '$1').replace(/''/g, "'")] as const;
    }));
    const params = yml(patroniLab()).bootstrap.dcs.postgresql.parameters;
    expect(params).toEqual(LAB_POSTGRES_PARAMETERS);
    for (const [name, value] of Object.entries(params)) expect([name, pgdaemon.get(name)]).toEqual([name, value]);
  });

  it('authenticates with scram on the lab subnet and peer on the socket, like pgdaemon: no trust, no md5', () => {
    const y = yml(patroniLab());
    const words = (lines: string[]) => lines.filter((l) => !l.startsWith('#')).map((l) => l.trim().split(/\s+/).join(' ')).filter(Boolean);
    expect(words(y.postgresql.pg_hba)).toEqual(words(renderHba(['10.42.0.0/24']).split('\n')));
    expect(y.postgresql.pg_hba.join('\n')).not.toMatch(/trust|md5/);
    expect(y.postgresql.authentication).toEqual({ superuser: { username: 'postgres', password: SECRETS.superuserPassword }, replication: { username: 'replicator', password: SECRETS.replicationPassword } });
    expect(y.bootstrap.initdb).toEqual(['data-checksums', { encoding: 'UTF8' }, { locale: 'C.UTF-8' }, { 'auth-local': 'peer' }, { 'auth-host': 'scram-sha-256' }]);
    expect(y.postgresql.data_dir).toBe('/var/lib/postgresql/pglab');
    expect(y.postgresql.listen).toBe('10.42.0.10:5432');
    expect(y.postgresql.basebackup).toEqual([{ checkpoint: 'fast' }]); // pg_basebackup -c fast, as pgdaemon's clone
  });

  it('is the object patroniConfig gives, each node with its own name and addresses', () => {
    const t = patroniLab();
    for (const m of machinesOf(t, 'postgres')) {
      const text = patroniYml(m, t, SECRETS);
      // Read as YAML 1.1 (Patroni's PyYAML): "on" must stay a string, not become true.
      expect(parse(text, { version: '1.1' })).toEqual(patroniConfig(m, t, SECRETS));
      expect(text).toContain('hot_standby_feedback: "on"');
      expect(text.split('\n')[0]).toMatch(/^# Generated by pglab/);
    }
    expect(yml(t).postgresql.callbacks).toEqual({ on_role_change: '/usr/local/lib/pglab/patroni-role-change' });
  });

  it('keeps every file with a password readable by postgres only', () => {
    const t = patroniLab();
    const files = patroniNodeFiles(pg0(t), t, SECRETS);
    for (const f of files) {
      const text = String(f.content);
      const secret = [SECRETS.superuserPassword, SECRETS.replicationPassword, SECRETS.apiToken, 'secret'].some((s) => text.includes(s));
      if (secret) expect([f.path, f.mode, f.owner]).toEqual([f.path, 0o600, 'postgres']);
    }
    expect(files.map((f) => f.path)).toContain('etc/patroni/config.yml');
    expect(postBootstrapSql(SECRETS)).toBe("CREATE ROLE pglab WITH LOGIN PASSWORD 'app''secret';\nCREATE DATABASE pglab OWNER pglab;\n");
  });

  it("turns Patroni's on_role_change into pgdaemon's haproxy callback words", () => {
    const script = patroniRoleChangeScript(pg0(patroniLab()), patroniLab());
    expect(script).toContain('master|primary) exec /usr/local/lib/pglab/haproxy-notify primary pg0 pg1 pg2 ;;');
    expect(script).toContain('*) exec /usr/local/lib/pglab/haproxy-notify not-primary pg0 ;;');
  });
});

describe('topology: ha and patroni', () => {
  const problems = (text: string) => {
    try {
      parseTopology(text, 'pglab.yaml');
    } catch (err) {
      return (err as Error).message;
    }
    throw new Error('expected a refusal');
  };

  it('runs pgdaemon unless the file says ha: patroni', () => {
    expect(parseTopology('', 'f.yaml').ha).toBeUndefined();
    expect(haOf(parseTopology('', 'f.yaml'))).toBe('pgdaemon');
    expect(patroniLab().ha).toBe('patroni');
    expect(patroniLab().patroni).toBeUndefined();
    expect(patroniLab('patroni:\n  ttl: 35\n').patroni).toEqual({ ttl: 35, loopWait: 10, retryTimeout: 10, maximumLagOnFailover: 1048576 });
  });

  it('names an unknown manager, a timing below Patroni\'s documented minimums and an unknown key, each with its line', () => {
    expect(problems('ha: stolon\n')).toMatch(/pglab\.yaml:1: ha: Invalid enum value\. Expected 'pgdaemon' \| 'patroni', received 'stolon'/);
    const m = problems('ha: patroni\npatroni:\n  ttl: 10\n  loopWait: 0\n  retryTimeout: 2\n  loop_wait: 1\n');
    expect(m).toMatch(/pglab\.yaml:3: patroni\.ttl: Patroni's documented minimum ttl is 20 s/);
    expect(m).toMatch(/pglab\.yaml:4: patroni\.loopWait: Patroni's documented minimum loop_wait is 1 s/);
    expect(m).toMatch(/pglab\.yaml:5: patroni\.retryTimeout: Patroni's documented minimum retry_timeout is 3 s/);
    expect(m).toMatch(/pglab\.yaml:6: patroni\.loop_wait: Unrecognized key/);
  });

  it("refuses timing that breaks Patroni's rule loop_wait + 2 × retry_timeout ≤ ttl", () => {
    expect(problems('ha: patroni\npatroni:\n  ttl: 20\n  loopWait: 10\n  retryTimeout: 10\n')).toMatch(/loopWait \+ 2 × retryTimeout \(10 \+ 2 × 10\) must not exceed ttl \(20\)/);
  });
});

describe('images for Patroni', () => {
  it("gives a Patroni lab's PostgreSQL machines an image of their own and leaves the base recipe alone", () => {
    expect(recipeHash(IMAGE_RECIPE)).toBe('6f8253449b98');
    expect(PATRONI_IMAGE_RECIPE.packages).toEqual([...IMAGE_RECIPE.packages, 'patroni', 'python3-etcd']);
    expect(PATRONI_IMAGE_RECIPE.disabledUnits).toContain('patroni.service');
    expect(recipeHash(PATRONI_IMAGE_RECIPE)).not.toBe(recipeHash(IMAGE_RECIPE));
    const t = patroniLab();
    expect(recipesOf(t)).toEqual([IMAGE_RECIPE, PATRONI_IMAGE_RECIPE, MONGO_IMAGE_RECIPE]);
    expect(recipesOf(DEFAULT_TOPOLOGY)).toEqual([IMAGE_RECIPE, MONGO_IMAGE_RECIPE]);
    expect(recipesOf(patroniLab('machines:\n  mongo: 0\n'))).toEqual([IMAGE_RECIPE, PATRONI_IMAGE_RECIPE]);
    expect(recipeOf('etcd', 'patroni')).toBe(IMAGE_RECIPE);
    expect(roleImageDir('postgres', t)).not.toBe(roleImageDir('postgres', DEFAULT_TOPOLOGY));
    expect(roleImageDir('haproxy', t)).toBe(roleImageDir('haproxy', DEFAULT_TOPOLOGY));
  });
});
