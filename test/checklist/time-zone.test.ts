/**
 * A community outside Beijing time is judged and scored by its own local days,
 * end to end: readings over MQTT → rules → daily facts → checklist scores via
 * the API. 阿勒泰 keeps Asia/Urumqi (UTC+6): 23:59:59 and 00:00:00 there are
 * two days, though at +08:00 both would be 01:59:59 and 02:00:00 of the same one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegistryFile } from '../../schemas/src/registry.js';
import { applyRegistry } from '../../services/store/registry-loader.js';
import { createRegistryRepo } from '../../services/store/registry-repo.js';
import { addDays, dayBounds, localDay } from '../../services/time/local-day.js';
import { startTestService, type TestService } from '../support/service.js';

const C = 'xj-001';
const ZONE = 'Asia/Urumqi';
const registry: RegistryFile = {
  communities: [{
    id: C, name: '阿勒泰小区', propertyCompany: '安居物业', timeZone: ZONE,
    gates: [{ id: 'g1', name: '东门' }], areas: [], staff: [],
    devices: [{ id: 'therm-xj', kind: 'thermometer', location: 'g1', secret: 'therm-xj-secret', enabled: true }],
  }],
};

// Two days ago in Urumqi, and the day after it: both within the 72 h lateness allowed here.
const D1 = addDays(localDay(Date.now(), ZONE), -2);
const D2 = addDays(D1, 1);
const lastSecondOfD1 = `${D1}T23:59:59+06:00`;
const midnightOfD2 = `${D2}T00:00:00+06:00`;

let svc: TestService;

beforeAll(async () => {
  svc = await startTestService({ GW_MAX_LATENESS_HOURS: '72' });
  await applyRegistry(registry, svc.runtime.db, createRegistryRepo(svc.runtime.db), Date.now());
  svc.runtime.ingest.rules.refreshLayouts();
  const therm = await svc.connect('therm-xj');
  const reading = (seq: number, ts: string, temperatureC: number) =>
    JSON.stringify({ seq, ts, gateId: 'g1', temperatureC, subject: 'resident', personRef: 'p-5e1d0a' });
  await therm.publishAsync(`gatewatch/v1/${C}/therm-xj/temperature`, reading(1, lastSecondOfD1, 38.1), { qos: 1 });
  await therm.publishAsync(`gatewatch/v1/${C}/therm-xj/temperature`, reading(2, midnightOfD2, 36.6), { qos: 1 });
  svc.runtime.ingest.runPeriodic();
}, 60_000);

afterAll(async () => {
  await svc?.stop();
});

describe('a community in Asia/Urumqi (UTC+6), end to end', () => {
  it('its local day starts at its own midnight, 18:00 UTC the day before', () => {
    expect(dayBounds(D2, ZONE)).toEqual([Date.parse(midnightOfD2), Date.parse(`${addDays(D2, 1)}T00:00:00+06:00`)]);
    expect(new Date(dayBounds(D2, ZONE)[0]).toISOString()).toBe(`${D1}T18:00:00.000Z`);
  });

  it('the rules put 23:59:59 on one day and 00:00:00 on the next', async () => {
    const res = await svc.api('GET', `/api/v1/communities/${C}/facts?from=${D1}&to=${D2}&rule=fever`, { token: svc.tokens.inspector });
    expect(res.status).toBe(200);
    expect(res.json.items.map((f: any) => ({ day: f.day, place: f.place, status: f.status, figures: f.figures }))).toEqual([
      // One reading a day vouches for the thermometer for 15 min: the rest of each day is unjudged (issue 15),
      // in minutes of the Urumqi day.
      { day: D1, place: 'g1', status: 'pass', figures: { measured: 1, fevers: 1, implausible: 0, noDataMinutes: 1440, unjudgedSpans: 1, unjudgedFrom1: 0, unjudgedTo1: 1440, coveredPass: 1 } },
      { day: D2, place: 'g1', status: 'pass', figures: { measured: 1, fevers: 0, implausible: 0, noDataMinutes: 1425, unjudgedSpans: 1, unjudgedFrom1: 15, unjudgedTo1: 1440, coveredPass: 1 } },
    ]);
    // The summary names the unjudged hours on the community's clock, not Beijing's.
    expect(res.json.items[1].summary).toBe(`g1: 1 measured, 0 above 37.3 °C, 0 implausible on ${D2}; not judged (no data) 00:15-24:00; the covered part passed`);
  });

  it('the fever alarm is scored on its Urumqi day (1.4), not on the +08:00 one', async () => {
    const alarms = await svc.api('GET', `/api/v1/alarms?communityId=${C}`, { token: svc.tokens.admin });
    expect(alarms.status).toBe(200);
    expect(alarms.json.items.map((a: any) => ({ rule: a.rule, firstEventTime: a.firstEventTime }))).toEqual([
      { rule: 'fever', firstEventTime: new Date(Date.parse(lastSecondOfD1)).toISOString() },
    ]);
    const alarmId = alarms.json.items[0].id;

    const day1 = await svc.api('GET', `/api/v1/communities/${C}/scores?from=${D1}&to=${D1}`, { token: svc.tokens.inspector });
    expect(day1.status).toBe(200);
    const risk1 = day1.json.items.find((i: any) => i.itemId === '1.4');
    expect({ score: risk1.score, alarmIds: risk1.evidence.alarmIds, window: risk1.evidence.window }).toEqual({ score: 1, alarmIds: [alarmId], window: { from: D1, to: D1 } });

    const day2 = await svc.api('GET', `/api/v1/communities/${C}/scores?from=${D2}&to=${D2}`, { token: svc.tokens.inspector });
    const risk2 = day2.json.items.find((i: any) => i.itemId === '1.4');
    expect({ score: risk2.score, alarmIds: risk2.evidence.alarmIds }).toEqual({ score: 3, alarmIds: [] });
  });
});
