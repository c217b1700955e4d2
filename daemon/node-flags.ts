// The flags node runs pgdaemon with (its systemd unit, and the tests that run the bundle).
/**
 * V8's young generation grows to two 16 MB semi-spaces under a steady allocation rate, and stays there: an idle
 * daemon's new space went from 2 to 32 MB resident within minutes (loopback, docs/measurements/daemon-footprint-*).
 * The daemon allocates little per cycle, so 1 MB semi-spaces only mean more, shorter scavenges.
 */
export const PGDAEMON_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1'];
