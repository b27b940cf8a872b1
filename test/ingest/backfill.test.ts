/**
 * Backfill over the real service and real HTTP: a recorded day from 60 days ago imported as JSON
 * lines (a malformed line reported by number, the rest still in; a device not registered yet
 * dead-lettered), then re-admitted once that device is registered; a day 2 days old, which live
 * MQTT refuses as too late, imported with its fever alarm raised at its real event time.
 * Facts, scores and the audit log are exact.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { userInfo } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/process.js';
import { localDay } from '../../services/time/local-day.js';
import { eventually, startTestService, TEST_COMMUNITY, type TestService } from '../support/service.js';

let svc: TestService;
const DAY_MS = 86_400_000;
const OLD = localDay(Date.now() - 60 * DAY_MS, 'Asia/Shanghai');
const RECENT = localDay(Date.now() - 2 * DAY_MS, 'Asia/Shanghai');
const at = (day: string, hhmm: string) => `${day}T${hhmm}:00+08:00`;
const topic = (device: string, kind: string) => `gatewatch/v1/${TEST_COMMUNITY}/${device}/${kind}`;

const disinfection = (device: string, seq: number, day: string, hhmm: string) => JSON.stringify({
  topic: topic(device, 'disinfection'),
  payload: {
    seq, ts: at(day, hhmm), areaId: 'b2-lobby', location: 'lobby', target: 'area', agent: 'chlorine',
    concentrationMgPerL: 500, startedAt: at(day, hhmm.replace(/:\d\d$/, ':00')), durationS: 600, operatorRef: 's-clean-03',
  },
});

/** The recorded day: two disinfections of the lobby (one by a sprayer not registered yet), a measurement, a torn line and an empty envelope. */
const OLD_FILE = [
  disinfection('sprayer-1', 101, OLD, '09:20'),
  JSON.stringify({ topic: topic('therm-g1', 'temperature'), payload: { seq: 101, ts: at(OLD, '08:00'), gateId: 'g1', temperatureC: 36.5, subject: 'resident', personRef: 'p-0a0b0c' } }),
  '{"topic": "gatewatch/v1/hc-001/therm-g1/temperature", "payload": {"seq": 102,',
  '',
  disinfection('sprayer-2', 1, OLD, '15:20'),
  JSON.stringify({ topic: topic('therm-g1', 'temperature') }),
  // sprayer-1 heard all day (a status every 10 minutes): a shortfall is a shortfall, not silence.
  ...Array.from({ length: 145 }, (_, i) => {
    const ts = new Date(Date.parse(at(OLD, '00:00')) + i * 600_000 - 60_000).toISOString();
    return JSON.stringify({ topic: topic('sprayer-1', 'status'), payload: { seq: 1000 + i, ts, state: 'online', batteryPct: 90 } });
  }),
].join('\n');

async function importFile(body: string, source: string) {
  const res = await svc.runtime.http.inject({
    method: 'POST', url: `/api/v1/readings/import?source=${source}`, payload: body,
    headers: { authorization: `Bearer ${svc.tokens.admin}`, 'content-type': 'application/x-ndjson' },
  });
  return { status: res.statusCode, json: res.json() };
}

const lobbyFact = async (day: string) =>
  (await svc.api('GET', `/api/v1/communities/${TEST_COMMUNITY}/facts?from=${day}&rule=area-disinfection`)).json.items.find((f: { place: string }) => f.place === 'b2-lobby');
const itemScore = async (day: string, itemId: string) =>
  (await svc.api('GET', `/api/v1/communities/${TEST_COMMUNITY}/scores?from=${day}&to=${day}`)).json.items.find((i: { itemId: string }) => i.itemId === itemId);

beforeAll(async () => {
  svc = await startTestService();
});
afterAll(async () => svc?.stop());

describe('backfill', () => {
  it('imports a recorded day from 60 days ago: the torn line reported by number, the unknown device dead-lettered, the rest in', async () => {
    const { status, json } = await importFile(OLD_FILE, 'recorder-2020.jsonl');
    expect(status).toBe(200);
    expect(json).toMatchObject({ accepted: 147, duplicate: 0, rejected: 3 });
    // The first status is a minute before midnight: the day before is touched too.
    expect(json.days).toEqual([{ communityId: TEST_COMMUNITY, day: localDay(Date.parse(at(OLD, '00:00')) - 60_000, 'Asia/Shanghai') }, { communityId: TEST_COMMUNITY, day: OLD }]);
    expect(json.problems.map((p: { line: number; code: string }) => `${p.line} ${p.code}`)).toEqual(['3 LINE_INVALID', '5 DEVICE_UNKNOWN', '6 LINE_INVALID']);
    expect(json.problems[0].reason).toBe('not JSON (at character 78)');
    expect(json.problems[1]).toMatchObject({ reason: `device sprayer-2 is not registered in community ${TEST_COMMUNITY}`, deadLetterId: expect.any(Number) });
    expect(json.problems[2].reason).toBe('not {"topic", "payload"}: payload: Invalid input');
    // Nothing of the torn line is kept: it is reported, not dead-lettered.
    const letters = (await svc.api('GET', '/api/v1/dead-letters')).json.items;
    expect(letters.map((d: { id: number; code: string; clientId: string }) => [d.id, d.code, d.clientId])).toEqual([[json.problems[1].deadLetterId, 'DEVICE_UNKNOWN', 'import:admin:test-admin']]);

    expect(await lobbyFact(OLD)).toMatchObject({ day: OLD, status: 'fail', figures: { validSessions: 1, invalidSessions: 0, required: 2 } });
    expect((await svc.api('GET', `/api/v1/communities/${TEST_COMMUNITY}/facts?from=${OLD}&rule=fever`)).json.items).toMatchObject([{ place: 'g1', status: 'pass', figures: { measured: 1, fevers: 0 } }]);
  });

  it('re-imports the same file as duplicates, changing nothing', async () => {
    const { json } = await importFile(OLD_FILE, 'recorder-2020.jsonl');
    expect([json.accepted, json.duplicate, json.rejected]).toEqual([0, 147, 3]);
    expect(await lobbyFact(OLD)).toMatchObject({ status: 'fail', figures: { validSessions: 1 } });
  });

  it('re-admits the dead letter once its device is registered, and the day passes', async () => {
    const before = await svc.api('POST', '/api/v1/dead-letters/readmit', { body: { deviceId: 'sprayer-2' } });
    expect(before.json).toMatchObject({ accepted: 0, rejected: 1, problems: [{ code: 'DEVICE_UNKNOWN' }] });
    expect((await svc.api('POST', `/api/v1/communities/${TEST_COMMUNITY}/devices`, { body: { id: 'sprayer-2', kind: 'sprayer', location: 'b2-lobby' } })).status).toBe(201);

    const after = await svc.api('POST', '/api/v1/dead-letters/readmit', { body: { deviceId: 'sprayer-2', code: 'DEVICE_UNKNOWN' } });
    expect(after.json).toEqual({ accepted: 1, duplicate: 0, rejected: 0, problems: [], days: [{ communityId: TEST_COMMUNITY, day: OLD }], alarms: 0 });
    expect(await lobbyFact(OLD)).toMatchObject({ status: 'pass', figures: { validSessions: 2, invalidSessions: 0, required: 2 } });
    // 4.1 also needs ventilation after each session, and the lobby's ventilation unit said nothing that day.
    const item = await itemScore(OLD, '4.1');
    expect(item).toMatchObject({ itemId: '4.1', score: null, status: 'insufficient_data' });
    expect(item.evidence.lines.map((l: { rule: string; status: string }) => `${l.rule} ${l.status}`)).toEqual(['area-disinfection pass', 'post-ventilation no_data']);
    const [letter] = (await svc.api('GET', '/api/v1/dead-letters')).json.items;
    expect(letter).toMatchObject({ code: 'DEVICE_UNKNOWN', readmittedAt: expect.any(String), readmittedReadingId: expect.any(Number) });
    // Once in, it is not tried again.
    expect((await svc.api('POST', '/api/v1/dead-letters/readmit', { body: { deviceId: 'sprayer-2' } })).json).toMatchObject({ accepted: 0, rejected: 0 });
    // An empty selection is not "everything".
    const empty = await svc.api('POST', '/api/v1/dead-letters/readmit', { body: {} });
    expect(empty.status).toBe(400);
  });

  it('imports a day live MQTT refuses as too late, with its fever alarm at the real event time', async () => {
    const fever = { seq: 7, ts: at(RECENT, '10:15'), gateId: 'g1', temperatureC: 38.4, subject: 'visitor', personRef: 'p-5e6f70' };
    const device = await svc.connect('therm-g1');
    await device.publishAsync(topic('therm-g1', 'temperature'), JSON.stringify(fever), { qos: 1 });
    const late = await eventually(async () => (await svc.api('GET', '/api/v1/dead-letters')).json.items.find((d: { code: string }) => d.code === 'EVENT_TOO_LATE'));
    expect(late.reason).toMatch(/^event time is \d+\.\d h old \(allowed 24 h\)$/);

    const { json } = await importFile(JSON.stringify({ topic: topic('therm-g1', 'temperature'), payload: fever }), 'panel-upload');
    expect(json).toMatchObject({ accepted: 1, rejected: 0, days: [{ communityId: TEST_COMMUNITY, day: RECENT }] });
    const [alarm] = (await svc.api('GET', '/api/v1/alarms?rule=fever')).json.items;
    expect(alarm).toMatchObject({ subject: 'person:p-5e6f70', status: 'open', firstEventTime: new Date(Date.parse(fever.ts)).toISOString() });
    // The dead letter of the live attempt proves already journaled when re-admitted: nothing doubles.
    const readmitted = await svc.api('POST', '/api/v1/dead-letters/readmit', { body: { ids: [late.id] } });
    expect(readmitted.json).toMatchObject({ accepted: 0, duplicate: 1, rejected: 0 });
    expect((await svc.api('GET', `/api/v1/communities/${TEST_COMMUNITY}/facts?from=${RECENT}&rule=fever`)).json.items).toMatchObject([{ place: 'g1', figures: { measured: 1, fevers: 1 } }]);
  });

  it('refuses what the journal no longer keeps and what lies in the future', async () => {
    const line = (seq: number, ts: string) => JSON.stringify({ topic: topic('therm-g1', 'temperature'), payload: { seq, ts, gateId: 'g1', temperatureC: 36.6, subject: 'staff', personRef: 's-001' } });
    const { json } = await importFile([line(900, at(localDay(Date.now() - 500 * DAY_MS, 'Asia/Shanghai'), '09:00')), line(901, new Date(Date.now() + 3_600_000).toISOString())].join('\n'), 'bad-clock');
    expect(json.problems.map((p: { code: string }) => p.code)).toEqual(['EVENT_BEYOND_RETENTION', 'EVENT_FROM_FUTURE']);
  });

  it('imports from the command line through the running service, with a token it revokes', async () => {
    const file = join(svc.dataDir, 'gate-panel.jsonl');
    const entry = { seq: 55, ts: at(OLD, '07:00'), gateId: 'g1', direction: 'in', role: 'resident', personRef: 'p-00aa11', decision: 'allowed', checks: { temperature: true, identity: true, itinerary: true } };
    writeFileSync(file, `${JSON.stringify({ topic: topic('panel-g1', 'access'), payload: entry })}\nnot a line\n`);
    const cli = (args: string[], env: Record<string, string> = {}) =>
      new Promise<{ code: number; out: string }>((resolve) => {
        execFile(process.execPath, ['--import', 'tsx', 'services/cli/admin.ts', ...args], {
          cwd: ROOT, env: { ...process.env, GW_DATA_DIR: svc.dataDir, GW_HTTP_HOST: '127.0.0.1', GW_HTTP_PORT: String(svc.runtime.httpPort), ...env },
        }, (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }));
      });
    const imported = await cli(['import', '--file', file]);
    // One past alarm: the time-driven episode that day's lone reading leaves behind, ended since (services/ingest/backfill-alarms.ts).
    expect(imported.out).toBe(`accepted 1, duplicate 0, rejected 1, past alarms recorded 1\n  line 2: LINE_INVALID: not JSON\ndays recomputed: ${TEST_COMMUNITY} ${OLD}\n`);
    expect(imported.code).toBe(3);
    const tokens = (await svc.api('GET', '/api/v1/tokens')).json.items.filter((t: { name: string }) => t.name.endsWith('(backfill)'));
    expect(tokens.map((t: { revokedAt: string | null }) => t.revokedAt !== null)).toEqual([true]);
    const away = await cli(['readmit', '--device', 'sprayer-2'], { GW_HTTP_PORT: '1' });
    expect(away.code).toBe(1);
    expect(away.out).toMatch(/^the service does not answer at http:\/\/127\.0\.0\.1:1 \(.*\): start it \(npm start\); a backfill goes through it\n$/);
  });

  it('audits each import and re-admission with its counts', async () => {
    const { items } = (await svc.api('GET', '/api/v1/audit?objectType=backfill')).json;
    const summary = items
      .map((e: { action: string; actor: string; after: { accepted: number; duplicate: number; rejected: number; request: { source?: string } } }) =>
        `${e.action} ${e.actor} ${e.after.request.source ?? '-'} ${e.after.accepted}/${e.after.duplicate}/${e.after.rejected}`)
      .reverse();
    expect(summary).toEqual([
      'readings.import admin:test-admin recorder-2020.jsonl 147/0/3',
      'readings.import admin:test-admin recorder-2020.jsonl 0/147/3',
      'dead_letters.readmit admin:test-admin - 0/0/1',
      'dead_letters.readmit admin:test-admin - 1/0/0',
      'dead_letters.readmit admin:test-admin - 0/0/0',
      'readings.import admin:test-admin panel-upload 1/0/0',
      'dead_letters.readmit admin:test-admin - 0/1/0',
      'readings.import admin:test-admin bad-clock 0/0/2',
      `readings.import admin:cli:${userInfo().username} (backfill) ${join(svc.dataDir, 'gate-panel.jsonl')} 1/0/1`,
    ]);
  });
});
