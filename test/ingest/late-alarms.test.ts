/**
 * Issue 15, item 2 "Done when": a day's readings published late over MQTT (after the day ended,
 * within the lateness window) to the real service, with therm-g1 silent for 4 hours and gate g1
 * unstaffed for an hour, raise the offline and unstaffed alarms at event times inside the silence
 * (services/rules/watermark.ts). The same day taken live (the ingest pipeline over its own SQLite,
 * its clock moved a second behind each reading, the timer ticking) raises the same alarms, once each;
 * and an import of an older recorded day raises its offline alarm at its real event time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventBus, InCommit } from '../../services/events.js';
import { createIngest } from '../../services/ingest/ingest.js';
import { createMetrics } from '../../services/observability/metrics.js';
import { silentLogger } from '../../services/observability/logger.js';
import { parseRulesConfig } from '../../services/rules/index.js';
import { openDatabase } from '../../services/store/db.js';
import { applyRegistry } from '../../services/store/registry-loader.js';
import { createRepositories } from '../../services/store/repositories.js';
import type { Alarm } from '../../services/domain/alarm.js';
import { dayBounds, localDay } from '../../services/time/local-day.js';
import { OTHER_COMMUNITY, shanghaiIso, startTestService, TEST_COMMUNITY, TEST_REGISTRY, type TestService } from '../support/service.js';

const ZONE = 'Asia/Shanghai';
const MIN = 60_000;
const DAY = localDay(Date.now() - 86_400_000, ZONE);
const [START, END] = dayBounds(DAY, ZONE);
/** ms of a local time of DAY, e.g. t('01:15'). */
const t = (hhmm: string) => START + (Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3))) * MIN;

interface Message { deviceId: string; topic: string; payload: Record<string, unknown>; eventTime: number }

/**
 * The day: therm-g1 and panel-g1 report every 10 min from 23:50 the day before; therm-g1 is silent
 * after 01:00 until 05:00 (its offline alarm falls due at 01:15, 15 min of silence); the gate's
 * attendant ends at 13:00 and the next starts at 14:00 (the unstaffed alarm falls due at 13:05).
 */
function dayMessages(): Message[] {
  const out: Message[] = [];
  const seq = new Map<string, number>();
  const add = (deviceId: string, kind: string, eventTime: number, body: Record<string, unknown>) => {
    const n = (seq.get(deviceId) ?? 0) + 1;
    seq.set(deviceId, n);
    out.push({ deviceId, eventTime, topic: `gatewatch/v1/${TEST_COMMUNITY}/${deviceId}/${kind}`, payload: { seq: n, ts: shanghaiIso(eventTime), ...body } });
  };
  add('panel-g1', 'shift', START - 10 * MIN, { gateId: 'g1', event: 'start', staffRef: 's-guard-01' });
  for (let at = START - 10 * MIN; at < END; at += 10 * MIN) {
    for (const id of ['therm-g1', 'panel-g1']) {
      if (id === 'therm-g1' && at > t('01:00') && at < t('05:00')) continue;
      add(id, 'status', at, { state: 'online', batteryPct: 90 });
    }
  }
  add('panel-g1', 'shift', t('13:00'), { gateId: 'g1', event: 'end', staffRef: 's-guard-01' });
  add('panel-g1', 'shift', t('14:00'), { gateId: 'g1', event: 'start', staffRef: 's-guard-02' });
  // In event-time order, as the devices' buffers are uploaded (the shift events after the heartbeat of their minute).
  return out.sort((a, b) => a.eventTime - b.eventTime);
}

/** What makes two alarms the same: rule, subject, event times, count, how it ended, what it says. */
const essence = (a: Alarm) => ({
  rule: a.rule, subject: a.subject, firstEventTime: a.firstEventTime, lastEventTime: a.lastEventTime, occurrences: a.occurrences,
  status: a.status, resolvedBy: a.resolvedBy, titleMessage: a.titleMessage, details: a.details,
});
/**
 * The alarms of the day about what the day's messages tell: the two devices and their gate. (The devices
 * that publish nothing are silent since the timer began watching them, a live fact of its own: live, that is
 * in the day, late, it is today.)
 */
const SUBJECTS = new Set(['device:therm-g1', 'device:panel-g1', 'gate:g1']);
const ofDay = (alarms: Alarm[]) =>
  alarms.filter((a) => SUBJECTS.has(a.subject) && a.firstEventTime >= START && a.firstEventTime < END).sort((a, b) => a.firstEventTime - b.firstEventTime);

const EXPECTED = [
  {
    rule: 'device-health', subject: 'device:therm-g1', firstEventTime: t('01:15'), lastEventTime: t('01:15'), occurrences: 1, status: 'resolved', resolvedBy: 'system',
    titleMessage: { code: 'alarm.device-offline', params: { device: 'therm-g1', minutes: 15 } },
    details: { deviceId: 'therm-g1', lastHeardAt: t('01:00'), silentMinutes: 15 },
  },
  {
    rule: 'gate-staffed', subject: 'gate:g1', firstEventTime: t('13:05'), lastEventTime: t('13:05'), occurrences: 1, status: 'resolved', resolvedBy: 'system',
    titleMessage: { code: 'alarm.gate-staffed', params: { gate: 'g1', minutes: 5 } },
    details: { gateId: 'g1', unstaffedSince: t('13:00'), unstaffedMinutes: 5 },
  },
];

let svc: TestService;
beforeAll(async () => {
  // The day before's 23:50 may be more than 48 h ago late in the evening: a 72-hour window holds the whole day.
  svc = await startTestService({ GW_MAX_LATENESS_HOURS: '72' });
});
afterAll(async () => svc?.stop());

describe('time-driven alarms of a day published late', () => {
  it('raises the offline and unstaffed alarms at their event times inside the silence, over MQTT to the real service', async () => {
    const clients = new Map([['therm-g1', await svc.connect('therm-g1')], ['panel-g1', await svc.connect('panel-g1')]]);
    // One at a time: a QoS 1 publish resolves on its PUBACK, after its batch committed, so the order is the event-time order.
    for (const m of dayMessages()) await clients.get(m.deviceId)!.publishAsync(m.topic, JSON.stringify(m.payload), { qos: 1 });
    expect((await svc.api('GET', '/api/v1/dead-letters')).json.items).toEqual([]);
    const { status, json } = await svc.api('GET', `/api/v1/alarms?communityId=${TEST_COMMUNITY}&limit=1000`);
    expect(status).toBe(200);
    const alarms = json.items.map((a: Record<string, unknown>) => ({
      ...a, firstEventTime: Date.parse(a.firstEventTime as string), lastEventTime: Date.parse(a.lastEventTime as string),
    })) as Alarm[];
    expect(ofDay(alarms).map(essence)).toEqual(EXPECTED);
    const offline = alarms.find((a) => a.rule === 'device-health' && a.firstEventTime === t('01:15'))!;
    // Raised while the day was taken, resolved by therm-g1's reading of 05:00 in the same upload.
    expect(offline.resolveNote).toBe('condition ended');
  });

  it('an import of a recorded day 4 days old (older than the 72-hour MQTT window allows) raises its offline alarm at its real event time', async () => {
    const day = localDay(Date.now() - 4 * 86_400_000, ZONE);
    const [start, end] = dayBounds(day, ZONE);
    const lines: string[] = [];
    let seq = 0;
    // therm-b1 of the other community, every 10 min, silent after 02:00 until 06:00: offline due at 02:15.
    for (let at = start - 10 * MIN; at < end; at += 10 * MIN) {
      if (at > start + 120 * MIN && at < start + 360 * MIN) continue;
      const payload = { seq: ++seq, ts: shanghaiIso(at), state: 'online', batteryPct: 80 };
      lines.push(JSON.stringify({ topic: `gatewatch/v1/${OTHER_COMMUNITY}/therm-b1/status`, payload }));
    }
    const res = await svc.runtime.http.inject({
      method: 'POST', url: '/api/v1/readings/import?source=therm-b1.jsonl', payload: lines.join('\n'),
      headers: { authorization: `Bearer ${svc.tokens.admin}`, 'content-type': 'application/x-ndjson' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ accepted: lines.length, duplicate: 0, rejected: 0 });
    const items = (await svc.api('GET', `/api/v1/alarms?communityId=${OTHER_COMMUNITY}&limit=1000`)).json.items as Record<string, unknown>[];
    const ofThatDay = items.filter((a) => Date.parse(a.firstEventTime as string) >= start && Date.parse(a.firstEventTime as string) < end);
    expect(ofThatDay.map((a) => [a.rule, a.subject, a.firstEventTime, a.occurrences, a.status, a.resolvedBy, a.details])).toEqual([
      ['device-health', 'device:therm-b1', new Date(start + 135 * MIN).toISOString(), 1, 'resolved', 'system',
        { deviceId: 'therm-b1', lastHeardAt: start + 120 * MIN, silentMinutes: 15 }],
    ]);
  });

  it('the same day taken live raises the same alarms, each once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatewatch-live-'));
    const db = openDatabase(join(dir, 'gatewatch.db'));
    try {
      const repos = createRepositories(db);
      let clock = START - 11 * MIN;
      const ingest = createIngest({
        db, journal: repos.journal, alarms: repos.alarms, registry: repos.registry, facts: repos.facts, audit: repos.audit, legacyInbox: repos.legacyInbox,
        layoutVersions: repos.layoutVersions, reevaluation: repos.reevaluation, checkpoints: repos.checkpoints,
        rulesConfig: parseRulesConfig({}), metrics: createMetrics(false), logger: silentLogger(), bus: new EventBus(silentLogger()), inCommit: new InCommit(() => db.inTransaction),
        maxPayloadBytes: 65_536, factsRefreshMs: 60_000, retentionDays: 30, now: () => clock,
      });
      await applyRegistry(TEST_REGISTRY, db, repos.registry, clock);
      ingest.rules.refreshLayouts();
      const messages = dayMessages();
      let i = 0;
      // The service's timer: every 5 s. Nothing reports at 01:15 or 13:05 (the heartbeats are at :00, :10, ...):
      // the timer, not the watermark, raises what falls due live, as event time passes it (at 01:15:05.5, 13:05:05.5).
      for (clock = START - 10 * MIN + 500; clock < END; clock += 5_000) {
        const batch = [];
        for (; i < messages.length && messages[i]!.eventTime + 1000 <= clock; i++) {
          const m = messages[i]!;
          batch.push({ receivedAt: m.eventTime + 1000, clientId: m.deviceId, topic: m.topic, payload: Buffer.from(JSON.stringify(m.payload)), qos: 1 as const });
        }
        ingest.processBatch(batch);
        ingest.tick();
      }
      expect(i).toBe(messages.length);
      expect(ofDay(repos.alarms.list({ communityId: TEST_COMMUNITY, limit: 1000 })).map(essence)).toEqual(EXPECTED);
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
