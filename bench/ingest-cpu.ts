/**
 * The main thread's cost per reading, in-process: the real runtime (SQLite,
 * pipeline, rules processor, alarms, InfluxDB projection) fed batches of
 * thermometer readings directly, without MQTT, so the figure is the main
 * thread's share alone. After each batch the rules processor takes what it
 * journaled (as the live loop does between batches), so the figure holds
 * what a reading causes, not the journal write alone. Prints CPU and wall µs
 * per reading.
 *
 *   npx tsx bench/ingest-cpu.ts [readings=60000] [--influx | --influx-url URL] [--no-tenants] [--batch 500]
 *
 * --influx turns InfluxDB on against a closed port (as during an outage:
 * before issue 18's readings processor the outbox filled; now only the
 * processor's lag grows). --influx-url writes to a real server and includes
 * the delivery: the clock stops once every reading's point was written (outbox
 * empty, no lag), so the InfluxDB client's work (lines, gzip, HTTP) counts.
 * --no-tenants sets GW_INFLUX_TENANT_DATABASES=false.
 * The machine is shared: run variants alternately, more than once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadStartupConfig, startRuntime } from '../services/runtime.js';
import { silentLogger } from '../services/observability/logger.js';
import { applyRegistry } from '../services/store/registry-loader.js';
import { createRegistryRepo } from '../services/store/registry-repo.js';
import type { ReceivedMessage } from '../services/domain/received-message.js';
import { thermometerBatches } from './lib/readings.js';
import type { RegistryFile } from '../schemas/src/registry.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { influx: { type: 'boolean' }, 'influx-url': { type: 'string' }, 'no-tenants': { type: 'boolean' }, batch: { type: 'string' } },
});
const influxUrl = values['influx-url'] ?? (values.influx ? 'http://127.0.0.1:9' : undefined);
const n = Number(positionals[0] ?? 60_000);
const batchSize = Number(values.batch ?? 500);
const WARM_UP = 20_000;

const communityId = (c: number) => `hc-${String(c).padStart(3, '0')}`;
const devices = Array.from({ length: 200 }, (_, i) => ({ communityId: communityId(Math.floor(i / 10)), deviceId: `therm-${i}` }));
const registry: RegistryFile = {
  communities: Array.from({ length: 20 }, (_, c) => ({
    id: communityId(c), name: communityId(c), propertyCompany: `company-${c % 3}`, timeZone: 'Asia/Shanghai', gates: [{ id: 'g1', name: 'g1' }], areas: [], staff: [],
    devices: devices.filter((d) => d.communityId === communityId(c)).map((d) => ({ id: d.deviceId, kind: 'thermometer' as const, location: 'g1', secret: 'bench-secret-1', enabled: true })),
  })),
};

const dir = mkdtempSync(join(tmpdir(), 'gw-ingest-cpu-'));
const env: NodeJS.ProcessEnv = { GW_MQTT_HOST: '127.0.0.1', GW_MQTT_PORT: '0', GW_HTTP_HOST: '127.0.0.1', GW_HTTP_PORT: '0', GW_DATA_DIR: dir, GW_LOG_LEVEL: 'silent' };
if (influxUrl) Object.assign(env, { GW_INFLUX_URL: influxUrl, GW_INFLUX_DB: `bench_cpu_${process.pid}`, GW_INFLUX_TENANT_DATABASES: values['no-tenants'] ? 'false' : 'true' });
const runtime = await startRuntime(loadStartupConfig(env), silentLogger());
await applyRegistry(registry, runtime.db, createRegistryRepo(runtime.db), Date.now());
runtime.ingest.rules.refreshLayouts();

/** One batch as the broker thread hands it over (bench/lib/readings.ts). */
const batch = thermometerBatches(devices, batchSize);

/** One batch journaled, then what the rules processor makes of it; a turn of the event loop between batches (the InfluxDB writes' I/O). */
async function feed(b: ReceivedMessage[]): Promise<void> {
  runtime.ingest.processBatch(b);
  runtime.ingest.processors.drain();
  await new Promise((r) => setImmediate(r));
}

/** Delivery is done: nothing in the outbox, no journal row the readings processor has not taken. */
async function delivered(): Promise<boolean> {
  const metrics = (await runtime.http.inject({ method: 'GET', url: '/metrics' })).body;
  const gauge = (re: RegExp) => Number(re.exec(metrics)?.[1] ?? 0);
  return gauge(/^gatewatch_influx_outbox_depth (\d+)/m) === 0 && gauge(/^gatewatch_processor_lag_readings\{processor="influx.readings"\} (\d+)/m) === 0;
}
async function untilDelivered(): Promise<void> {
  if (!values['influx-url']) return;
  const deadline = Date.now() + 600_000;
  while (!(await delivered())) {
    if (Date.now() > deadline) throw new Error('InfluxDB delivery did not finish in 10 minutes');
    await new Promise((r) => setTimeout(r, 50));
  }
}

for (let i = 0; i < WARM_UP; i += batchSize) await feed(batch(i));
await untilDelivered();
const batches = Array.from({ length: Math.ceil(n / batchSize) }, (_, k) => batch(WARM_UP + k * batchSize));
const cpu0 = process.cpuUsage();
const wall0 = performance.now();
for (const b of batches) await feed(b);
await untilDelivered();
const cpu = process.cpuUsage(cpu0);
const wallMs = performance.now() - wall0;
const total = batches.length * batchSize;
const stored = runtime.db.prepare('SELECT COUNT(*) FROM readings').pluck().get() as number;
console.log(JSON.stringify({
  readings: total, stored: stored - WARM_UP, influx: influxUrl === undefined ? false : values['influx-url'] ? 'server' : 'closed port', tenants: influxUrl !== undefined && !values['no-tenants'], batch: batchSize,
  cpuUsPerReading: Math.round(((cpu.user + cpu.system) / total) * 10) / 10, wallUsPerReading: Math.round(((wallMs * 1000) / total) * 10) / 10,
}));
await runtime.stop();
rmSync(dir, { recursive: true, force: true });
