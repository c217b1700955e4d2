// A separate process that stops PostgreSQL immediately when the daemon stops feeding it (dead, frozen, or lease unconfirmed).
import { spawn, type ChildProcess } from 'node:child_process';

/** The watchdog's rules, shared with the simulator's watchdog (test/sim/sim-watchdog.ts). */
export const WATCHDOG_RULES = {
  /** The shortest budget it is given: a budget already spent still waits this long (it is written in seconds, 3 decimals). */
  minBudgetMs: 10,
  /** After the immediate shutdown (SIGQUIT), how long the postmaster has before SIGKILL of its whole tree. */
  killAfterMs: 300,
} as const;

/** A budget as the watchdog reads it: seconds with 3 decimals, never below the floor. */
export function budgetSeconds(ms: number): string {
  return (Math.max(WATCHDOG_RULES.minBudgetMs, ms) / 1000).toFixed(3);
}

// Waits on a monotonic clock (bash's `read -t` computes its deadline from the wall clock, so a clock step fired it
// early or held it off). A new budget per line; EOF (the daemon is gone) or a budget run out: fence now. First an
// immediate shutdown (SIGQUIT to the postmaster, as pg_ctl stop -m immediate): the walsenders' last sends then
// usually get out, and a plain SIGKILL of everything lost an acknowledged async commit in a test that never lost one
// before. A server still there after 300 ms is frozen or stuck: SIGKILL to the postmaster and every descendant.
// Each backend calls setsid(), so a process-group kill would miss them: the postmaster is stopped first (no new
// children), then its tree is read from /proc and killed.
const SCRIPT = String.raw`
use strict; use Time::HiRes qw(clock_gettime CLOCK_MONOTONIC);
my ($budget, $datadir) = @ARGV;
my $deadline = clock_gettime(CLOCK_MONOTONIC) + $budget;
my $buf = '';
while (1) {
  my $left = $deadline - clock_gettime(CLOCK_MONOTONIC);
  last if $left <= 0;
  my $rin = ''; vec($rin, fileno(STDIN), 1) = 1;
  next if select(my $rout = $rin, undef, undef, $left) <= 0;
  my $got = sysread(STDIN, my $chunk, 4096);
  last unless $got;
  $buf .= $chunk;
  while ($buf =~ s/^([^\n]*)\n//) { my $t = $1; $deadline = clock_gettime(CLOCK_MONOTONIC) + $t if $t =~ /^[0-9.]+$/; }
}
open(my $f, '<', "$datadir/postmaster.pid") or exit 0;
my $pid = <$f>; chomp $pid;
exit 0 unless defined $pid && $pid =~ /^\d+$/ && $pid > 1;
open(my $s, '<', "/proc/$pid/comm") or exit 0;
my $comm = <$s>; chomp $comm;
exit 0 unless $comm =~ /^postgres/;
sub gone { open(my $st, '<', "/proc/$pid/stat") or return 1; my $l = <$st>; return !defined $l || $l =~ /\) [ZX] /; }
kill 'QUIT', $pid;
my $end = clock_gettime(CLOCK_MONOTONIC) + ${WATCHDOG_RULES.killAfterMs / 1000};
while (clock_gettime(CLOCK_MONOTONIC) < $end) { exit 0 if gone(); select(undef, undef, undef, 0.01); }
kill 'STOP', $pid;
my %kids;
opendir(my $d, '/proc');
for my $p (grep { /^\d+$/ } readdir $d) {
  open(my $st, '<', "/proc/$p/stat") or next;
  my $line = <$st>;
  push @{$kids{$1}}, $p if defined $line && $line =~ /\) \S+ (\d+)/;
}
my @all = ($pid);
for (my $i = 0; $i < @all; $i++) { push @all, @{$kids{$all[$i]} // []}; }
kill 'KILL', @all;
`;

/**
 * The in-process fencing timer cannot fire if the daemon is killed or frozen (SIGSTOP, swap
 * storm); PostgreSQL would keep taking writes. This watchdog is fed the remaining lease budget after
 * every confirmed renewal; for a replica it is fed a day, so only the daemon's death stops it.
 */
export class FenceWatchdog {
  private child: ChildProcess | null = null;

  constructor(private readonly dataDir: string) {}

  private firedSinceAsked = false;

  arm(budgetMs: number): void {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) return this.feed(budgetMs);
    const child = spawn('perl', ['-e', SCRIPT, budgetSeconds(budgetMs), this.dataDir], {
      stdio: ['pipe', 'ignore', 'ignore'],
      detached: true,
    });
    child.stdin?.on('error', () => undefined);
    // Exiting by itself means it fenced (disarm forgets the child first).
    child.on('exit', () => {
      if (this.child === child) this.firedSinceAsked = true;
    });
    child.unref();
    this.child = child;
  }

  /** Whether the watchdog fenced since the last call: postgres stopped by it is a fence, not a crash. */
  takeFired(): boolean {
    const fired = this.firedSinceAsked;
    this.firedSinceAsked = false;
    return fired;
  }

  armed(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  feed(budgetMs: number): void {
    this.child?.stdin?.write(budgetSeconds(budgetMs) + '\n');
  }

  /** Call only after PostgreSQL was stopped on purpose (a clean stop must not be turned into an immediate one). */
  disarm(): void {
    const child = this.child;
    this.child = null;
    if (child && child.exitCode === null) child.kill('SIGKILL');
  }
}

