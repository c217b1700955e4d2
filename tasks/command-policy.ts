// What each pglab command needs before it runs: the network namespace its own
// process lives in, whether it holds the lab lock, whether it needs root.
// The rule (docs/decisions.md): only what talks to the lab runs inside its namespace.

export interface CommandPolicy {
  /**
   * 'lab': the command's own process talks to lab addresses (PostgreSQL, the daemons' HTTP API),
   * so it runs inside the lab's network namespace, which has no route out. 'host': everything else,
   * including commands whose lab-talking part is a child process started there (psql, `pglab run`).
   */
  readonly network: 'host' | 'lab';
  /** Changes the lab: takes the lab lock, waiting (or failing with --no-wait) while another command holds it. */
  readonly changesLab: boolean;
  /** Why the command needs root; absent when it does not. */
  readonly root?: string;
  /** Writes into the state dir (the IMDb cache): root, or a PGLAB_HOME the user can write. */
  readonly writesStateDir?: boolean;
}

const MACHINES = 'it enters the lab machines and their namespaces';
const SECRETS = "it reads the lab's credentials (mode 0600)";

export const COMMAND_POLICY = {
  machines: { network: 'host', changesLab: true, root: 'it builds the image, mounts overlays and boots machines' },
  destroy: { network: 'host', changesLab: true, root: 'it stops machines and removes their mounts and namespace' },
  status: { network: 'lab', changesLab: false, root: MACHINES },
  exec: { network: 'host', changesLab: false, root: MACHINES },
  shell: { network: 'host', changesLab: false, root: MACHINES },
  logs: { network: 'host', changesLab: false, root: MACHINES },
  etcdctl: { network: 'host', changesLab: false, root: MACHINES },
  dsn: { network: 'host', changesLab: false, root: SECRETS },
  psql: { network: 'host', changesLab: false, root: `${SECRETS} and starts psql in the lab namespace` },
  run: { network: 'host', changesLab: false, root: `${SECRETS} and starts the program in the lab namespace` },
  switchover: { network: 'lab', changesLab: true, root: MACHINES },
  history: { network: 'lab', changesLab: false, root: MACHINES },
  // The operator verbs talk to the HA manager through the cluster client (ha/), from this process: lab namespace
  // (config edit's editor needs no network). Those that change the cluster hold the lab lock.
  failover: { network: 'lab', changesLab: true, root: MACHINES },
  pause: { network: 'lab', changesLab: true, root: MACHINES },
  resume: { network: 'lab', changesLab: true, root: MACHINES },
  restart: { network: 'lab', changesLab: true, root: MACHINES },
  reinit: { network: 'lab', changesLab: true, root: MACHINES },
  'config show': { network: 'lab', changesLab: false, root: MACHINES },
  'config set': { network: 'lab', changesLab: true, root: MACHINES },
  'config edit': { network: 'lab', changesLab: true, root: MACHINES },
  'imdb sample': { network: 'host', changesLab: false, writesStateDir: true },
  'imdb fetch': { network: 'host', changesLab: false, writesStateDir: true },
  'imdb load': { network: 'lab', changesLab: true, root: `${SECRETS} and connects inside the lab namespace` },
  'imdb verify': { network: 'lab', changesLab: false, root: `${SECRETS} and connects inside the lab namespace` },
  bench: { network: 'lab', changesLab: true, root: `${SECRETS} and connects inside the lab namespace` },
  'deploy pgdaemon': { network: 'lab', changesLab: true, root: MACHINES },
  chaos: { network: 'lab', changesLab: true, root: MACHINES },
  kill: { network: 'host', changesLab: true, root: MACHINES },
  stop: { network: 'host', changesLab: true, root: MACHINES },
  start: { network: 'host', changesLab: true, root: MACHINES },
  // Its socket is made in the host's namespace (the browser's); its server process runs in the lab's (ui/ui-command.ts).
  ui: { network: 'host', changesLab: false, root: MACHINES },
  doctor: { network: 'host', changesLab: false },
  completion: { network: 'host', changesLab: false },
} as const satisfies Record<string, CommandPolicy>;

export type CommandPath = keyof typeof COMMAND_POLICY;

/**
 * For a command not in the table yet (a unit test fails until it is): the careful choice,
 * host namespace, root, and the lab lock.
 */
export const UNLISTED_POLICY: CommandPolicy = { network: 'host', changesLab: true, root: 'it may change the lab' };

export function policyOf(path: string): CommandPolicy {
  return (COMMAND_POLICY as Record<string, CommandPolicy>)[path] ?? UNLISTED_POLICY;
}

export interface Where {
  uid: number;
  /** This process already runs inside the lab namespace. */
  insideLabNetns: boolean;
  labNetnsExists: boolean;
  /** The state dir (or the directory it would be made in) is writable by this user. */
  stateDirWritable: boolean;
}

/** What to do before a command's action: refuse (not root), re-run inside the lab namespace, take the lock. */
export type Preparation =
  | { kind: 'refuse'; reason: string }
  | { kind: 'enter-lab-netns' }
  | { kind: 'run'; lock: boolean };

export function prepare(policy: CommandPolicy, where: Where, opts: { dryRun?: boolean } = {}): Preparation {
  if (policy.root && where.uid !== 0) return { kind: 'refuse', reason: policy.root };
  if (policy.writesStateDir && where.uid !== 0 && !where.stateDirWritable) return { kind: 'refuse', reason: 'it writes its cache into the state dir, which this user cannot write' };
  if (policy.network === 'lab' && where.labNetnsExists && !where.insideLabNetns && !opts.dryRun) return { kind: 'enter-lab-netns' };
  return { kind: 'run', lock: policy.changesLab && !opts.dryRun };
}
