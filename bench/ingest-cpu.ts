/**
 * The ingest thread's cost per reading, in-process: the real runtime (SQLite,
 * pipeline, rules, alarms, InfluxDB outbox) fed batches of thermometer
 * readings directly, without MQTT, so the figure is the main thread's share
 * alone. Prints CPU and wall µs per reading.
 *
 *   npx tsx bench/ingest-cpu.ts [readings=60000] [--influx] [--no-tenants] [--batch 500]
 *
 * --influx turns the InfluxDB sink on against a closed port (the outbox only
 * fills, as during an outage); --no-tenants sets GW_INFLUX_TENANT_DATABASES=false.
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
import type { RegistryFile } from '../schemas/src/registry.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { influx: { type: 'boolean' }, 'no-tenants': { type: 'boolean' }, batch: { type: 'string' } } });
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
if (values.influx) Object.assign(env, { GW_INFLUX_URL: 'http://127.0.0.1:9', GW_INFLUX_DB: 'bench', GW_INFLUX_TENANT_DATABASES: values['no-tenants'] ? 'false' : 'true' });
const runtime = await startRuntime(loadStartupConfig(env), silentLogger());
await applyRegistry(registry, runtime.db, createRegistryRepo(runtime.db), Date.now());
runtime.ingest.rules.refreshLayouts();

const seqs = new Map<string, number>();
const t0 = Date.now();
/** One batch as the broker thread hands it over: a fever in 400, a new person every reading. */
function batch(from: number): ReceivedMessage[] {
  return Array.from({ length: batchSize }, (_, j) => {
    const i = from + j;
    const d = devices[i % devices.length]!;
    const seq = (seqs.get(d.deviceId) ?? 0) + 1;
    seqs.set(d.deviceId, seq);
    const payload = { seq, ts: new Date(t0 - 1000 + i / 100).toISOString(), gateId: 'g1', temperatureC: i % 400 === 0 ? 38.5 : 36.5, subject: 'resident', personRef: `p-${String(i % 100_000).padStart(6, '0')}` };
    return { receivedAt: Date.now(), clientId: d.deviceId, topic: `gatewatch/v1/${d.communityId}/${d.deviceId}/temperature`, payload: Buffer.from(JSON.stringify(payload)), qos: 1 };
  });
}

for (let i = 0; i < WARM_UP; i += batchSize) runtime.ingest.processBatch(batch(i));
const batches = Array.from({ length: Math.ceil(n / batchSize) }, (_, k) => batch(WARM_UP + k * batchSize));
const cpu0 = process.cpuUsage();
const wall0 = performance.now();
for (const b of batches) runtime.ingest.processBatch(b);
const cpu = process.cpuUsage(cpu0);
const wallMs = performance.now() - wall0;
const total = batches.length * batchSize;
const stored = runtime.db.prepare('SELECT COUNT(*) FROM readings').pluck().get() as number;
console.log(JSON.stringify({
  readings: total, stored: stored - WARM_UP, influx: Boolean(values.influx), tenants: Boolean(values.influx) && !values['no-tenants'], batch: batchSize,
  cpuUsPerReading: Math.round(((cpu.user + cpu.system) / total) * 10) / 10, wallUsPerReading: Math.round(((wallMs * 1000) / total) * 10) / 10,
}));
await runtime.stop();
rmSync(dir, { recursive: true, force: true });
