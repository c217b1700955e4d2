// What runs around every command's action: the root check, re-running inside the
// lab namespace when the command talks to the lab, and the lab lock for commands
// that change it (tasks/command-policy.ts decides which).
import type { Command } from 'commander';
import { accessSync, constants, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { UserError } from '../common/errors.js';
import { packageVersion } from '../common/package-version.js';
import { acquireLabLock, type HeldLock } from '../lab/lab-lock.js';
import { pglabHome } from '../lab/state-dir.js';
import { insideNetns, netnsExists } from '../lab/netns.js';
import { completionScript } from './completion.js';
import { reserveStdoutForJson } from './json-stdout.js';
import { policyOf, prepare } from './command-policy.js';
import { rerunInLabNetns } from './enter-lab-netns.js';

/** Ends the command with this exit code (the same command ran again inside the lab namespace). */
export class CommandExit extends Error {
  override readonly name = 'CommandExit';
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

/** The directory, or the nearest one above it that exists (where it would be made), is writable. */
function writable(dir: string): boolean {
  let d = dir;
  while (!existsSync(d) && dirname(d) !== d) d = dirname(d);
  try {
    accessSync(d, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** "imdb fetch" for `pglab imdb fetch`. */
export function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** Commands that run an action (not groups such as `imdb`). */
export function leafCommands(cmd: Command): Command[] {
  return cmd.commands.flatMap((c) => (c.commands.length > 0 ? leafCommands(c) : [c]));
}

export function installCommandHooks(program: Command): void {
  program.version(packageVersion(), '-V, --version', 'print the pglab version');
  program
    .command('completion')
    .description('print a shell completion script: source <(pglab completion bash)')
    .argument('<shell>', 'bash or zsh')
    .action((shell: string) => {
      if (shell !== 'bash' && shell !== 'zsh') throw new UserError(`no completion for "${shell}"`, 'use: pglab completion bash, or pglab completion zsh');
      process.stdout.write(completionScript(program, shell));
    });

  for (const cmd of leafCommands(program)) {
    if (policyOf(commandPath(cmd)).changesLab) {
      cmd.option('--no-wait', 'exit (code 2) instead of waiting while another command holds the lab lock');
    }
  }

  let lock: HeldLock | undefined;
  program.hook('preAction', async (_program, action) => {
    const path = commandPath(action);
    const opts = action.opts<{ dryRun?: boolean; wait?: boolean; json?: boolean }>();
    if (opts.json) reserveStdoutForJson();
    const policy = policyOf(path);
    const where = {
      uid: process.getuid?.() ?? 0,
      insideLabNetns: insideNetns(),
      labNetnsExists: netnsExists(),
      stateDirWritable: !policy.writesStateDir || writable(pglabHome()),
    };
    const next = prepare(policy, where, { dryRun: opts.dryRun });
    switch (next.kind) {
      case 'refuse':
        throw new UserError(
          `\`pglab ${path}\` needs root: ${next.reason}`,
          `run it as root, e.g. sudo -E bin/pglab ${path} …${policy.writesStateDir ? ', or set PGLAB_HOME to a directory you own' : ''}`,
        );
      case 'enter-lab-netns':
        throw new CommandExit(await rerunInLabNetns());
      case 'run':
        if (next.lock) {
          const verb = [path, ...action.args.filter((a) => !a.startsWith('-'))].join(' ');
          lock = await acquireLabLock(verb, { wait: opts.wait !== false, onWait: (m) => console.error(`pglab: ${m}`) });
        }
        return;
      default:
        next satisfies never;
    }
  });
  program.hook('postAction', async () => {
    await lock?.release();
    lock = undefined;
  });
}
