/**
 * Restarts do not change the facts: a recorded day published over MQTT to one
 * service, and the same day published to another that is stopped and started
 * again halfway, give identical daily facts (rebuilt from the journal).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { recordedDay } from '../rules/recorded-day.js';
import { C, DAY, at, layout } from '../rules/fixtures.js';
import { localDay } from '../../services/time/local-day.js';
import { createFactsRepo } from '../../services/store/facts-repo.js';
import { startTestService, type TestService } from '../support/service.js';
import { applyRegistry } from '../../services/store/registry-loader.js';
import { createRegistryRepo } from '../../services/store/registry-repo.js';
import type { RegistryFile } from '../../schemas/src/registry.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** The fixture's community, so the engine sees the same layout as in the pure tests. */
const registry: RegistryFile = {
  communities: [{
    id: C, name: '阳光花园', propertyCompany: '安居物业', timeZone: 'Asia/Shanghai',
    gates: layout.gates.map((g) => ({ id: g.id, name: g.id })),
    areas: layout.areas.map((a) => ({ id: a.id, name: a.id, kind: a.kind })),
    staff: layout.staff.map((s) => ({ ...s })),
    devices: layout.devices.map((d) => ({ ...d, secret: `${d.id}-secret`, enabled: true })),
  }],
};

// The recorded day is 2021-02-03; move it to yesterday so the service accepts it.
const yesterday = localDay(Date.now() - 86_400_000, 'Asia/Shanghai');
const shift = Date.parse(`${yesterday}T00:00:00+08:00`) - at('00:00', DAY);
const shiftIso = (s: string) => new Date(Date.parse(s) + shift).toISOString();

const messages = recordedDay().map((r) => {
  const payload: Record<string, unknown> = { ...r.payload, ts: shiftIso(r.payload.ts) };
  if ('startedAt' in r.payload) payload.startedAt = shiftIso(r.payload.startedAt);
  return { deviceId: r.deviceId, topic: `gatewatch/v1/${C}/${r.deviceId}/${r.kind}`, body: JSON.stringify(payload) };
});

async function start(dir: string): Promise<TestService> {
  const svc = await startTestService({ GW_MAX_LATENESS_HOURS: '72', GW_LOG_LEVEL: 'silent' }, dir);
  await applyRegistry(registry, svc.runtime.db, createRegistryRepo(svc.runtime.db), Date.now());
  svc.runtime.ingest.rules.refreshLayouts();
  return svc;
}

async function publish(svc: TestService, list: typeof messages): Promise<void> {
  const clients = new Map<string, mqtt.MqttClient>();
  for (const m of list) {
    if (!clients.has(m.deviceId)) {
      clients.set(m.deviceId, await mqtt.connectAsync(`mqtt://127.0.0.1:${svc.runtime.mqttPort}`, { username: m.deviceId, password: `${m.deviceId}-secret`, reconnectPeriod: 0 }));
    }
    await clients.get(m.deviceId)!.publishAsync(m.topic, m.body, { qos: 1 });
  }
  await Promise.all([...clients.values()].map((c) => c.endAsync()));
}

function factsOf(svc: TestService) {
  svc.runtime.ingest.runPeriodic();
  return createFactsRepo(svc.runtime.db).range(C, yesterday, yesterday);
}

describe('restart in the middle of a day', () => {
  it('gives the same daily facts as a run without the restart', async () => {
    const dirA = mkdtempSync(join(tmpdir(), 'gw-restart-a-'));
    const dirB = mkdtempSync(join(tmpdir(), 'gw-restart-b-'));
    dirs.push(dirA, dirB);

    const a = await start(dirA);
    await publish(a, messages);
    const expected = factsOf(a);
    // The same facts through the API, filtered, and 404 for an unknown community.
    const fails = await a.api('GET', `/api/v1/communities/${C}/facts?from=${yesterday}&status=fail`, { token: a.tokens.inspector });
    expect(fails.status).toBe(200);
    expect(fails.json.items).toEqual(expected.filter((f) => f.status === 'fail'));
    expect((await a.api('GET', `/api/v1/communities/nowhere/facts?from=${yesterday}`)).status).toBe(404);
    expect((await a.api('GET', `/api/v1/communities/${C}/facts?from=${yesterday}`, { token: null })).status).toBe(401);
    await a.stop();

    const half = Math.floor(messages.length / 2);
    const b1 = await start(dirB);
    await publish(b1, messages.slice(0, half));
    await b1.stop();
    const b2 = await start(dirB);
    await publish(b2, messages.slice(half));
    const actual = factsOf(b2);
    await b2.stop();

    expect(messages.length).toBeGreaterThan(400);
    expect(expected.length).toBeGreaterThan(10);
    expect(expected.some((f) => f.status === 'fail')).toBe(true);
    expect(actual).toEqual(expected);
  }, 120_000);
});
