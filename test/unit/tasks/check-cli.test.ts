// `pglab check` as a user runs it (through tsx, as any user, no lab): JSON alone on stdout, exit 1 on a broken
// promise, exit 2 with the line number on a malformed history.
import { execa } from 'execa';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const CLI = join(ROOT, 'bin', 'pglab.ts');
const TSX = pathToFileURL(join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
const dir = mkdtempSync(join(tmpdir(), 'pglab-check-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function pglab(args: string[]) {
  // As an ordinary user: checking a file needs no root and no lab.
  return execa(process.execPath, ['--import', 'data:text/javascript,process.getuid=()=>1000', '--import', TSX, CLI, ...args], { cwd: dir, env: { PGLAB_NAME: 'pglabunit', PGLAB_HOME: dir, HOME: tmpdir(), CI: '1' }, reject: false });
}

const line = (o: object) => JSON.stringify({ f: 'txn', ...o });
/** Read skew: T2 saw T1's append to y but not to x. */
const skew = [
  line({ index: 0, time: 0, type: 'invoke', process: 1, value: [['append', 'x', 1], ['append', 'y', 1]] }),
  line({ index: 1, time: 1, type: 'invoke', process: 2, value: [['r', 'x', null], ['r', 'y', null]] }),
  line({ index: 2, time: 2, type: 'ok', process: 1, value: [['append', 'x', 1], ['append', 'y', 1]] }),
  line({ index: 3, time: 3, type: 'ok', process: 2, value: [['r', 'x', []], ['r', 'y', [1]]] }),
].join('\n');

describe('pglab check', () => {
  it('prints only the JSON report on stdout with --json, and exits 1 on a forbidden anomaly', async () => {
    writeFileSync(join(dir, 'skew.jsonl'), skew);
    const r = await pglab(['check', 'skew.jsonl', '--json']);
    expect(r.exitCode, r.stderr).toBe(1);
    const report = JSON.parse(r.stdout) as { counts: Record<string, number>; valid: boolean };
    expect(report.counts).toEqual({ 'G-single': 1 });
    expect(report.valid).toBe(false);
  });

  it('exits 0 when the level allows what it found, and says so', async () => {
    const r = await pglab(['check', 'skew.jsonl', '--isolation', 'read-committed']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('G-single (allowed here)');
  });

  it('exits 2 naming the malformed line, without a stack trace', async () => {
    writeFileSync(join(dir, 'bad.jsonl'), `${skew}\n{"index": 4, "time": 4, "type": "ok", "process": 3, "f": "txn", "value": [["w", "x", 1]]}\n`);
    const r = await pglab(['check', 'bad.jsonl']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/^pglab: line 5: value\[0\]: unknown micro-operation "w"/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
