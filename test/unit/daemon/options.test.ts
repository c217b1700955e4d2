import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../../../common/errors.js';
import { daemonSchema, mergeOptions, parseBytes, readSecrets, validate } from '../../../daemon/options.js';

const dir = mkdtempSync(join(tmpdir(), 'pgd-opts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text, { mode: 0o600 });
  return p;
};
const minimal = { node: 'pg0', dataDir: '/d', connectHost: '10.42.0.10', secrets: '/s' };

function userError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof UserError) return err.message;
    throw err;
  }
  throw new Error('expected a UserError');
}

describe('daemon options', () => {
  it('fills defaults', () => {
    const o = validate(daemonSchema, minimal);
    expect(o).toMatchObject({ cluster: 'pglab', etcd: ['http://127.0.0.1:2379'], pgPort: 5432, listen: '0.0.0.0:8008', ttl: 1000, loop: 500, failoverTimeout: 10_000, binDir: '/usr/lib/postgresql/15/bin', noFailover: false });
  });

  it('lays flags over the config file', () => {
    const cfg = file('a.json', JSON.stringify({ ...minimal, etcd: 'http://10.42.0.20:2379,http://10.42.0.21:2379', ttl: '2s', pgPort: 5433 }));
    const o = validate(daemonSchema, mergeOptions({ config: cfg, ttl: '3s', node: 'pg1', pgPort: undefined }));
    expect(o).toMatchObject({ node: 'pg1', ttl: 3000, pgPort: 5433, etcd: ['http://10.42.0.20:2379', 'http://10.42.0.21:2379'] });
  });

  it('names the bad key in one line', () => {
    expect(userError(() => validate(daemonSchema, { ...minimal, ttl: 'soon' }))).toBe('invalid --ttl: invalid duration "soon" (write 500ms, 10s, 2m)');
    expect(userError(() => validate(daemonSchema, { ...minimal, ttl: '500ms' }))).toBe('invalid --ttl: ttl must be at least 1s (etcd leases count whole seconds)');
    expect(userError(() => validate(daemonSchema, { ...minimal, dataDir: undefined }))).toBe('missing --data-dir (or "dataDir" in the config file)');
    expect(userError(() => validate(daemonSchema, { ...minimal, etcd: 'localhost:2379' }))).toBe('invalid --etcd.0: etcd endpoints look like http://10.42.0.20:2379');
    expect(userError(() => validate(daemonSchema, { ...minimal, colour: 'blue' }))).toBe('unknown option(s) colour');
  });

  it('rejects an unreadable or non-JSON config file', () => {
    expect(userError(() => mergeOptions({ config: join(dir, 'missing.json') }))).toMatch(/^cannot read config file .*missing.json: ENOENT$/);
    expect(userError(() => mergeOptions({ config: file('b.json', '{nope') }))).toMatch(/^config file .*b.json is not a JSON object/);
    expect(userError(() => mergeOptions({ config: file('c.json', '[1]') }))).toMatch(/is not a JSON object: not an object$/);
  });

  it('reads the secrets file and says what is wrong with it', () => {
    const ok = file('s.json', JSON.stringify({ superuserPassword: 'aaaaaaaa', replicationPassword: 'bbbbbbbb', apiToken: 'cccccccccccccccc' }));
    expect(readSecrets(ok).apiToken).toBe('cccccccccccccccc');
    const open = join(dir, 'open.json');
    writeFileSync(open, '{}', { mode: 0o644 });
    expect(userError(() => readSecrets(open))).toMatch(/secrets file .*open.json is readable by group or others/);
    expect(userError(() => readSecrets(file('t.json', JSON.stringify({ superuserPassword: 'aaaaaaaa', replicationPassword: 'bbbbbbbb' }))))).toMatch(/secrets file .*t.json: apiToken Required/);
  });

  it('parses byte sizes for ?lag=', () => {
    expect(parseBytes('16MB')).toBe(16 * 1024 * 1024);
    expect(parseBytes('1024')).toBe(1024);
    expect(parseBytes('2kb')).toBe(2048);
    expect(parseBytes('lots')).toBeNull();
  });
});
