import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { callbackArgs, RoleCallback } from '../../../daemon/role-callback.js';

describe('role-change callback', () => {
  it('passes the role, the node, then the other members', () => {
    expect(callbackArgs('primary', 'pg1', ['pg0', 'pg1', 'pg2'])).toEqual(['primary', 'pg1', 'pg0', 'pg2']);
  });

  it('runs the command on each change only, in order; a start as a non-primary runs nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pglab-callback-'));
    const out = join(dir, 'calls');
    const cmd = join(dir, 'record');
    writeFileSync(cmd, `#!/bin/sh\necho "$*" >> ${out}\n`, { mode: 0o755 });
    writeFileSync(out, '');
    const logs: string[] = [];
    const cb = new RoleCallback(cmd, (l) => logs.push(l));
    const members = ['pg0', 'pg1', 'pg2'];
    cb.observe('not-primary', 'pg1', members);
    cb.observe('not-primary', 'pg1', members);
    cb.observe('primary', 'pg1', members);
    cb.observe('primary', 'pg1', members);
    cb.observe('not-primary', 'pg1', members);
    await cb.settled();
    expect(readFileSync(out, 'utf8')).toBe('primary pg1 pg0 pg2\nnot-primary pg1 pg0 pg2\n');
    expect(logs).toHaveLength(2);
  });

  it('logs a failing command and goes on', async () => {
    const logs: string[] = [];
    const cb = new RoleCallback('/nonexistent/pglab-callback', (l) => logs.push(l));
    cb.observe('primary', 'pg0', ['pg0']);
    await cb.settled();
    expect(logs[0]).toMatch(/^role-change callback \/nonexistent\/pglab-callback primary pg0 failed after \d+ms: /);
  });
});
