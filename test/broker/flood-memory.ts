/**
 * The memory side of test/broker/flood.test.ts: samples the service's
 * /metrics every SAMPLE_MS while the flood goes on and for a while after it.
 * The flooders' sockets are gone then, but the service still reads and
 * commits what was buffered for them (kernel socket buffers, FrameGuard), for
 * seconds, and its memory rose there too: unbounded, 500 -> 581 MiB in the 8 s
 * after a flood (the test used to stop sampling 1 s after it). Keeps the
 * peaks of process RSS and of each thread's V8 heap
 * (gatewatch_{main,broker}_heap_bytes, services/observability/heap.ts).
 */
import { sample, sleep } from './helpers.js';

const SAMPLE_MS = 500;
const MiB = 1024 * 1024;

export interface ThreadPeaks {
  committed: number;
  youngCommitted: number;
  used: number;
  external: number;
  limit: number;
}

export interface MemoryPeaks {
  rss: number;
  rssSamples: number[];
  main: ThreadPeaks;
  broker: ThreadPeaks;
}

const noPeaks = (): ThreadPeaks => ({ committed: 0, youngCommitted: 0, used: 0, external: 0, limit: 0 });

function record(text: string, peaks: MemoryPeaks): void {
  const rss = sample(text, 'gatewatch_process_resident_memory_bytes');
  peaks.rss = Math.max(peaks.rss, rss);
  peaks.rssSamples.push(rss);
  for (const thread of ['main', 'broker'] as const) {
    const p = peaks[thread];
    const of = (kind: string) => sample(text, `gatewatch_${thread}_heap_bytes`, { kind });
    p.committed = Math.max(p.committed, of('committed'));
    p.youngCommitted = Math.max(p.youngCommitted, of('young_committed'));
    p.used = Math.max(p.used, of('used'));
    p.external = Math.max(p.external, of('external'));
    p.limit = of('limit');
  }
}

export function sampleMemory(metrics: () => Promise<string>) {
  const peaks: MemoryPeaks = { rss: 0, rssSamples: [], main: noPeaks(), broker: noPeaks() };
  let stopped = false;
  let inflight = 0;
  const done = (async () => {
    while (!stopped) {
      const text = await metrics();
      record(text, peaks);
      inflight = sample(text, 'gatewatch_mqtt_inflight_messages');
      await sleep(SAMPLE_MS);
    }
  })();
  done.catch(() => {}); // a failed scrape is reported by finish()
  return {
    peaks,
    /** Samples `afterMs` more, then stops; resolves with the messages still in flight at the last sample. */
    async finish(afterMs: number): Promise<{ inflight: number }> {
      await Promise.race([done, sleep(afterMs)]);
      stopped = true;
      await done;
      return { inflight };
    },
  };
}

/** MiB, rounded, for the summary line. */
export const mib = (bytes: number): number => Math.round(bytes / MiB);
