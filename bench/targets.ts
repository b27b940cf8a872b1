/**
 * The systems under test, each behind one shape: where devices connect, which
 * devices exist, how many readings it has stored since a mark (counted in its
 * own store after the fact), and its processes (for RSS and stopping).
 *
 * - ours: `services/main.ts` as `npm start` runs it (node --import tsx), a
 *   registry file with the bench devices, the alarm webhook to the receiver,
 *   optionally the InfluxDB sink. Stored = rows of the readings table, read
 *   read-only from its SQLite file.
 * - nodered: Debian's Mosquitto + Node-RED 4.1 (bench/peers) with a generated
 *   flow: mqtt in -> function (fever check, points, batches) -> influxdb batch,
 *   and http request for fevers. Stored = points in InfluxDB.
 * - consumer: Mosquitto + bench/consumer.ts. Stored = points in InfluxDB.
 */
import Database from 'better-sqlite3';
import { partitionFile } from '../services/store/partitioning.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LoadDevice } from './lib/protocol.js';
import { ROOT, freePort, httpOk, startProc, waitFor, type Proc } from './lib/procs.js';
import { buildFlow } from './nodered-flow.js';

export interface Target {
  name: string;
  host: string;
  port: number;
  devices: LoadDevice[];
  /** A point to count stored readings from. */
  mark(): Promise<number>;
  storedSince(mark: number): Promise<number>;
  procs(): Proc[];
  stop(): Promise<void>;
  /** gatewatch only: the longest event-loop block of its main thread since the last call (ms; /metrics resets it per scrape). */
  loopBlockMs?(): Promise<number>;
}

/** The bench devices are spread over this many communities (a county office's worth), 10 per community at 200. */
export const COMMUNITIES = 20;
const communityOf = (i: number) => `bench-${String((i % COMMUNITIES) + 1).padStart(2, '0')}`;
export const MOSQUITTO_BIN = '/usr/sbin/mosquitto';

export function benchDevices(n: number, withSecrets: boolean): LoadDevice[] {
  return Array.from({ length: n }, (_, i) => {
    const id = `therm-${String(i + 1).padStart(4, '0')}`;
    return { id, community: communityOf(i), ...(withSecrets ? { secret: `bench-secret-${id}` } : {}) };
  });
}

export interface OursOptions {
  dir: string;
  devices: number;
  webhookUrl: string;
  influxUrl?: string;
  influxDb?: string;
  cpuProfDir?: string;
  /** More node flags for the service (e.g. --trace-gc). */
  nodeArgs?: string[];
  env?: Record<string, string>;
}

export async function startOurs(o: OursOptions): Promise<Target & { httpPort: number; dbPath: string; pid: number }> {
  const devices = benchDevices(o.devices, true);
  mkdirSync(o.dir, { recursive: true });
  const registry = join(o.dir, 'registry.json');
  const ids = [...new Set(devices.map((d) => d.community))];
  writeFileSync(registry, JSON.stringify({
    communities: ids.map((id) => ({
      id, name: id, propertyCompany: 'Bench', timeZone: 'Asia/Shanghai', gates: [{ id: 'g1', name: 'g1' }], areas: [], staff: [],
      devices: devices.filter((d) => d.community === id).map((d) => ({ id: d.id, kind: 'thermometer', location: 'g1', secret: d.secret, enabled: true })),
    })),
  }));
  const mqttPort = await freePort();
  const httpPort = await freePort();
  const env: Record<string, string> = {
    GW_MQTT_HOST: '127.0.0.1', GW_MQTT_PORT: String(mqttPort), GW_HTTP_HOST: '127.0.0.1', GW_HTTP_PORT: String(httpPort),
    GW_DATA_DIR: o.dir, GW_LOG_LEVEL: 'warn', GW_REGISTRY_FILE: registry, GW_ALARM_WEBHOOK_URL: o.webhookUrl,
    // The bench sends far more per connection than a gate thermometer: lift the per-device rate limit.
    GW_MQTT_RATE_PER_DEVICE: '1000000', GW_MQTT_BURST_PER_DEVICE: '1000000',
    ...(o.influxUrl ? { GW_INFLUX_URL: o.influxUrl, GW_INFLUX_DB: o.influxDb ?? 'bench_ours' } : {}),
    ...o.env,
  };
  const args = [...(o.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${o.cpuProfDir}`] : []), ...(o.nodeArgs ?? []), '--import', 'tsx', 'services/main.ts'];
  const proc = startProc('gatewatch', process.execPath, args, { env });
  await waitFor('gatewatch /readyz', async () => {
    if (proc.child.exitCode !== null) throw new Error(`gatewatch exited: ${proc.output()}`);
    return httpOk(`http://127.0.0.1:${httpPort}/readyz`);
  }, 120_000, 200);
  const dbPath = join(o.dir, 'gatewatch.sqlite');
  // With GW_PARTITIONS > 1 the readings are in the partitions' files (services/store/partitioning.ts).
  const partitions = Number(env.GW_PARTITIONS ?? 1);
  const files = partitions > 1 ? Array.from({ length: partitions }, (_, k) => partitionFile(o.dir, k)) : [dbPath];
  const dbs = files.map((f) => new Database(f, { readonly: true, fileMustExist: true }));
  // A mark is a handle on each file's last id (ids are striped per partition).
  const marks = new Map<number, number[]>();
  let nextMark = 1;
  return {
    name: partitions > 1 ? `gatewatch (${partitions} partitions)` : 'gatewatch', host: '127.0.0.1', port: mqttPort, devices, httpPort, dbPath, pid: proc.child.pid!,
    async loopBlockMs() {
      const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
      // The main thread's, and with partitions each partition thread's: the longest of them.
      const lines = text.split('\n').filter((l) => l.startsWith('gatewatch_nodejs_eventloop_lag_max_seconds ') || l.startsWith('gatewatch_partition_eventloop_lag_max_seconds{'));
      return lines.length ? Math.max(...lines.map((l) => Number(l.split(' ').at(-1)) * 1000)) : NaN;
    },
    async mark() {
      const id = nextMark++;
      marks.set(id, dbs.map((db) => db.prepare('SELECT COALESCE(MAX(id), 0) FROM readings').pluck().get() as number));
      return id;
    },
    storedSince: async (mark) => {
      const at = marks.get(mark)!;
      return dbs.reduce((n, db, k) => n + (db.prepare('SELECT COUNT(*) FROM readings WHERE id > ?').pluck().get(at[k]) as number), 0);
    },
    procs: () => [proc],
    async stop() {
      for (const db of dbs) db.close();
      await proc.stop();
    },
  };
}

/** Counts points of measurement `temperature` in `db` with time >= mark (ms). */
export async function influxCount(influxUrl: string, db: string, sinceMs: number): Promise<number> {
  const q = `SELECT count(temperature_c) FROM temperature WHERE time >= ${sinceMs}ms`;
  const res = await fetch(`${influxUrl}/query?${new URLSearchParams({ db, q })}`, { signal: AbortSignal.timeout(30_000) });
  const body = (await res.json()) as { results?: { series?: { values: [string, number][] }[] }[] };
  return body.results?.[0]?.series?.[0]?.values?.[0]?.[1] ?? 0;
}

async function createDb(influxUrl: string, db: string): Promise<void> {
  const res = await fetch(`${influxUrl}/query`, { method: 'POST', body: new URLSearchParams({ q: `CREATE DATABASE ${db}` }) });
  if (!res.ok) throw new Error(`CREATE DATABASE ${db}: HTTP ${res.status}`);
  await res.arrayBuffer();
}

export async function startMosquitto(dir: string): Promise<{ port: number; proc: Proc }> {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  // Defaults except: loopback listener, anonymous (no per-device auth, unlike ours), no persistence, and queues
  // large enough that the consumer's backlog is not dropped at the default 1,000 (a user would raise it too).
  writeFileSync(conf, [
    `listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', 'max_inflight_messages 1000', 'max_queued_messages 1000000',
    'log_type error', 'log_dest stderr', '',
  ].join('\n'));
  const proc = startProc('mosquitto', MOSQUITTO_BIN, ['-c', conf]);
  await waitFor('mosquitto listening', async () => {
    if (proc.child.exitCode !== null) throw new Error(`mosquitto exited: ${proc.output()}`);
    return new Promise<boolean>((resolve) => {
      import('node:net').then(({ connect }) => {
        const s = connect({ host: '127.0.0.1', port }, () => {
          s.destroy();
          resolve(true);
        });
        s.on('error', () => resolve(false));
      });
    });
  }, 10_000);
  return { port, proc };
}

function influxTarget(name: string, port: number, influxUrl: string, db: string, procs: Proc[]): Target {
  return {
    name, host: '127.0.0.1', port, devices: benchDevices(200, false),
    mark: async () => Date.now(),
    storedSince: (mark) => influxCount(influxUrl, db, mark),
    procs: () => procs,
    async stop() {
      for (const p of [...procs].reverse()) await p.stop();
    },
  };
}

export async function startConsumerPeer(o: { dir: string; influxUrl: string; webhookUrl: string; devices: number }): Promise<Target> {
  const db = 'bench_consumer';
  await createDb(o.influxUrl, db);
  const mosq = await startMosquitto(join(o.dir, 'mosquitto'));
  const consumer = startProc('consumer', process.execPath, ['--import', 'tsx', 'bench/consumer.ts'], {
    env: { BENCH_MQTT_URL: `mqtt://127.0.0.1:${mosq.port}`, BENCH_INFLUX_URL: o.influxUrl, BENCH_INFLUX_DB: db, BENCH_WEBHOOK_URL: o.webhookUrl },
  });
  await waitFor('consumer subscribed', () => {
    if (consumer.child.exitCode !== null) throw new Error(`consumer exited: ${consumer.output()}`);
    return consumer.output().includes('subscribed');
  }, 30_000);
  const t = influxTarget('mosquitto+consumer', mosq.port, o.influxUrl, db, [mosq.proc, consumer]);
  t.devices = benchDevices(o.devices, false);
  return t;
}

export const NODE_RED_BIN = join(ROOT, 'bench/peers/node_modules/node-red/red.js');

export async function startNodeRedPeer(o: { dir: string; influxUrl: string; webhookUrl: string; devices: number }): Promise<Target> {
  const db = 'bench_nodered';
  await createDb(o.influxUrl, db);
  const mosq = await startMosquitto(join(o.dir, 'mosquitto'));
  const userDir = join(o.dir, 'nodered');
  mkdirSync(userDir, { recursive: true });
  const uiPort = await freePort();
  const influx = new URL(o.influxUrl);
  writeFileSync(join(userDir, 'flows.json'), JSON.stringify(buildFlow({ mqttPort: mosq.port, influxHost: influx.hostname, influxPort: Number(influx.port), db, webhookUrl: o.webhookUrl })));
  writeFileSync(join(userDir, 'settings.js'), `module.exports = {
  uiHost: '127.0.0.1', uiPort: ${uiPort}, flowFile: 'flows.json', credentialSecret: false,
  diagnostics: { enabled: false }, runtimeState: { enabled: false }, editorTheme: { tours: false },
  logging: { console: { level: 'info', metrics: false, audit: false } },
  externalModules: { autoInstall: false, palette: { allowInstall: false } },
};
`);
  // Node-RED finds node-red-contrib-influxdb through NODE_PATH-free resolution: it scans its own node_modules' siblings.
  const proc = startProc('node-red', process.execPath, [NODE_RED_BIN, '--userDir', userDir, '--port', String(uiPort), '--settings', join(userDir, 'settings.js')], {
    cwd: join(ROOT, 'bench/peers'),
  });
  await waitFor('node-red flows started and mqtt connected', () => {
    if (proc.child.exitCode !== null) throw new Error(`node-red exited: ${proc.output()}`);
    const out = proc.output();
    if (/Missing node modules|Waiting for missing types/.test(out)) throw new Error(`node-red is missing node types:\n${out}`);
    return out.includes('Started flows') && /Connected to broker/.test(out);
  }, 60_000, 200);
  const t = influxTarget('node-red', mosq.port, o.influxUrl, db, [mosq.proc, proc]);
  t.devices = benchDevices(o.devices, false);
  return t;
}
