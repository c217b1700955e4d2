import { describe, expect, it } from 'vitest';
import { COMMAND_POLICY, policyOf, prepare, type Where } from '../../../tasks/command-policy.js';

const host: Where = { uid: 0, insideLabNetns: false, labNetnsExists: true, stateDirWritable: true };

describe('which namespace, lock and user a command needs', () => {
  it('keeps imdb fetch, image builds and host work in the host namespace while the lab exists', () => {
    for (const path of ['imdb fetch', 'imdb sample', 'machines', 'destroy', 'doctor', 'exec', 'logs', 'kill', 'start']) {
      expect(prepare(policyOf(path), host), path).toMatchObject({ kind: 'run' });
    }
  });

  it('re-runs commands whose own process talks to the lab inside its namespace', () => {
    for (const path of ['status', 'history', 'switchover', 'failover', 'pause', 'resume', 'restart', 'reinit', 'config show', 'config set', 'config edit', 'imdb load', 'imdb verify', 'bench', 'chaos', 'deploy pgdaemon']) {
      expect(prepare(policyOf(path), host), path).toEqual({ kind: 'enter-lab-netns' });
    }
  });

  it('starts psql and `pglab run` programs in the lab namespace from a host process', () => {
    expect(policyOf('psql').network).toBe('host');
    expect(policyOf('run').network).toBe('host');
  });

  it('runs a lab command where it is once inside the namespace, or when the lab does not exist', () => {
    expect(prepare(policyOf('imdb load'), { ...host, insideLabNetns: true })).toEqual({ kind: 'run', lock: true });
    expect(prepare(policyOf('status'), { ...host, labNetnsExists: false })).toEqual({ kind: 'run', lock: false });
  });

  it('locks the commands that change the lab, and only those', () => {
    const locked = Object.entries(COMMAND_POLICY).filter(([, p]) => p.changesLab).map(([k]) => k).sort();
    expect(locked).toEqual(['bench', 'chaos', 'config edit', 'config set', 'deploy pgdaemon', 'destroy', 'failover', 'imdb load', 'kill', 'machines', 'pause', 'reinit', 'restart', 'resume', 'start', 'stop', 'switchover']);
    for (const path of ['status', 'logs', 'history', 'dsn', 'psql', 'doctor', 'config show']) expect(policyOf(path).changesLab, path).toBe(false);
  });

  it('takes no lock and stays on the host for --dry-run', () => {
    expect(prepare(policyOf('machines'), host, { dryRun: true })).toEqual({ kind: 'run', lock: false });
    expect(prepare(policyOf('chaos'), host, { dryRun: true })).toEqual({ kind: 'run', lock: false });
  });

  it('treats a command missing from the table carefully: root, lock, host namespace', () => {
    expect(policyOf('chaos-matrix')).toEqual({ network: 'host', changesLab: true, root: 'it may change the lab' });
  });

  it('refuses a command that needs root, saying why', () => {
    expect(prepare(policyOf('status'), { ...host, uid: 1000 })).toEqual({ kind: 'refuse', reason: 'it enters the lab machines and their namespaces' });
    expect(prepare(policyOf('doctor'), { ...host, uid: 1000 })).toMatchObject({ kind: 'run' });
    expect(prepare(policyOf('imdb sample'), { ...host, uid: 1000 })).toMatchObject({ kind: 'run' });
  });

  it('lets a user generate or fetch IMDb files without root only into a state dir they can write', () => {
    expect(prepare(policyOf('imdb fetch'), { ...host, uid: 1000, stateDirWritable: false })).toMatchObject({ kind: 'refuse', reason: expect.stringMatching(/state dir/) });
    expect(prepare(policyOf('imdb fetch'), { ...host, uid: 0, stateDirWritable: false })).toMatchObject({ kind: 'run' });
  });
});
