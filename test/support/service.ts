/**
 * Starts the real service in-process on free loopback ports with a temporary
 * data directory, and gives tests a provisioned community, devices and tokens.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient, type IClientOptions } from 'mqtt';
import { silentLogger, type Logger } from '../../services/observability/logger.js';
import { loadStartupConfig, startRuntime, type Runtime } from '../../services/runtime.js';
import { applyRegistry } from '../../services/store/registry-loader.js';
import { createRegistryRepo } from '../../services/store/registry-repo.js';
import type { Role } from '../../services/domain/role.js';
import { createTokensRepo } from '../../services/store/tokens-repo.js';
import type { RegistryFile } from '../../schemas/src/registry.js';

export const TEST_COMMUNITY = 'hc-001';
export const OTHER_COMMUNITY = 'hc-002';
/** The property companies of TEST_COMMUNITY and OTHER_COMMUNITY; the test operator token belongs to the first. */
export const TEST_COMPANY = '安居物业';
export const OTHER_COMPANY = '宜家物业';

/** Two communities, each with a thermometer; secrets are known to the tests. */
export const TEST_REGISTRY: RegistryFile = {
  communities: [
    {
      id: TEST_COMMUNITY, name: '阳光花园', propertyCompany: '安居物业', timeZone: 'Asia/Shanghai',
      gates: [{ id: 'g1', name: '南门' }], areas: [{ id: 'b2-lobby', name: '2号楼大堂', kind: 'lobby' }], staff: [],
      devices: [
        { id: 'therm-g1', kind: 'thermometer', location: 'g1', secret: 'therm-g1-secret', enabled: true },
        { id: 'panel-g1', kind: 'access_panel', location: 'g1', secret: 'panel-g1-secret', enabled: true },
        { id: 'therm-off', kind: 'thermometer', location: 'g1', secret: 'therm-off-secret', enabled: false },
        // The devices of the examples in schemas/README.md.
        { id: 'sprayer-1', kind: 'sprayer', location: 'b2-lobby', secret: 'sprayer-1-secret', enabled: true },
        { id: 'vent-b2', kind: 'ventilation', location: 'b2-lobby', secret: 'vent-b2-secret', enabled: true },
        { id: 'speaker-1', kind: 'speaker', location: '', secret: 'speaker-1-secret', enabled: true },
        { id: 'door-club', kind: 'door_sensor', location: 'club', secret: 'door-club-secret', enabled: true },
      ],
    },
    {
      id: OTHER_COMMUNITY, name: '幸福小区', propertyCompany: '宜家物业', timeZone: 'Asia/Shanghai',
      gates: [{ id: 'g1', name: '北门' }], areas: [], staff: [],
      devices: [{ id: 'therm-b1', kind: 'thermometer', location: 'g1', secret: 'therm-b1-secret', enabled: true }],
    },
  ],
};

export interface TestService {
  runtime: Runtime;
  dataDir: string;
  mqttUrl: string;
  tokens: Record<Role, string>;
  connect(deviceId: string, secret?: string, options?: IClientOptions): Promise<MqttClient>;
  api(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, options?: { token?: string | null; body?: unknown }): Promise<{ status: number; json: any }>;
  stop(): Promise<void>;
}

/** `logger`: where the service logs (silent by default), for tests that assert on log lines. */
export async function startTestService(env: Record<string, string> = {}, dataDir?: string, logger: Logger = silentLogger()): Promise<TestService> {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'gatewatch-test-'));
  // Only the variables given here: the developer's own GW_* settings must not leak into tests.
  const startup = loadStartupConfig({
    GW_MQTT_HOST: '127.0.0.1', GW_MQTT_PORT: '0', GW_HTTP_HOST: '127.0.0.1', GW_HTTP_PORT: '0', GW_DATA_DIR: dir, GW_LOG_LEVEL: 'silent', ...env,
  });
  const runtime = await startRuntime(startup, logger);
  await applyRegistry(TEST_REGISTRY, runtime.db, createRegistryRepo(runtime.db), Date.now());
  const tokensRepo = createTokensRepo(runtime.db);
  const tokens = {
    admin: tokensRepo.create('test-admin', 'admin', Date.now()).token,
    operator: tokensRepo.create('test-operator', 'operator', Date.now(), { company: TEST_COMPANY }).token,
    inspector: tokensRepo.create('test-inspector', 'inspector', Date.now()).token,
  };
  const mqttUrl = `mqtt://127.0.0.1:${runtime.mqttPort}`;
  const clients: MqttClient[] = [];

  return {
    runtime, dataDir: dir, mqttUrl, tokens,
    async connect(deviceId, secret = `${deviceId}-secret`, options = {}) {
      const client = await mqtt.connectAsync(mqttUrl, { username: deviceId, password: secret, clientId: `${deviceId}-${clients.length}`, reconnectPeriod: 0, ...options });
      clients.push(client);
      return client;
    },
    async api(method, url, options = {}) {
      const token = options.token === undefined ? tokens.admin : options.token;
      const res = await runtime.http.inject({
        method, url, headers: token ? { authorization: `Bearer ${token}` } : {},
        ...(options.body !== undefined ? { payload: options.body as object } : {}),
      });
      return { status: res.statusCode, json: res.body ? JSON.parse(res.body) : undefined };
    },
    async stop() {
      await Promise.all(clients.map((c) => c.endAsync(true).catch(() => {})));
      await runtime.stop();
      if (!dataDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls until `check` returns a truthy value (event processing is asynchronous). */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 5000, stepMs = 25): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await check();
    if (last) return last as NonNullable<T>;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(last)}`);
}

/** ISO 8601 with +08:00 for a given instant: how devices in the field write their event time. */
export function shanghaiIso(ms: number): string {
  const local = new Date(ms + 8 * 3_600_000).toISOString().slice(0, 19);
  return `${local}+08:00`;
}
