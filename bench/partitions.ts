/**
 * Partitions by community, in-process (issue 18 item 2): P worker threads,
 * each the ingest core of one partition (the real pipeline, journal, rules
 * processor and alarms: services/ingest/ingest.ts) over its own communities,
 * each fed batches as the broker thread hands them over, journaling and then
 * taking its rules step as a partition thread would. Two store shapes:
 *
 * - `shared`: every partition writes the one SQLite file (WAL; one writer at a
 *   time, each waits for the write lock: busy_timeout);
 * - `own`: each partition has its own SQLite file (the shape a partition needs
 *   to move to another process or machine, issue 19).
 *
 * Prints readings/s (all partitions, wall time of the slowest) and CPU µs per
 * reading (all threads), for P = 1, 2, 4 in each shape.
 *
 *   npx tsx bench/partitions.ts [readings=60000] [--p 1,2,4] [--shape shared,own] [--batch 250]
 *
 * Say plainly what the machine can show: with 2 cores, P = 2 can at most
 * double, and P = 4 only shows the cost of more threads than cores.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { openDatabase } from '../services/store/db.js';
import { createRepositories } from '../services/store/repositories.js';
import { applyRegistry } from '../services/store/registry-loader.js';
import { createIngest } from '../services/ingest/ingest.js';
import { parseRulesConfig } from '../services/rules/index.js';
import { createMetrics } from '../services/observability/metrics.js';
import { silentLogger } from '../services/observability/logger.js';
import { EventBus, InCommit } from '../services/events.js';
import { thermometerBatches } from './lib/readings.js';
import type { RegistryFile } from '../schemas/src/registry.js';

const COMMUNITIES = 20;
const DEVICES_PER_COMMUNITY = 10;
const communityId = (c: number) => `hc-${String(c).padStart(3, '0')}`;

function registryOf(communities: readonly number[]): RegistryFile {
  return {
    communities: communities.map((c) => ({
      id: communityId(c), name: communityId(c), propertyCompany: `company-${c % 3}`, timeZone: 'Asia/Shanghai', gates: [{ id: 'g1', name: 'g1' }], areas: [], staff: [],
      devices: Array.from({ length: DEVICES_PER_COMMUNITY }, (_, d) => ({ id: `therm-${c}-${d}`, kind: 'thermometer' as const, location: 'g1', secret: 'bench-secret-1', enabled: true })),
    })),
  };
}

interface PartitionInit {
  dbPath: string;
  communities: number[];
  readings: number;
  batch: number;
  applyRegistry: boolean;
}
interface PartitionResult {
  readings: number;
  cpuUs: number;
  wallMs: number;
}

async function partitionThread(init: PartitionInit): Promise<void> {
  const db = openDatabase(init.dbPath);
  const repos = createRepositories(db);
  if (init.applyRegistry) await applyRegistry(registryOf(init.communities), db, repos.registry, Date.now());
  const logger = silentLogger();
  const ingest = createIngest({
    db, ...repos, rulesConfig: parseRulesConfig({}), metrics: createMetrics(false), logger, bus: new EventBus(logger), inCommit: new InCommit(() => db.inTransaction),
    maxPayloadBytes: 65_536, factsRefreshMs: 60_000, retentionDays: 30,
  });
  ingest.rules.refreshLayouts();
  const devices = init.communities.flatMap((c) => Array.from({ length: DEVICES_PER_COMMUNITY }, (_, d) => ({ communityId: communityId(c), deviceId: `therm-${c}-${d}` })));
  const batch = thermometerBatches(devices, init.batch);
  const batches = Array.from({ length: Math.ceil(init.readings / init.batch) }, (_, k) => batch(k * init.batch));
  parentPort!.postMessage({ t: 'ready' });
  await new Promise<void>((resolve) => parentPort!.once('message', () => resolve()));
  const cpu0 = process.threadCpuUsage ? process.threadCpuUsage() : process.cpuUsage();
  const wall0 = performance.now();
  for (const b of batches) {
    ingest.processBatch(b);
    ingest.processors.drain();
  }
  const cpu = process.threadCpuUsage ? process.threadCpuUsage(cpu0) : process.cpuUsage(cpu0);
  const wallMs = performance.now() - wall0;
  ingest.stop();
  db.close();
  const result: PartitionResult = { readings: batches.length * init.batch, cpuUs: cpu.user + cpu.system, wallMs };
  parentPort!.postMessage({ t: 'done', result });
}

/** From source (tsx), a worker thread registers tsx's loader itself, then loads this file (as services/broker/thread.ts does). */
function startWorker(init: PartitionInit): Worker {
  const tsxApi = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const self = pathToFileURL(fileURLToPath(import.meta.url)).href;
  return new Worker(`import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(self)}); })`, { eval: true, workerData: init });
}

async function run(shape: 'shared' | 'own', p: number, total: number, batchSize: number): Promise<{ readingsPerS: number; cpuUsPerReading: number; stored: number }> {
  const dir = mkdtempSync(join(tmpdir(), `gw-partitions-${shape}-${p}-`));
  try {
    const groups = Array.from({ length: p }, (_, k) => Array.from({ length: COMMUNITIES }, (_, c) => c).filter((c) => c % p === k));
    if (shape === 'shared') {
      // The shared file's registry is written once, before the partitions start.
      const db = openDatabase(join(dir, 'gatewatch.sqlite'));
      await applyRegistry(registryOf(groups.flat()), db, createRepositories(db).registry, Date.now());
      db.close();
    }
    const workers = groups.map((communities, k) =>
      startWorker({ dbPath: join(dir, shape === 'shared' ? 'gatewatch.sqlite' : `partition-${k}.sqlite`), communities, readings: Math.ceil(total / p), batch: batchSize, applyRegistry: shape === 'own' }),
    );
    const next = (w: Worker, t: string) => new Promise<{ t: string; result?: PartitionResult }>((resolve, reject) => {
      const onMessage = (m: { t: string; result?: PartitionResult }) => {
        if (m.t === t) {
          w.off('message', onMessage);
          resolve(m);
        }
      };
      w.on('message', onMessage);
      w.once('error', reject);
    });
    await Promise.all(workers.map((w) => next(w, 'ready')));
    const done = workers.map((w) => next(w, 'done'));
    for (const w of workers) w.postMessage('go');
    const results = (await Promise.all(done)).map((m) => m.result!);
    await Promise.all(workers.map((w) => w.terminate()));
    const readings = results.reduce((s, r) => s + r.readings, 0);
    const wallMs = Math.max(...results.map((r) => r.wallMs));
    // Counted after every partition finished: the one table (shared), or each file (own).
    const files = shape === 'shared' ? ['gatewatch.sqlite'] : groups.map((_, k) => `partition-${k}.sqlite`);
    const stored = files.reduce((sum, f) => {
      const db = openDatabase(join(dir, f));
      const n = createRepositories(db).journal.countReadings();
      db.close();
      return sum + n;
    }, 0);
    return { readingsPerS: Math.round(readings / (wallMs / 1000)), cpuUsPerReading: Math.round((results.reduce((s, r) => s + r.cpuUs, 0) / readings) * 10) / 10, stored };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (isMainThread) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { p: { type: 'string', default: '1,2,4' }, shape: { type: 'string', default: 'shared,own' }, batch: { type: 'string', default: '250' } } });
  const total = Number(positionals[0] ?? 60_000);
  for (const shape of values.shape!.split(',') as ('shared' | 'own')[]) {
    for (const p of values.p!.split(',').map(Number)) {
      const r = await run(shape, p, total, Number(values.batch));
      console.log(JSON.stringify({ shape, partitions: p, readings: total, ...r }));
    }
  }
} else {
  await partitionThread(workerData as PartitionInit);
}
