// What the daemon process costs, for /status: resident memory split into V8's heap and the rest, and CPU so far.
import { getHeapStatistics } from 'node:v8';

const MB = 1024 * 1024;
const round = (bytes: number) => Math.round((bytes / MB) * 10) / 10;

export interface ProcessFootprint {
  uptimeSeconds: number;
  /** CPU seconds (user + system) since the start. */
  cpuSeconds: number;
  rssMB: number;
  /** V8's heap: live objects and garbage not collected yet (used), and the pages it holds (physical). */
  heapUsedMB: number;
  heapPhysicalMB: number;
  /** Memory outside the heap held by JS objects (Buffers, sockets' buffers). */
  externalMB: number;
}

export function processFootprint(): ProcessFootprint {
  const mem = process.memoryUsage();
  const heap = getHeapStatistics();
  const cpu = process.cpuUsage();
  return {
    uptimeSeconds: Math.round(process.uptime()),
    cpuSeconds: Math.round((cpu.user + cpu.system) / 1e4) / 100,
    rssMB: round(mem.rss),
    heapUsedMB: round(heap.used_heap_size),
    heapPhysicalMB: round(heap.total_physical_size),
    externalMB: round(mem.external),
  };
}
