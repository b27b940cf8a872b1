/**
 * GET /api/v1/events over real HTTP with a real EventSource client (the `eventsource` package,
 * the WHATWG client): alarms raised by readings published over real MQTT and changes made
 * through the API arrive as they happen, scoped by company like the alarm list; presence too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventSource } from 'eventsource';
import type { MqttClient } from 'mqtt';
import { LiveEvent } from '../../schemas/src/http.js';
import { createTokensRepo } from '../../services/store/tokens-repo.js';
import { eventually, OTHER_COMMUNITY, OTHER_COMPANY, startTestService, TEST_COMMUNITY, type TestService } from '../support/service.js';

let svc: TestService;
let otherOperator: string;
let here: MqttClient;
let there: MqttClient;
const opened: EventSource[] = [];

interface Stream {
  events: LiveEvent[];
  ready: Promise<void>;
  source: EventSource;
}

/** Opens a stream with a bearer token; every event is parsed with the one zod schema. */
function stream(token: string, query = ''): Stream {
  const events: LiveEvent[] = [];
  const source = new EventSource(`http://127.0.0.1:${svc.runtime.httpPort}/api/v1/events${query}`, {
    fetch: (url, init) => fetch(url, { ...init, headers: { ...init.headers, authorization: `Bearer ${token}` } }),
  });
  opened.push(source);
  for (const type of ['alarm', 'presence']) source.addEventListener(type, (e) => events.push(LiveEvent.parse(JSON.parse(e.data))));
  const ready = new Promise<void>((resolve, reject) => {
    source.addEventListener('ready', () => resolve());
    source.onerror = (e) => reject(new Error(`stream failed: ${e.code ?? ''} ${e.message ?? ''}`));
  });
  return { events, ready, source };
}

const fever = (seq: number, personRef: string) =>
  JSON.stringify({ seq, ts: new Date().toISOString(), gateId: 'g1', temperatureC: 38.6, subject: 'visitor', personRef });

beforeAll(async () => {
  svc = await startTestService();
  otherOperator = createTokensRepo(svc.runtime.db).create('other-operator', 'operator', Date.now(), { company: OTHER_COMPANY }).token;
});
afterAll(async () => {
  for (const s of opened) s.close();
  await svc?.stop();
});

describe('the live event stream', () => {
  it('sends each company its own alarms as they open and change, the county all of them', async () => {
    const mine = stream(svc.tokens.operator);
    const theirs = stream(otherOperator);
    const county = stream(svc.tokens.inspector);
    await Promise.all([mine.ready, theirs.ready, county.ready]);

    here = await svc.connect('therm-g1');
    there = await svc.connect('therm-b1');
    const sentAt = Date.now();
    await here.publishAsync(`gatewatch/v1/${TEST_COMMUNITY}/therm-g1/temperature`, fever(1, 'p-11aa22'), { qos: 1 });
    const first = await eventually(() => mine.events.find((e) => e.type === 'alarm'));
    console.log(`fever published → alarm event on the stream: ${Date.now() - sentAt} ms`);
    await there.publishAsync(`gatewatch/v1/${OTHER_COMMUNITY}/therm-b1/temperature`, fever(1, 'p-33bb44'), { qos: 1 });
    await eventually(() => theirs.events.some((e) => e.type === 'alarm'));
    await eventually(() => county.events.filter((e) => e.type === 'alarm').length === 2);

    expect(first).toMatchObject({ type: 'alarm', alarm: { communityId: TEST_COMMUNITY, rule: 'fever', subject: 'person:p-11aa22', status: 'open' } });
    const alarmsOf = (s: Stream) => s.events.flatMap((e) => (e.type === 'alarm' ? [`${e.alarm.communityId} ${e.alarm.subject} ${e.alarm.status}`] : []));
    expect(alarmsOf(mine)).toEqual([`${TEST_COMMUNITY} person:p-11aa22 open`]);
    expect(alarmsOf(theirs)).toEqual([`${OTHER_COMMUNITY} person:p-33bb44 open`]);
    expect(alarmsOf(county)).toEqual([`${TEST_COMMUNITY} person:p-11aa22 open`, `${OTHER_COMMUNITY} person:p-33bb44 open`]);

    // A change through the API is streamed too, with its note.
    if (first.type !== 'alarm') throw new Error('not an alarm');
    const ack = await svc.api('POST', `/api/v1/alarms/${first.alarm.id}/acknowledge`, { token: svc.tokens.operator, body: { note: '已通知社区医生' } });
    expect(ack.status).toBe(200);
    const acked = await eventually(() => mine.events.find((e) => e.type === 'alarm' && e.alarm.status === 'acknowledged'));
    expect(acked).toMatchObject({ alarm: { id: first.alarm.id, acknowledgedBy: 'operator:test-operator', acknowledgeNote: '已通知社区医生' } });
    expect(alarmsOf(theirs)).toEqual([`${OTHER_COMMUNITY} person:p-33bb44 open`]);

    // Presence: the operator saw its own devices come online, never the other company's.
    const presence = (s: Stream) => s.events.flatMap((e) => (e.type === 'presence' ? [`${e.communityId}/${e.deviceId} ${e.online}`] : []));
    expect(presence(mine)).toEqual([`${TEST_COMMUNITY}/therm-g1 true`]);
    expect(presence(theirs)).toEqual([`${OTHER_COMMUNITY}/therm-b1 true`]);
    for (const s of [mine, theirs, county]) s.source.close();
  });

  it('narrows to one community; another company’s community is a silent stream', async () => {
    const narrowed = stream(svc.tokens.inspector, `?communityId=${OTHER_COMMUNITY}`);
    await narrowed.ready;
    // The same connections: a second one of a device takes its session over (services/broker/handover.ts).
    await here.publishAsync(`gatewatch/v1/${TEST_COMMUNITY}/therm-g1/temperature`, fever(2, 'p-55cc66'), { qos: 1 });
    await there.publishAsync(`gatewatch/v1/${OTHER_COMMUNITY}/therm-b1/temperature`, fever(2, 'p-77dd88'), { qos: 1 });
    await eventually(() => narrowed.events.some((e) => e.type === 'alarm'));
    expect(narrowed.events.map((e) => (e.type === 'alarm' ? `${e.alarm.communityId} ${e.alarm.subject}` : e.type))).toEqual([`${OTHER_COMMUNITY} person:p-77dd88`]);

    // Another company's community is a silent stream, as an unknown one is (the list filters answer an empty list).
    const foreign = stream(svc.tokens.operator, `?communityId=${OTHER_COMMUNITY}`);
    await foreign.ready;
    await there.publishAsync(`gatewatch/v1/${OTHER_COMMUNITY}/therm-b1/temperature`, fever(3, 'p-99ee00'), { qos: 1 });
    await eventually(() => narrowed.events.filter((e) => e.type === 'alarm').length === 2);
    expect(foreign.events).toEqual([]);
    narrowed.source.close();
    foreign.source.close();
    const url = `http://127.0.0.1:${svc.runtime.httpPort}/api/v1/events`;
    expect((await fetch(url, { headers: { accept: 'text/event-stream' } })).status).toBe(401);
    expect((await fetch(url, { headers: { accept: 'application/json', authorization: `Bearer ${svc.tokens.operator}` } })).status).toBe(406);
  });
});

describe('stopping the service', () => {
  it('ends the open streams instead of waiting for the browsers to leave', async () => {
    const own = await startTestService();
    const source = new EventSource(`http://127.0.0.1:${own.runtime.httpPort}/api/v1/events`, {
      fetch: (url, init) => fetch(url, { ...init, headers: { ...init.headers, authorization: `Bearer ${own.tokens.admin}` } }),
    });
    opened.push(source);
    await new Promise((resolve) => source.addEventListener('ready', resolve));
    const ended = new Promise((resolve) => (source.onerror = resolve));
    await own.stop();
    await ended;
    expect(source.readyState).not.toBe(EventSource.OPEN);
    source.close();
  });
});
