// Runs the built pglab CLI against a separate test lab (own name, state dir and
// network namespace; the image cache is shared with the user's lab).
import { execa } from 'execa';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const TEST_LAB = {
  PGLAB_NAME: 'pglab-test',
  PGLAB_HOME: '/var/lib/pglab-test',
  PGLAB_IMAGES: process.env.PGLAB_IMAGES ?? '/var/lib/pglab/images',
};

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'pglab');

/** The default topology without mongo machines: test labs that do not test MongoDB bring it up with this. */
export const NO_MONGO_TOPOLOGY = join(import.meta.dirname, 'no-mongo.yaml');

export async function pglab(args: string[], opts: { env?: Record<string, string>; timeoutMs?: number } = {}) {
  const r = await execa(BIN, args, {
    env: { ...TEST_LAB, ...opts.env, CI: '1' },
    reject: false,
    timeout: opts.timeoutMs ?? 600_000,
    all: true,
  });
  return { code: r.exitCode ?? -1, out: String(r.all ?? ''), stdout: String(r.stdout ?? '') };
}

/** stdout of a `--json` command, which must be one JSON document and nothing else (progress goes to stderr). */
export function stdoutJson<T>(r: { stdout: string; out: string }): T {
  try {
    return JSON.parse(r.stdout) as T;
  } catch (err) {
    throw new Error(`stdout is not one JSON document (${(err as Error).message}):\n${r.stdout.slice(0, 2000)}\n--- all output:\n${r.out.slice(-2000)}`);
  }
}

/** What the test lab left on the host: namespace, mounts, nspawn processes, cgroups. */
export function leftovers(): string[] {
  const found: string[] = [];
  if (existsSync(`/run/netns/${TEST_LAB.PGLAB_NAME}`)) found.push(`netns ${TEST_LAB.PGLAB_NAME}`);
  for (const line of readFileSync('/proc/mounts', 'utf8').split('\n')) {
    const mp = line.split(' ')[1];
    if (mp?.startsWith(TEST_LAB.PGLAB_HOME)) found.push(`mount ${mp}`);
  }
  for (const pid of readdirPids()) {
    // A process may end between the listing and this read (seen on a busy host): it is no leftover then.
    let cmd: string[];
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (cmd[0]?.endsWith('systemd-nspawn') && cmd.some((a) => a.startsWith(TEST_LAB.PGLAB_HOME))) found.push(`nspawn pid ${pid}`);
  }
  for (const h of ['/sys/fs/cgroup/systemd', '/sys/fs/cgroup/unified']) {
    if (existsSync(join(h, TEST_LAB.PGLAB_NAME))) found.push(`cgroup ${join(h, TEST_LAB.PGLAB_NAME)}`);
  }
  return found;
}

function readdirPids(): string[] {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((pid) => {
    try {
      readFileSync(`/proc/${pid}/cmdline`);
      return true;
    } catch {
      return false;
    }
  });
}
