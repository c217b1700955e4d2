// EtcdDcs against a real etcd: the watch that feeds the daemon's view stays up between changes.
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterKeys } from '../../../common/cluster-keys.js';
import { EtcdDcs } from '../../../daemon/etcd/dcs-etcd.js';
import type { WatchEvent } from '../../../daemon/dcs.js';
import { DaemonCluster, sleep, waitFor } from '../../support/daemon-cluster.js';

describe('EtcdDcs watch', () => {
  const c = new DaemonCluster({ etcdMembers: 1 });
  beforeAll(async () => {
    c.startEtcd();
    await c.waitEtcd();
  });
  afterAll(async () => {
    await c.cleanup();
  });

  it('outlives the call deadline, and reconnects after etcd restarts', async () => {
    const cluster = 'watch-test';
    const dcs = new EtcdDcs({ endpoints: [c.etcdUrl], cluster, callTimeoutMs: 300 });
    const writer = new Etcd3({ hosts: c.etcdUrl.replace(/^http:\/\//, '') });
    const events: WatchEvent[] = [];
    let resets = 0;
    try {
      await dcs.watch((e) => events.push(e), () => resets++);
      await sleep(200); // a 'connected' as the stream opens is not a reset of interest
      const resetsAtStart = resets;
      // Five call deadlines: a stream bound by the deadline would have ended (and reconnected) several times.
      await sleep(1500);
      expect(resets - resetsAtStart).toBe(0);
      const key = `${clusterKeys(cluster).prefix}probe`;
      await writer.put(key).value('one');
      await waitFor('the put as a watch event', async () => events.some((e) => e.key === key && e.value === 'one'), 5000, 20);

      // A restarted etcd ends the stream: the reset is reported and events flow again.
      c.stopEtcd();
      c.startEtcd();
      await c.waitEtcd();
      await waitFor('a reset after the restart', async () => resets > resetsAtStart, 10_000, 50);
      await writer.put(key).value('two');
      await waitFor('a watch event after the restart', async () => events.some((e) => e.key === key && e.value === 'two'), 15_000, 50);
    } finally {
      writer.close();
      await dcs.close();
    }
  }, 60_000);
});
