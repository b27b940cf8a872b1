/**
 * Issue 15.4 over real MQTT and HTTP: a courier measured at the gate (a
 * thermometer subject the contract used to refuse) is journaled and raises
 * its fever alarm; an exit without checks (absent or null) is journaled; an
 * entry without checks is still dead-lettered with its reason; and a shift
 * started by an attendant the registry (PUT, with gate, shift and duties)
 * posts at another gate shows on the gate's fact as offGateShifts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDay } from '../../services/time/local-day.js';
import { eventually, shanghaiIso, startTestService, TEST_COMMUNITY, type TestService } from '../support/service.js';
import { nowWithinOneLocalDay } from '../support/clock.js';

let svc: TestService;
const topic = (device: string, kind: string) => `gatewatch/v1/${TEST_COMMUNITY}/${device}/${kind}`;
// The readings are 60 to 56 s before the real now, and the second test reads the facts of their day: both take
// it from this one instant, which keeps the readings inside one Shanghai day even in the first minutes of a day.
const READINGS_AT = nowWithinOneLocalDay(2 * 60_000) - 60_000;
const DAY = localDay(READINGS_AT, 'Asia/Shanghai');

beforeAll(async () => {
  svc = await startTestService();
  const put = await svc.api('PUT', `/api/v1/communities/${TEST_COMMUNITY}`, {
    body: {
      name: '阳光花园', propertyCompany: '安居物业', timeZone: 'Asia/Shanghai',
      gates: [{ id: 'g1', name: '南门' }, { id: 'g2', name: '北门' }],
      staff: [{ ref: 's-guard-09', role: 'gate_attendant', gate: 'g2', shift: { start: '08:00', end: '20:00' }, duties: ['gate_duty'] }],
    },
  });
  expect(put.status).toBe(200);
});
afterAll(async () => svc?.stop());

describe('contract gaps over MQTT', () => {
  it('journals a courier reading and an exit without checks, dead-letters an entry without them', async () => {
    const now = READINGS_AT;
    const therm = await svc.connect('therm-g1');
    const panel = await svc.connect('panel-g1');
    const exit = { gateId: 'g1', direction: 'out', role: 'food_delivery', personRef: 'w-0005', decision: 'allowed' };
    await therm.publishAsync(topic('therm-g1', 'temperature'), JSON.stringify({ seq: 1, ts: shanghaiIso(now), gateId: 'g1', temperatureC: 38.6, subject: 'courier', personRef: 'w-0004' }), { qos: 1 });
    await panel.publishAsync(topic('panel-g1', 'access'), JSON.stringify({ seq: 1, ts: shanghaiIso(now + 1000), ...exit }), { qos: 1 });
    await panel.publishAsync(topic('panel-g1', 'access'), JSON.stringify({ seq: 2, ts: shanghaiIso(now + 2000), ...exit, checks: null }), { qos: 1 });
    await panel.publishAsync(topic('panel-g1', 'access'), JSON.stringify({ seq: 3, ts: shanghaiIso(now + 3000), ...exit, direction: 'in' }), { qos: 1 });
    await panel.publishAsync(topic('panel-g1', 'shift'), JSON.stringify({ seq: 4, ts: shanghaiIso(now + 4000), gateId: 'g1', event: 'start', staffRef: 's-guard-09' }), { qos: 1 });

    // QoS 1 PUBACKs come after the commit: everything is journaled or dead-lettered by now.
    const readings = (await svc.api('GET', '/api/v1/readings?ids=1,2,3,4,5,6,7,8')).json.items as { deviceId: string; kind: string; payload: Record<string, unknown> }[];
    expect(readings.map((r) => [r.deviceId, r.kind, r.payload.seq])).toEqual([
      ['therm-g1', 'temperature', 1],
      ['panel-g1', 'access', 1],
      ['panel-g1', 'access', 2],
      ['panel-g1', 'shift', 4],
    ]);
    expect(readings[0]!.payload).toMatchObject({ subject: 'courier', temperatureC: 38.6 });
    expect(readings[1]!.payload).not.toHaveProperty('checks');
    expect(readings[2]!.payload.checks).toBeNull();

    const dead = (await svc.api('GET', '/api/v1/dead-letters')).json.items as { topic: string; code: string; reason: string }[];
    expect(dead.map((d) => [d.topic, d.code, d.reason])).toEqual([[topic('panel-g1', 'access'), 'PAYLOAD_SCHEMA_INVALID', 'checks: checks is required when direction is in']]);

    // The courier's fever is a fever like any other.
    const alarms = await eventually(async () => {
      const items = (await svc.api('GET', '/api/v1/alarms')).json.items as { rule: string; subject: string }[];
      return items.some((a) => a.rule === 'fever') ? items : null;
    });
    expect(alarms.filter((a) => a.rule === 'fever').map((a) => a.subject)).toEqual(['person:w-0004']);
  });

  it('counts the shift started at g1 by the attendant posted at g2 on g1, and the exits as no entries', async () => {
    svc.runtime.ingest.runPeriodic();
    const facts = (await svc.api('GET', `/api/v1/communities/${TEST_COMMUNITY}/facts?from=${DAY}&to=${DAY}`)).json.items as {
      rule: string; place: string; figures: Record<string, number>;
    }[];
    const of = (rule: string, place: string) => facts.find((f) => f.rule === rule && f.place === place)?.figures;
    expect(of('gate-staffed', 'g1')).toMatchObject({ offGateShifts: 1 });
    expect(of('gate-staffed', 'g2')).toMatchObject({ offGateShifts: 0 });
    expect(of('entry-checks', 'g1')).toMatchObject({ entries: 0, fullyChecked: 0 });
    expect(of('fever', 'g1')).toMatchObject({ fevers: 1 });
  });
});
