/**
 * The heap bound the flood test relies on (services/observability/heap.ts)
 * is where the service is started, and means what it says: the node flags of
 * `npm start`, the image and compose are HEAP_NODE_OPTIONS; V8's limit under
 * them is what heapLimitBytes computes; they bound a worker thread too,
 * whatever its resourceLimits (why there is one bound for both threads); and
 * the per-thread gauges the flood test reads report them.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import { Registry } from 'prom-client';
import { ROOT } from '../support/process.js';
import { HEAP_BOUND, HEAP_NODE_OPTIONS, heapLimitBytes, registerHeapMetrics } from '../../services/observability/heap.js';
import { sample } from './helpers.js';

const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

/** heap_size_limit of the main thread and of a worker started with `resourceLimits`, in a node run with `flags`. */
function heapLimits(flags: string[], resourceLimits: object): { main: number; worker: number } {
  const script = `
    const { Worker } = require('node:worker_threads');
    const limit = () => require('node:v8').getHeapStatistics().heap_size_limit;
    const w = new Worker("require('node:worker_threads').parentPort.postMessage(require('node:v8').getHeapStatistics().heap_size_limit)", { eval: true, resourceLimits: ${JSON.stringify(resourceLimits)} });
    w.once('message', (worker) => { console.log(JSON.stringify({ main: limit(), worker })); w.terminate(); });`;
  const res = spawnSync(process.execPath, [...flags, '-e', script], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  expect(res.stderr).toBe('');
  return JSON.parse(res.stdout) as { main: number; worker: number };
}

describe('heap bound', () => {
  it('is the same node flags in npm start, the Dockerfile and docker-compose.yml', () => {
    expect(HEAP_NODE_OPTIONS).toBe('--max-old-space-size=1024 --max-semi-space-size=16');
    const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toBe(`node ${HEAP_NODE_OPTIONS} --import tsx services/main.ts`);
    const finalStage = read('Dockerfile').split(/^FROM /m).at(-1)!;
    expect(finalStage).toContain(`NODE_OPTIONS="${HEAP_NODE_OPTIONS}"`);
    const gatewatch = read('docker-compose.yml').split(/^ {2}gatewatch:$/m)[1]!.split(/^ {2}\S/m)[0]!;
    expect(gatewatch).toContain(`      NODE_OPTIONS: "${HEAP_NODE_OPTIONS}"`);
  });

  it('gives each thread the limit heapLimitBytes computes, overriding a worker thread\'s resourceLimits', () => {
    const bounded = heapLimits(HEAP_NODE_OPTIONS.split(' '), { maxOldGenerationSizeMb: 256, maxYoungGenerationSizeMb: 24 });
    expect(bounded).toEqual({ main: heapLimitBytes(HEAP_BOUND), worker: heapLimitBytes(HEAP_BOUND) });
    expect(heapLimitBytes(HEAP_BOUND)).toBe(1072 * 1024 * 1024);
    // Without the flags the worker's resourceLimits decide (broker/thread.ts passes HEAP_BOUND for such a start).
    const unflagged = heapLimits([], { maxOldGenerationSizeMb: HEAP_BOUND.oldMb, maxYoungGenerationSizeMb: 3 * HEAP_BOUND.semiMb });
    expect(unflagged.worker).toBe(heapLimitBytes(HEAP_BOUND));
  });

  it('is on /metrics per thread: gatewatch_<thread>_heap_bytes{kind}, the limit as V8 reports it', async () => {
    const registry = new Registry();
    registerHeapMetrics(registry, 'broker');
    const text = await registry.metrics();
    const kinds = [...text.matchAll(/^gatewatch_broker_heap_bytes\{kind="(\w+)"\} /gm)].map((m) => m[1]);
    expect(kinds).toEqual(['used', 'committed', 'young_committed', 'external', 'limit']);
    expect(sample(text, 'gatewatch_broker_heap_bytes', { kind: 'limit' })).toBe(getHeapStatistics().heap_size_limit);
    expect(sample(text, 'gatewatch_broker_heap_bytes', { kind: 'used' })).toBeGreaterThan(0);
  });
});
