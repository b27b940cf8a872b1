/**
 * The two mechanisms of services/events.ts on the real service: in-commit
 * participants are called inside the transaction of each change (a reading,
 * an alarm the rules open, an API alarm action, a recomputed day) and a throw
 * rolls the change back; after-commit subscribers hear only committed changes
 * and one that throws harms nobody.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventBus, InCommit, InCommitError, type CommitParticipant } from '../../services/events.js';
import { silentLogger } from '../../services/observability/logger.js';
import { createFactsRepo } from '../../services/store/facts-repo.js';
import { localDay } from '../../services/time/local-day.js';
import { eventually, startTestService, TEST_COMMUNITY, type TestService } from '../support/service.js';
import { freePort } from '../support/process.js';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService();
});
afterAll(async () => {
  await svc?.stop();
});

/** What a participant saw: the event, a few exact fields, and whether it ran inside a transaction. */
type Seen = [event: string, what: string, inTransaction: boolean];

function recorder(seen: Seen[]): CommitParticipant {
  const inTx = () => svc.runtime.db.inTransaction;
  return {
    name: 'recorder',
    'reading.accepted': (r) => void seen.push(['reading.accepted', `${r.deviceId} seq ${r.seq} reading ${r.readingId}`, inTx()]),
    'alarm.changed': (a, event) => void seen.push(['alarm.changed', `${a.rule} ${event} ${a.status}`, inTx()]),
    'day.recomputed': (d) => void seen.push(['day.recomputed', `${d.communityId} ${d.day} ${d.timeZone} ${d.facts.length} facts`, inTx()]),
  };
}

describe('in commit', () => {
  it('participants hear each reading and alarm change inside its transaction, in order', async () => {
    const seen: Seen[] = [];
    const remove = svc.runtime.inCommit.add(recorder(seen));
    try {
      const device = await svc.connect('therm-g1');
      await device.publishAsync(
        `gatewatch/v1/${TEST_COMMUNITY}/therm-g1/temperature`,
        JSON.stringify({ seq: 1, ts: new Date().toISOString(), gateId: 'g1', temperatureC: 38.6, subject: 'visitor', personRef: 'p-1c2d3e' }),
        { qos: 1 },
      );
      const readingId = (await eventually(() => svc.runtime.db.prepare("SELECT id FROM readings WHERE device_id = 'therm-g1'").get() as { id: number } | undefined)).id;
      // The reading is journaled before the rules processor takes it: wait for the processor's commit, not the journal's.
      await eventually(() => seen.length >= 2);
      expect(seen).toEqual([
        ['reading.accepted', `therm-g1 seq 1 reading ${readingId}`, true],
        ['alarm.changed', 'fever opened open', true],
      ]);

      const [alarm] = (await svc.api('GET', '/api/v1/alarms?status=open')).json.items;
      const ack = await svc.api('POST', `/api/v1/alarms/${alarm.id}/acknowledge`, { body: { note: 'clinic' } });
      expect(ack.status).toBe(200);
      expect(seen.slice(2)).toEqual([['alarm.changed', 'fever acknowledged acknowledged', true]]);

      const day = localDay(Date.now(), 'Asia/Shanghai');
      seen.length = 0;
      svc.runtime.ingest.runPeriodic();
      const facts = createFactsRepo(svc.runtime.db).range(TEST_COMMUNITY, day, day);
      expect(facts.length).toBeGreaterThan(0);
      expect(seen.filter(([, what]) => what.startsWith(TEST_COMMUNITY))).toEqual([['day.recomputed', `${TEST_COMMUNITY} ${day} Asia/Shanghai ${facts.length} facts`, true]]);
    } finally {
      remove();
    }
  });

  it('a participant that throws rolls the change back: an API action answers 500, the alarm keeps its state, nothing is announced after commit', async () => {
    const [alarm] = (await svc.api('GET', '/api/v1/alarms?status=acknowledged')).json.items;
    const heard: string[] = [];
    const off = svc.runtime.bus.on('alarm.updated', (a) => void heard.push(`${a.id} ${a.status}`));
    const remove = svc.runtime.inCommit.add({
      name: 'refuses',
      'alarm.changed': () => {
        throw new Error('outbox full');
      },
    });
    try {
      const res = await svc.api('POST', `/api/v1/alarms/${alarm.id}/resolve`, { body: { note: 'negative' } });
      expect(res.status).toBe(500);
      expect((await svc.api('GET', `/api/v1/alarms/${alarm.id}`)).json).toMatchObject({ id: alarm.id, status: 'acknowledged', resolvedAt: null });
      const audit = (await svc.api('GET', `/api/v1/audit?objectType=alarm&objectId=${alarm.id}`)).json;
      expect((audit.items as { action: string }[]).map((e) => e.action)).toEqual(['alarm.acknowledge']);
      expect(heard).toEqual([]);
    } finally {
      remove();
    }
    const res = await svc.api('POST', `/api/v1/alarms/${alarm.id}/resolve`, { body: { note: 'negative' } });
    expect(res.json.status).toBe('resolved');
    expect(heard).toEqual([`${alarm.id} resolved`]);
    off();
  });

  it('dispatch refuses outside a transaction, naming the event', () => {
    const inCommit = new InCommit(() => false);
    const remove = inCommit.add({ name: 'x', 'alarm.changed': () => {} });
    expect(() => inCommit.dispatch('alarm.changed', {} as never, 'opened')).toThrow(new InCommitError('alarm.changed'));
    expect(() => inCommit.dispatch('alarm.changed', {} as never, 'opened')).toThrow('in-commit event alarm.changed dispatched outside a transaction');
    // No participant of an event: nothing to run, nothing refused.
    expect(() => inCommit.dispatch('reading.accepted', {} as never)).not.toThrow();
    expect([inCommit.wants('alarm.changed'), inCommit.wants('reading.accepted')]).toEqual([true, false]);
    remove();
    remove();
    expect([inCommit.size, inCommit.wants('alarm.changed')]).toEqual([0, false]);
  });
});

describe('after commit', () => {
  it('a subscriber that throws is isolated: the others still hear the event; removing one leaves the rest', () => {
    const bus = new EventBus(silentLogger());
    const heard: string[] = [];
    const offA = bus.on('device.presence', () => {
      throw new Error('broken subscriber');
    });
    const offB = bus.on('device.presence', (p) => void heard.push(`${p.deviceId} ${p.online}`));
    bus.emit('device.presence', { deviceId: 'd1', communityId: 'c1', online: true, at: 0, reason: 'connected' });
    expect(heard).toEqual(['d1 true']);
    expect(bus.size).toBe(2);
    offA();
    offB();
    bus.emit('device.presence', { deviceId: 'd1', communityId: 'c1', online: false, at: 1, reason: 'gone' });
    expect([heard, bus.size]).toEqual([['d1 true'], 0]);
  });
});

describe('in commit, with the InfluxDB projection on (its server down: the outbox only fills)', () => {
  let influxSvc: TestService;
  beforeAll(async () => {
    influxSvc = await startTestService({ GW_INFLUX_URL: `http://127.0.0.1:${await freePort()}`, GW_INFLUX_TENANT_DATABASES: 'false', GW_INFLUX_TIMEOUT_MS: '300' });
  });
  afterAll(async () => {
    await influxSvc?.stop();
  });
  /** The `event` tag of each alarm point queued for one alarm, in order. */
  const alarmPoints = (id: number) =>
    (influxSvc.runtime.db.prepare("SELECT line FROM influx_outbox WHERE line LIKE 'alarm,%' ORDER BY id").all() as { line: string }[])
      .filter((r) => r.line.includes(` alarm_id=${id}i,`))
      .map((r) => /,event=(\w+)/.exec(r.line)![1]);

  it('API actions queue their points in their own transaction; one rolled back by another participant leaves none', async () => {
    const device = await influxSvc.connect('therm-g1');
    await device.publishAsync(
      `gatewatch/v1/${TEST_COMMUNITY}/therm-g1/temperature`,
      JSON.stringify({ seq: 1, ts: new Date().toISOString(), gateId: 'g1', temperatureC: 38.9, subject: 'visitor', personRef: 'p-4f5a6b' }),
      { qos: 1 },
    );
    const alarm = await eventually(async () => (await influxSvc.api('GET', '/api/v1/alarms?status=open')).json.items[0] as { id: number } | undefined);
    expect(influxSvc.runtime.inCommit.names()).toEqual(['influx']);
    expect(alarmPoints(alarm.id)).toEqual(['opened']);

    const remove = influxSvc.runtime.inCommit.add({ name: 'refuses', 'alarm.changed': () => { throw new Error('refused'); } });
    expect((await influxSvc.api('POST', `/api/v1/alarms/${alarm.id}/acknowledge`, { body: {} })).status).toBe(500);
    remove();
    expect(alarmPoints(alarm.id)).toEqual(['opened']);

    expect((await influxSvc.api('POST', `/api/v1/alarms/${alarm.id}/acknowledge`, { body: {} })).status).toBe(200);
    expect((await influxSvc.api('POST', `/api/v1/alarms/${alarm.id}/resolve`, { body: {} })).status).toBe(200);
    expect(alarmPoints(alarm.id)).toEqual(['opened', 'acknowledged', 'resolved']);
  });
});
