// Keeps an idle daemon's resident memory near its live size (docs/pgdaemon.md, "Footprint").

/**
 * The unit sets GLIBC_TUNABLES=glibc.malloc.mmap_threshold=131072 for node: glibc raises its mmap and trim thresholds
 * each time a large block is freed, and V8's parser zones (compiling the bundle at start) pushed them so high that
 * 4–5 MB of freed memory stayed in the malloc heap for good (9.1 instead of 3.5 MB of [heap] in a lab machine).
 * Fixed at glibc's own initial 128 KB, large blocks go back to the kernel when freed. The tunable is for this
 * process only: PostgreSQL, which the daemon starts, keeps glibc's defaults for its own large allocations.
 */
export function keepMallocTunablesToSelf(env: NodeJS.ProcessEnv = process.env): void {
  delete env['GLIBC_TUNABLES'];
}

/** How often a full GC runs (with node's --expose-gc; the unit passes it). */
export const FULL_GC_EVERY_MS = 60_000;

/**
 * V8 lets an idle daemon's old generation fill with garbage up to twice its live size before it collects (8 → 14 MB,
 * every few minutes), and keeps the pages. A full GC every minute holds it at the live size: 10–14 ms of pause, well
 * inside the lease's renewal slack, no measurable CPU (lab, 3 × 60 s windows).
 */
export function startPeriodicFullGc(everyMs = FULL_GC_EVERY_MS): (() => void) | null {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== 'function') return null;
  const timer = setInterval(() => gc(), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
