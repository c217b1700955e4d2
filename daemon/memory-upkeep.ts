// Keeps an idle daemon's resident memory near its live size (docs/pgdaemon.md, "Footprint").

/**
 * The unit sets GLIBC_TUNABLES=glibc.malloc.mmap_threshold=65536 for node. A threshold fixed at all keeps glibc from
 * raising it each time a large block is freed: V8's parser zones (compiling the bundle at start) pushed it so high
 * that 4–5 MB of freed memory stayed in the malloc heap for good (9.1 instead of 3.5 MB of [heap] in a lab machine).
 * 64 KB rather than glibc's initial 128 KB: node gives every socket read a 64 KB block and shrinks it to what arrived,
 * and those blocks, carved from the heap and held for a while by the buffers they became, grew it 0.1–0.3 MB a minute
 * (3.3 → 4.7 MB in 7 minutes of writes; 3.26 MB flat beside it at 64 KB, where each is mmapped and unmapped:
 * docs/measurements/daemon-mmap-threshold-ab.txt). The tunable is for this process only: PostgreSQL, which the
 * daemon starts, keeps glibc's defaults for its own large allocations.
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
