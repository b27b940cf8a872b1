/**
 * The V8 heap each thread of the service runs with, and its gauges.
 *
 * Why bounded: under a flood almost all of what the service allocates is
 * garbage (parsed packets, payload copies, rows), and V8 sizes its heap from
 * the machine, not from what is live. On a 24 GiB box each isolate may grow
 * its young generation to two 64 MiB semi-spaces, and its old generation to
 * 4x the live size before a full GC (the growing factor is 4 for old
 * generations of 2 GiB and more, 1.3-2 below). The flood test measured peak
 * RSS growing with the readings it took (585-730 MiB) while the heap after a
 * forced GC stayed at 30-37 MiB (main) and 17-31 MiB (broker); with this bound
 * the same flood peaked at 356-434 MiB (services/broker/README.md, "Memory").
 *
 * One bound for both isolates (main: ingest, rules state, API; broker:
 * aedes, connections). The main isolate is sized before any JavaScript runs,
 * so its bound is node flags, HEAP_NODE_OPTIONS, set where the service is
 * started (npm start, the Dockerfile's NODE_OPTIONS, docker-compose.yml).
 * Those V8 flags are process-wide and override a Worker's `resourceLimits`
 * (measured on Node 24), so the broker thread gets the same bound from them;
 * broker/thread.ts passes it as `resourceLimits` too, for a start without the
 * flags (an in-process test, `node dist/services/main.js` by hand).
 */
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';
import { Gauge, type Registry } from 'prom-client';

export interface HeapBound {
  /** Old generation, MiB: what is live plus the garbage V8 lets accumulate before a full GC. */
  oldMb: number;
  /** One semi-space, MiB: the young generation is two of them plus as much again for new large objects. */
  semiMb: number;
}

/**
 * Old: the main thread's rules state holds the retained days of readings,
 * 60-112 bytes each (BENCHMARKS.md), so 1 GiB keeps about 8 million of them;
 * a larger county raises --max-old-space-size. Nothing in the broker thread
 * grows with readings (17 MiB idle, 28-31 MiB with the flood's 100
 * connections). Semi-spaces of 16 MiB were Node's default before it scaled
 * them with the machine's memory.
 */
export const HEAP_BOUND: HeapBound = { oldMb: 1024, semiMb: 16 };

/** The node flags that give an isolate HEAP_BOUND (also in package.json, the Dockerfile and docker-compose.yml). */
export const HEAP_NODE_OPTIONS = `--max-old-space-size=${HEAP_BOUND.oldMb} --max-semi-space-size=${HEAP_BOUND.semiMb}`;

/** V8's young generation for a semi-space size: two semi-spaces and the new large-object space. */
export const youngGenerationMb = (b: HeapBound): number => 3 * b.semiMb;

/** What V8 reports as heap_size_limit for a bound: old plus young generation. */
export const heapLimitBytes = (b: HeapBound): number => (b.oldMb + youngGenerationMb(b)) * 1024 * 1024;

/**
 * `gatewatch_<thread>_heap_bytes{kind}` of the calling thread's isolate: used, committed (V8's
 * total_heap_size), young_committed (new space), external (ArrayBuffers, Buffers) and limit.
 * One metric name per thread: the broker thread's registry is printed after the main one on
 * /metrics, and one family may not appear twice there.
 */
export function registerHeapMetrics(registry: Registry, thread: 'main' | 'broker' | 'partition'): void {
  new Gauge({
    name: `gatewatch_${thread}_heap_bytes`,
    help: `V8 heap of the ${thread} thread, by kind (used, committed, young_committed, external, limit)`,
    labelNames: ['kind'],
    registers: [registry],
    collect() {
      const h = getHeapStatistics();
      const young = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
      this.set({ kind: 'used' }, h.used_heap_size);
      this.set({ kind: 'committed' }, h.total_heap_size);
      this.set({ kind: 'young_committed' }, young?.space_size ?? 0);
      this.set({ kind: 'external' }, h.external_memory);
      this.set({ kind: 'limit' }, h.heap_size_limit);
    },
  });
}
