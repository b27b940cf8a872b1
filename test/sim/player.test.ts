/**
 * The player and the load mode against the real service: live mode sends
 * with event time = now, fast mode keeps scenario times, load mode reaches
 * its rate and reports PUBACK latency; every reading lands in the journal.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCommunity, buildLoadCommunity } from '../../devices-sim/community.js';
import { createRegistryFileProvisioner, secretsOf } from '../../devices-sim/provision.js';
import { connectDevices, play, shiftIso } from '../../devices-sim/player.js';
import { runLoad } from '../../devices-sim/load.js';
import type { SimMessage } from '../../devices-sim/messages.js';
import { startTestService, type TestService } from '../support/service.js';

let svc: TestService;
let dir: string;
const community = buildCommunity(1, 'pl');
const load = buildLoadCommunity(4, 'pl-load');
let secrets: Map<string, string>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sim-player-'));
  const p = createRegistryFileProvisioner();
  await p.provision(community);
  await p.provision(load);
  p.write(join(dir, 'registry.json'));
  secrets = secretsOf(p.file());
  svc = await startTestService({ GW_REGISTRY_FILE: join(dir, 'registry.json') });
}, 60_000);
afterAll(async () => {
  await svc?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const readings = (deviceId: string) =>
  svc.runtime.db.prepare('SELECT seq, event_time AS eventTime, payload FROM readings WHERE device_id = ? ORDER BY seq').all(deviceId) as { seq: number; eventTime: number; payload: string }[];

describe('player', () => {
  it('shiftIso moves a time and keeps its offset', () => {
    expect(shiftIso('2021-02-03T23:59:30+08:00', 60_000)).toBe('2021-02-04T00:00:30+08:00');
    expect(shiftIso('2021-02-03T05:58:00-05:00', -3_600_000)).toBe('2021-02-03T04:58:00-05:00');
  });

  it('live mode waits for each message and sends it with event time = now; past ones are skipped', async () => {
    const dev = community.devices[0]!.id;
    const msg = (seq: number, at: number): SimMessage => ({
      communityId: community.id, deviceId: dev, kind: 'status', at, payload: { seq, ts: new Date(at).toISOString().replace('Z', '+00:00'), state: 'online' },
    });
    const connections = await connectDevices(svc.mqttUrl, [dev], secrets);
    const t0 = Date.now();
    try {
      const stats = await play([msg(1, t0 - 60_000), msg(2, t0 + 300), msg(3, t0 + 700)], connections, { mode: 'live' });
      expect(stats).toMatchObject({ total: 3, sent: 2, acked: 2, skipped: 1, failed: 0 });
      expect(stats.elapsedMs).toBeGreaterThanOrEqual(650);
    } finally {
      await connections.close();
    }
    const rows = readings(dev);
    expect(rows.map((r) => r.seq)).toEqual([2, 3]);
    // Event time is the moment of sending (second precision), not the scheduled time.
    for (const r of rows) expect(Math.abs(r.eventTime - Date.now())).toBeLessThan(5_000);
  });

  it('load mode publishes at the target rate from many connections and reports PUBACK latency', async () => {
    const connections = await connectDevices(svc.mqttUrl, load.devices.map((d) => d.id), secrets);
    let stats;
    try {
      stats = await runLoad(load.devices.map((d) => ({ communityId: load.id, deviceId: d.id, gateId: 'g1' })), connections, { ratePerSecond: 300, durationS: 2 });
    } finally {
      await connections.close();
    }
    expect(stats.failed).toBe(0);
    expect(stats.acked).toBe(stats.sent);
    expect(stats.sent).toBeGreaterThanOrEqual(500);
    expect(stats.sent).toBeLessThanOrEqual(620);
    expect(stats.ackLatencyMs.p99).toBeGreaterThanOrEqual(stats.ackLatencyMs.p50);
    const journaled = load.devices.reduce((n, d) => n + readings(d.id).length, 0);
    expect(journaled).toBe(stats.acked);
  });
});
