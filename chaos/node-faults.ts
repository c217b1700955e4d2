// Faults inside one PostgreSQL machine, as commands run there: cut its replication link, freeze its postgres, kill
// its daemon. Each comes with the command that undoes it; nft tables are named per fault so two never collide.
import { dropPeersScript, dropTableScript, liftTableScript, PARTITION_TABLE } from './partition.js';

/** The nft table of `cut-replication`; a different name from `partition`'s, so lifting one never lifts the other. */
export const CUT_TABLE = `${PARTITION_TABLE}_cut`;

/** Drops every packet between this machine and `peers` (both directions), replacing an earlier cut. */
export function cutScript(peers: readonly string[]): string {
  return dropPeersScript(CUT_TABLE, peers);
}

export function liftCutScript(): string {
  return liftTableScript(CUT_TABLE);
}

/** The nft table of `isolate`: everything but loopback dropped. */
export const ISOLATE_TABLE = `${PARTITION_TABLE}_isolate`;

export function isolateScript(): string {
  return dropTableScript(ISOLATE_TABLE, 'oifname != "lo" drop', 'iifname != "lo" drop');
}

export function liftIsolateScript(): string {
  return liftTableScript(ISOLATE_TABLE);
}

/** The file `disk-full` fills the data file system with; `chaos heal` removes it too. */
export const DISK_FILLER = '/var/lib/postgresql/pglab-chaos-filler';

/** Fills the data file system to the last block. */
export const FILL_DISK_COMMAND = ['sh', '-c', `avail=$(df --output=avail -B1 /var/lib/postgresql | tail -1); fallocate -l "$avail" ${DISK_FILLER} || true`];

/** Exits 0 when the data directory's parent is a file system of its own (labs made before data volumes: not). */
export const HAS_DATA_VOLUME_COMMAND = ['mountpoint', '-q', '/var/lib/postgresql'];

/** tc commands that cap the machine's egress on host0 (its only link), and that remove the cap. */
export function slowNetworkCommands(rate: string): { apply: string[]; lift: string[] } {
  if (!/^\d+(\.\d+)?(bit|kbit|mbit|gbit)$/.test(rate)) throw new Error(`bad rate "${rate}" (write e.g. 1mbit, 512kbit)`);
  return {
    apply: ['tc', 'qdisc', 'replace', 'dev', 'host0', 'root', 'tbf', 'rate', rate, 'burst', '32kbit', 'latency', '400ms'],
    lift: ['sh', '-c', 'tc qdisc del dev host0 root 2>/dev/null; true'],
  };
}

/** The etcd member whose status names itself as leader, from `etcdctl endpoint status -w json`. */
export function etcdLeaderEndpoint(statusJson: string): string | null {
  const rows = JSON.parse(statusJson) as { Endpoint: string; Status: { header: { member_id: number | string }; leader: number | string } }[];
  const leader = rows.find((r) => String(r.Status.header.member_id) === String(r.Status.leader));
  return leader?.Endpoint ?? null;
}

/** SIGSTOP (or SIGCONT) every PostgreSQL process; the daemon (node) and its watchdog (perl) keep running. */
export function signalPostgresCommand(signal: 'STOP' | 'CONT'): string[] {
  // pkill exits 1 when nothing matched (e.g. postgres was killed meanwhile): not an error for a thaw.
  return ['sh', '-c', `pkill -${signal} -x postgres; true`];
}

/**
 * SIGKILL of the HA manager's main process only: systemd restarts it. pgdaemon's unit (KillMode=mixed) takes its
 * postgres along; Debian's patroni.service (KillMode=process) leaves PostgreSQL running for the next Patroni.
 */
export function killDaemonCommand(unit: string): string[] {
  if (!/^[a-z0-9@_.-]+$/.test(unit)) throw new Error(`not a unit name: ${unit}`);
  return ['sh', '-c', `kill -9 "$(systemctl show -p MainPID --value ${unit})"`];
}

/** pgdaemon's. */
export const KILL_DAEMON_COMMAND = killDaemonCommand('pgdaemon');

/**
 * Identity of a node's data directory: a re-clone (pg_basebackup) makes a new PG_VERSION, a rewind rewrites it in
 * place. The inode number alone can come back (ext4 hands a freed inode to the next new file: seen after a reinit);
 * with the inode's generation, which ext4 changes on every reuse, it cannot.
 */
export const DATA_DIR_IDENTITY_COMMAND = ['sh', '-c', 'f=/var/lib/postgresql/pglab/PG_VERSION; echo "$(stat -c %i "$f"):$(lsattr -v "$f" | cut -d" " -f1)"'];
