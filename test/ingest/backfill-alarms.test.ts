/**
 * Issue 15, item 2, the last gap (services/ingest/backfill-alarms.ts): a recorded day imported for
 * devices that are live today lies below their watermarks, and one older than the rules' retainDays
 * (8) is not evaluated by the rules at all; the import still raises the day's time-driven alarms
 * live data would have raised, at their due points, resolved where the day shows the condition
 * ended (days later, for a silence that outlasts the day), over the real service and HTTP.
 * Importing the same day again, or more of it, adds none.
 * Those episodes are history, already resolved: the alarm webhook pages nobody for them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dayBounds, localDay } from '../../services/time/local-day.js';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { eventually, shanghaiIso, startTestService, TEST_COMMUNITY, type TestService } from '../support/service.js';

const ZONE = 'Asia/Shanghai';
const MIN = 60_000;
const DAY_MS = 86_400_000;
const topic = (deviceId: string, kind: string) => `gatewatch/v1/${TEST_COMMUNITY}/${deviceId}/${kind}`;

/**
 * A recorded day as JSON lines: therm-g1 and panel-g1 report every 10 min from 23:50 the day before;
 * therm-g1 is silent after 01:00 until 05:00 (offline due at 01:15, 15 min of silence); the gate's
 * attendant ends at 13:00 and the next starts at 14:00 (unstaffed due at 13:05). `seqBase` keeps
 * (device, seq) unique across the days of one journal.
 */
function recordedDay(day: string, seqBase: number) {
  const [start, end] = dayBounds(day, ZONE);
  const t = (hhmm: string) => start + (Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3))) * MIN;
  const out: { eventTime: number; line: string }[] = [];
  const seq = new Map<string, number>();
  const add = (deviceId: string, kind: string, eventTime: number, body: Record<string, unknown>) => {
    const n = (seq.get(deviceId) ?? seqBase) + 1;
    seq.set(deviceId, n);
    out.push({ eventTime, line: JSON.stringify({ topic: topic(deviceId, kind), payload: { seq: n, ts: shanghaiIso(eventTime), ...body } }) });
  };
  add('panel-g1', 'shift', start - 10 * MIN, { gateId: 'g1', event: 'start', staffRef: 's-guard-01' });
  for (let at = start - 10 * MIN; at < end; at += 10 * MIN) {
    for (const id of ['therm-g1', 'panel-g1']) {
      if (id === 'therm-g1' && at > t('01:00') && at < t('05:00')) continue;
      add(id, 'status', at, { state: 'online', batteryPct: 90 });
    }
  }
  add('panel-g1', 'shift', t('13:00'), { gateId: 'g1', event: 'end', staffRef: 's-guard-01' });
  add('panel-g1', 'shift', t('14:00'), { gateId: 'g1', event: 'start', staffRef: 's-guard-02' });
  const lines = out.sort((a, b) => a.eventTime - b.eventTime).map((o) => o.line);
  return { start, end, t, lines, file: lines.join('\n') };
}

/** The two alarms of such a day, exactly: rule, subject, due point, when it opened and ended, by whom, what it says. */
function expectedAlarms(d: ReturnType<typeof recordedDay>) {
  const iso = (ms: number) => new Date(ms).toISOString();
  return [
    {
      rule: 'device-health', subject: 'device:therm-g1', firstEventTime: iso(d.t('01:15')), lastEventTime: iso(d.t('01:15')), openedAt: iso(d.t('01:15')), occurrences: 1,
      status: 'resolved', resolvedAt: iso(d.t('05:00')), resolvedBy: 'system', resolveNote: 'condition ended',
      titleMessage: { code: 'alarm.device-offline', params: { device: 'therm-g1', minutes: 15 } },
      details: { deviceId: 'therm-g1', lastHeardAt: d.t('01:00'), silentMinutes: 15 },
    },
    {
      rule: 'gate-staffed', subject: 'gate:g1', firstEventTime: iso(d.t('13:05')), lastEventTime: iso(d.t('13:05')), openedAt: iso(d.t('13:05')), occurrences: 1,
      status: 'resolved', resolvedAt: iso(d.t('14:00')), resolvedBy: 'system', resolveNote: 'condition ended',
      titleMessage: { code: 'alarm.gate-staffed', params: { gate: 'g1', minutes: 5 } },
      details: { gateId: 'g1', unstaffedSince: d.t('13:00'), unstaffedMinutes: 5 },
    },
  ];
}

const ESSENCE = ['rule', 'subject', 'firstEventTime', 'lastEventTime', 'openedAt', 'occurrences', 'status', 'resolvedAt', 'resolvedBy', 'resolveNote', 'titleMessage', 'details'] as const;
const essence = (a: Record<string, unknown>) => Object.fromEntries(ESSENCE.map((k) => [k, a[k]]));

let svc: TestService;
let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver();
  svc = await startTestService({ GW_ALARM_WEBHOOK_URL: receiver.url, GW_ALARM_WEBHOOK_FORMAT: 'json' });
});
afterAll(async () => {
  await svc?.stop();
  await receiver?.close();
});

async function importFile(body: string, source: string) {
  const res = await svc.runtime.http.inject({
    method: 'POST', url: `/api/v1/readings/import?source=${source}`, payload: body,
    headers: { authorization: `Bearer ${svc.tokens.admin}`, 'content-type': 'application/x-ndjson' },
  });
  expect(res.statusCode).toBe(200);
  return res.json();
}

/** The community's alarms that fell due inside [start, end), oldest first. */
async function alarmsOf(start: number, end: number) {
  const items = (await svc.api('GET', `/api/v1/alarms?communityId=${TEST_COMMUNITY}&limit=1000`)).json.items as Record<string, unknown>[];
  return items
    .filter((a) => Date.parse(a.firstEventTime as string) >= start && Date.parse(a.firstEventTime as string) < end)
    .sort((a, b) => Date.parse(a.firstEventTime as string) - Date.parse(b.firstEventTime as string));
}

const THREE_DAYS_AGO = recordedDay(localDay(Date.now() - 3 * DAY_MS, ZONE), 0);
const SIXTY_DAYS_AGO = recordedDay(localDay(Date.now() - 60 * DAY_MS, ZONE), 10_000);

describe('a backfilled day raises its time-driven alarms', () => {
  it('a day 3 days ago, for devices live today (below their watermarks): offline and unstaffed at their due points, resolved where the day ends them', async () => {
    // Live today first: both devices' watermarks are now, so every reading of the import is history to the live rules.
    for (const id of ['therm-g1', 'panel-g1']) {
      const client = await svc.connect(id);
      await client.publishAsync(topic(id, 'status'), JSON.stringify({ seq: 90_001, ts: shanghaiIso(Date.now() - MIN), state: 'online', batteryPct: 88 }), { qos: 1 });
      await client.endAsync();
    }
    const report = await importFile(THREE_DAYS_AGO.file, 'day-3.jsonl');
    expect(report).toMatchObject({ accepted: THREE_DAYS_AGO.lines.length, duplicate: 0, rejected: 0, alarms: 2 });
    expect((await alarmsOf(THREE_DAYS_AGO.start, THREE_DAYS_AGO.end)).map(essence)).toEqual(expectedAlarms(THREE_DAYS_AGO));
    // The import's audit entry counts them; each system resolution is audited at its event time.
    const [entry] = (await svc.api('GET', '/api/v1/audit?objectType=backfill')).json.items;
    expect(entry.after).toMatchObject({ request: { source: 'day-3.jsonl' }, alarms: 2 });
    const resolutions = (await svc.api('GET', '/api/v1/audit?objectType=alarm')).json.items.filter((e: { actor: string; action: string }) => e.actor === 'system' && e.action === 'alarm.resolve');
    expect(resolutions.map((e: { after: { subject: string; resolvedAt: string } }) => `${e.after.subject} ${e.after.resolvedAt}`).sort()).toEqual([
      `device:therm-g1 ${new Date(THREE_DAYS_AGO.t('05:00')).toISOString()}`,
      `gate:g1 ${new Date(THREE_DAYS_AGO.t('14:00')).toISOString()}`,
    ]);
  });

  it('the same file again adds none; more readings of that day, re-judging the same window, add none either', async () => {
    const again = await importFile(THREE_DAYS_AGO.file, 'day-3.jsonl');
    expect(again).toMatchObject({ accepted: 0, duplicate: THREE_DAYS_AGO.lines.length, rejected: 0, alarms: 0 });
    // New readings spanning both episodes: the replay sees them again, the store already has them.
    const more = [0, 1].map((i) => JSON.stringify({
      topic: topic('panel-g1', 'status'),
      payload: { seq: 50_000 + i, ts: shanghaiIso(THREE_DAYS_AGO.t(i === 0 ? '00:55' : '13:35')), state: 'online', batteryPct: 90 },
    }));
    const extra = await importFile(more.join('\n'), 'day-3-more.jsonl');
    expect(extra).toMatchObject({ accepted: 2, duplicate: 0, rejected: 0, alarms: 0 });
    expect((await alarmsOf(THREE_DAYS_AGO.start, THREE_DAYS_AGO.end)).map(essence)).toEqual(expectedAlarms(THREE_DAYS_AGO));
  });

  it('a day 60 days ago, older than the rules keep (retainDays 8), gets its alarms too', async () => {
    const report = await importFile(SIXTY_DAYS_AGO.file, 'day-60.jsonl');
    expect(report).toMatchObject({ accepted: SIXTY_DAYS_AGO.lines.length, duplicate: 0, rejected: 0, alarms: 2 });
    expect((await alarmsOf(SIXTY_DAYS_AGO.start, SIXTY_DAYS_AGO.end)).map(essence)).toEqual(expectedAlarms(SIXTY_DAYS_AGO));
    // Nothing of the 3-day-old day was recorded twice by this replay, which ran over it.
    expect((await alarmsOf(THREE_DAYS_AGO.start, THREE_DAYS_AGO.end)).map(essence)).toEqual(expectedAlarms(THREE_DAYS_AGO));
  });

  it('a silence that falls due in the imported day and lasts past it ends where the journal shows the device back, days later', async () => {
    const day = localDay(Date.now() - 20 * DAY_MS, ZONE);
    const [start] = dayBounds(day, ZONE);
    // therm-g1 alone, every 10 min from 00:00 to 22:00; its next reading is the 3-day-old day's first, at 23:50 the day before it.
    const lines = Array.from({ length: 133 }, (_, i) => JSON.stringify({
      topic: topic('therm-g1', 'status'), payload: { seq: 20_001 + i, ts: shanghaiIso(start + i * 10 * MIN), state: 'online', batteryPct: 90 },
    }));
    const report = await importFile(lines.join('\n'), 'day-20.jsonl');
    expect(report).toMatchObject({ accepted: 133, duplicate: 0, rejected: 0, alarms: 1 });
    const iso = (ms: number) => new Date(ms).toISOString();
    expect((await alarmsOf(start, start + DAY_MS)).map(essence)).toEqual([{
      rule: 'device-health', subject: 'device:therm-g1', firstEventTime: iso(start + 1335 * MIN), lastEventTime: iso(start + 1335 * MIN), openedAt: iso(start + 1335 * MIN),
      occurrences: 1, status: 'resolved', resolvedAt: iso(THREE_DAYS_AGO.start - 10 * MIN), resolvedBy: 'system', resolveNote: 'condition ended',
      titleMessage: { code: 'alarm.device-offline', params: { device: 'therm-g1', minutes: 15 } },
      details: { deviceId: 'therm-g1', lastHeardAt: start + 1320 * MIN, silentMinutes: 15 },
    }]);
  });

  it('pages nobody for the resolved episodes of a past day: the webhook gets the next live alarm alone', async () => {
    const device = await svc.connect('therm-g1');
    await device.publishAsync(topic('therm-g1', 'temperature'),
      JSON.stringify({ seq: 90_002, ts: new Date().toISOString(), gateId: 'g1', temperatureC: 38.4, subject: 'visitor', personRef: 'p-0a1b2c' }), { qos: 1 });
    await device.endAsync();
    // The outbox delivers in order: once the fever's page is in, anything queued by the imports would be in before it.
    await eventually(() => receiver.received[0], 8000, 20);
    expect(receiver.received.map((r) => { const b = r.body as { type: string; alarm: { rule: string } }; return `${b.type} ${b.alarm.rule}`; })).toEqual(['alarm.opened fever']);
  });
});
