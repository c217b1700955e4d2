// The flags node runs pgdaemon with (its systemd unit, and the tests that run the bundle).
/**
 * --max-semi-space-size=1: V8's young generation grows to two 16 MB semi-spaces under a steady allocation rate, and
 * stays there: an idle daemon's new space went from 2 to 32 MB resident within minutes (loopback,
 * docs/measurements/daemon-footprint-*). The daemon allocates little per cycle, so 1 MB semi-spaces only mean more,
 * shorter scavenges.
 *
 * --jitless: interpreter only. The daemon's time goes to node's own sockets, timers and GC, not to hot JS: idle it
 * used the same CPU without the JIT (2.43 vs 2.47 % of a core, loopback, 3 daemons, 60 s), and 60 instead of 75 MB
 * resident (no compiled code, no compiler zones, fewer of node's binary pages touched); with the JIT its resident
 * size also grew by 12 MB in the first minutes of an idle run as functions got optimized
 * (docs/measurements/daemon-footprint-jitless.txt). It turns WebAssembly off, which nothing in the bundle needs
 * (the `long` package's wasm path falls back to JS); --no-expose-wasm says so, instead of a warning at every start.
 *
 * --expose-gc: the daemon runs a full GC every minute (daemon/memory-upkeep.ts).
 */
export const PGDAEMON_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1', '--jitless', '--no-expose-wasm', '--expose-gc'];

/** The environment node runs pgdaemon with: see keepMallocTunablesToSelf in daemon/memory-upkeep.ts. */
export const PGDAEMON_NODE_ENV: Readonly<Record<string, string>> = { GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=65536' };
