// The CLI as a user runs it (through tsx, against a state dir of its own and a lab
// name that does not exist): --version, completion, root, the lab lock.
import { execa } from 'execa';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { acquireLabLock } from '../../../lab/lab-lock.js';
import { COMMAND_POLICY } from '../../../tasks/command-policy.js';
import { tempPglabHome } from '../../support/temp-home.js';

const hasZsh = ['/usr/bin/zsh', '/bin/zsh'].some((p) => existsSync(p));
const ROOT = join(import.meta.dirname, '..', '..', '..');
const CLI = join(ROOT, 'bin', 'pglab.ts');
/** tsx by URL: the CLI runs in a temp dir (no ./pglab.yaml), where a bare `--import tsx` would not resolve. */
const TSX = pathToFileURL(join(import.meta.dirname, '..', '..', '..', 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
const home = tempPglabHome('pglab-cli-');

/** `asUid`: the CLI sees this user id (process.getuid replaced before it loads), without needing that user's file access. */
function pglab(args: string[], opts: { asUid?: number } = {}) {
  const fakeUid = opts.asUid === undefined ? [] : ['--import', `data:text/javascript,process.getuid=()=>${opts.asUid}`];
  return execa(process.execPath, [...fakeUid, '--import', TSX, CLI, ...args], {
    cwd: home(),
    env: { PGLAB_NAME: 'pglabunit', PGLAB_HOME: home(), HOME: tmpdir(), CI: '1' },
    reject: false,
    all: true,
  });
}


describe('pglab as a daily tool', () => {
  it('prints its version from package.json', async () => {
    const r = await pglab(['--version']);
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stdout.trim()).toBe((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version);
  });

  it('prints a bash completion script that completes commands, subcommands and options', async () => {
    const r = await pglab(['completion', 'bash']);
    expect(r.exitCode, r.all).toBe(0);
    const complete = async (...words: string[]) => {
      const script = `${r.stdout}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _pglab; echo "\${COMPREPLY[*]}"`;
      return (await execa('bash', ['-c', script])).stdout.trim();
    };
    expect(await complete('pglab', 'swi')).toBe('switchover');
    expect(await complete('pglab', 'imdb', 'f')).toBe('fetch');
    expect(await complete('pglab', 'imdb', 'fetch', '--base')).toBe('--base-url');
    expect(await complete('pglab', 'chaos', '--topology', 'x.yaml', '--no-')).toBe('--no-wait');
  });

  it('prints a zsh completion script with every command and its description', async () => {
    const r = await pglab(['completion', 'zsh']);
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stdout).toMatch(/^#compdef pglab/);
    expect(r.stdout).toContain("'imdb fetch') items=(");
    expect(r.stdout).toMatch(/'switchover:planned move of the primary role/);
  });

  it.skipIf(!hasZsh)('completes subcommands and options in zsh', async () => {
    const r = await pglab(['completion', 'zsh']);
    const offer = async (...words: string[]) => {
      // _describe stubbed to print what it was given; zsh filters by the typed prefix itself.
      const script = `${r.stdout}\n_describe() { print -l -- "\${(@P)4}"; }\nwords=(${words.map((w) => `'${w}'`).join(' ')}); CURRENT=${words.length}; _pglab`;
      return (await execa('zsh', ['-f', '-c', `compdef() { :; }; ${script}`])).stdout.split('\n').map((l) => l.split(':')[0]);
    };
    expect(await offer('pglab', 'imdb', 'f')).toEqual(['sample', 'fetch', 'load', 'verify', '--help']);
    expect(await offer('pglab', 'chaos', '--topology', 'x.yaml', '--no')).toContain('--no-wait');
  });

  it('prints only JSON on stdout with --json, progress and plans included (doctor, machines --dry-run)', async () => {
    const d = await pglab(['doctor', '--json']);
    expect((JSON.parse(d.stdout) as { checks: unknown[] }).checks.length, d.all).toBeGreaterThan(0);
    const m = await pglab(['machines', '--dry-run', '--json']);
    expect(m.exitCode, m.all).toBe(0);
    const plan = JSON.parse(m.stdout) as { dryRun: boolean; steps: { id: string; commands: string[] }[] };
    expect(plan.dryRun).toBe(true);
    expect(plan.steps.map((x) => x.id)).toContain('image');
    expect(plan.steps.find((x) => x.id === 'image')?.commands.join(' ')).toMatch(/mmdebstrap/);
  });

  it('refuses --json on a command that does not take it, with exit 2', async () => {
    const r = await pglab(['destroy', '--json']);
    expect(r.exitCode, r.all).toBe(2);
    expect(r.all).toMatch(/unknown option '--json'/);
  });

  it('has a policy for every command it registers (no command is forgotten by the root check, the lock or the namespace)', async () => {
    const script = (await pglab(['completion', 'bash'])).stdout;
    const paths = [...script.matchAll(/^ {4}'([a-z ]+)'\) words=/gm)].map((m) => m[1] as string).filter((p) => p !== 'imdb' && p !== 'deploy' && p !== 'config');
    expect(paths.sort()).toEqual(Object.keys(COMMAND_POLICY).sort());
  });

  it('says once that a command needs root, with exit 2', async () => {
    for (const args of [['status'], ['psql']]) {
      const r = await pglab(args, { asUid: 1000 });
      expect(r.exitCode, r.all).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^pglab: \`pglab ${args[0]}\` needs root: .*\\n  → run it as root`));
      expect(r.stderr).not.toMatch(/unknown|bin\/pglab,/);
    }
  });

  it('exits 2 with --no-wait while another command holds the lab lock, naming it', async () => {
    const lock = await acquireLabLock('chaos kill', { wait: false });
    try {
      const r = await pglab(['switchover', '--no-wait']);
      expect(r.exitCode, r.all).toBe(2);
      expect(r.stderr).toContain(`the lab is busy: \`pglab chaos kill\` (pid ${process.pid}, since ${lock.holder.since}`);
      const status = await pglab(['status', '--json']); // read-only: never waits
      expect(status.exitCode, status.all).toBe(0);
    } finally {
      await lock.release();
    }
  });
});
