/**
 * Opt-in memory probe for test/broker/flood.test.ts (GW_FLOOD_PROBE=<file>):
 * preloaded into the service (`--expose-gc --import` this file, by node's own
 * type stripping), it appends one JSON line per thread every 500 ms to <file>:
 * process RSS and the thread's heap used / committed, ArrayBuffers and the
 * used / committed size of each heap space. On SIGUSR2 it forces a full GC in
 * both threads and records the heap before and after it, which tells live
 * memory from garbage. The broker thread is reached by prefixing its eval'd
 * entry (broker/thread.ts) with the same sampler; the two talk over a
 * BroadcastChannel. How the "Memory" runs of services/broker/README.md were made.
 */
import { createRequire, syncBuiltinESMExports } from 'node:module';
import type * as V8 from 'node:v8';
import type * as Fs from 'node:fs';
import type * as Threads from 'node:worker_threads';

const require = createRequire(import.meta.url);

/** Runs in each thread (its source is eval'd in the broker thread): samples, and GCs on 'gc'. */
function probe(thread: string): void {
  const v8 = require('node:v8') as typeof V8;
  const fs = require('node:fs') as typeof Fs;
  const { BroadcastChannel } = require('node:worker_threads') as typeof Threads;
  const out = process.env.GW_FLOOD_PROBE as string;
  const record = (kind: string) => {
    const m = process.memoryUsage();
    const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().filter((s) => s.space_size > 0).map((s) => [s.space_name, [s.space_used_size, s.space_size]]));
    fs.appendFileSync(out, `${JSON.stringify({ kind, thread, at: Date.now(), rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, arrayBuffers: m.arrayBuffers, spaces })}\n`);
  };
  const gc = () => {
    record('before_gc');
    (globalThis as unknown as { gc: () => void }).gc();
    record('after_gc');
  };
  setInterval(() => record('sample'), 500).unref();
  const channel = new BroadcastChannel('gatewatch-flood-probe');
  channel.unref();
  channel.onmessage = gc;
  if (thread === 'main') {
    process.on('SIGUSR2', () => {
      channel.postMessage('gc');
      gc();
    });
  }
}

const threads = require('node:worker_threads') as typeof Threads;
if (threads.isMainThread && process.env.GW_FLOOD_PROBE) {
  probe('main');
  const Original = threads.Worker;
  threads.Worker = class extends Original {
    constructor(code: string | URL, options?: Threads.WorkerOptions) {
      super(options?.eval ? `(${probe.toString()})('broker');\n${String(code)}` : code, options);
    }
  };
  syncBuiltinESMExports();
}
