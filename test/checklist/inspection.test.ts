/** A full inspection over the API: auto-fill, manual entry, override with reason, sign, late data, fail, deadline, re-inspection, CSV. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlarmsRepo } from '../../services/store/alarms-repo.js';
import { createJournal } from '../../services/store/journal.js';
import { createRegistryRepo } from '../../services/store/registry-repo.js';
import { startTestService, TEST_COMMUNITY, OTHER_COMMUNITY, type TestService } from '../support/service.js';
import { AUTO_ITEMS, BAD_DAY, DAY, badDay, fact, goodDay, insertFacts, scoreMap } from './fixtures.js';

let svc: TestService;
const computedAt = Date.parse('2021-02-04T00:10:00+08:00');
beforeAll(async () => {
  svc = await startTestService();
  insertFacts(svc.runtime.db, DAY, goodDay(DAY), computedAt);
  insertFacts(svc.runtime.db, BAD_DAY, badDay(BAD_DAY), computedAt + 86_400_000);
});
afterAll(async () => svc?.stop());

const inspector = () => ({ token: svc.tokens.inspector });
const put = (id: number, body: unknown) => svc.api('PUT', `/api/v1/inspections/${id}`, { ...inspector(), body });
const csvOf = async (id: number) => svc.runtime.http.inject({ method: 'GET', url: `/api/v1/inspections/${id}/export.csv`, headers: { authorization: `Bearer ${svc.tokens.operator}` } });

describe('the checklist as data', () => {
  it('has the form: 8 sections, 21 items, 100 points, 60 to pass, 8.1 worth 5', async () => {
    const { json } = await svc.api('GET', '/api/v1/checklist', inspector());
    expect(json.sections).toHaveLength(8);
    expect(json.items).toHaveLength(21);
    expect(json.total).toBe(100);
    expect(json.passMark).toBe(60);
    expect(json.items.reduce((s: number, i: { points: number }) => s + i.points, 0)).toBe(100);
    const i81 = json.items.find((i: { id: string }) => i.id === '8.1');
    expect(i81).toMatchObject({ points: 5, fill: 'manual', mode: { kind: 'deduct', minDeduction: 1, maxDeduction: 5 }, allowedScores: [0, 1, 2, 3, 4, 5] });
    expect(json.items.find((i: { id: string }) => i.id === '1.4').allowedScores).toEqual([1, 2, 3]);
    expect(json.items.find((i: { id: string }) => i.id === '3.1')).toMatchObject({ fill: 'auto', allowedScores: [0, 8], zh: expect.stringContaining('出入口设24小时专职值守人员') });
  });
});

describe('telemetry sub-scores of a community', () => {
  it('fills every auto and assisted item of a day to the point, with evidence', async () => {
    const { status, json } = await svc.api('GET', `/api/v1/communities/${TEST_COMMUNITY}/scores?from=${DAY}&to=${DAY}`, inspector());
    expect(status).toBe(200);
    expect(json.window).toEqual({ from: DAY, to: DAY });
    expect(scoreMap(json.items)).toEqual({ '1.4': 3, '2.1': 8, '3.1': 8, '3.2': 2, '3.3': 10, '4.1': 10, '4.2': 5, '4.3': 4, '6.1': 2, '7.2': 2, '7.3': 2 });
    const i43 = json.items.find((i: { itemId: string }) => i.itemId === '4.3');
    expect(i43).toMatchObject({ fill: 'auto', proposed: false, status: 'scored', explanation: expect.stringContaining('1 failing garbage day/place') });
    expect(i43.evidence.lines).toEqual([
      { day: DAY, place: 'bins-1', rule: 'garbage', status: 'fail', summary: `bins-1: garbage fail on ${DAY}`, summaryMessage: { code: 'legacy', params: { text: `bins-1: garbage fail on ${DAY}` } }, figures: { validSessions: 1, invalidSessions: 0, required: 2 } },
    ]);
    expect(i43.evidence.readingIds).toHaveLength(1);
    expect(json.factsComputedAt).toBe(new Date(computedAt).toISOString());
  });

  it('scores a multi-day window: all-or-nothing needs every day, deductions add up', async () => {
    const { json } = await svc.api('GET', `/api/v1/communities/${TEST_COMMUNITY}/scores?from=${DAY}&to=${BAD_DAY}`, inspector());
    expect(scoreMap(json.items)).toEqual({ '1.4': 3, '2.1': 8, '3.1': 0, '3.2': 2, '3.3': 6, '4.1': 0, '4.2': 5, '4.3': 3, '6.1': 2, '7.2': 2, '7.3': 2 });
  });

  it('says insufficient data, not a number, where there are no facts', async () => {
    const { json } = await svc.api('GET', `/api/v1/communities/${TEST_COMMUNITY}/scores?from=2021-03-01`, inspector());
    expect(json.items.map((i: { status: string }) => i.status)).toEqual(Array(11).fill('insufficient_data'));
    expect(json.items.every((i: { score: null }) => i.score === null)).toBe(true);
    expect(json.factsComputedAt).toBeNull();
  });

  it('proposes 1.4 from fever alarms and how fast they were acknowledged', async () => {
    const alarms = createAlarmsRepo(svc.runtime.db);
    const event = Date.parse(`${DAY}T09:00:00+08:00`);
    const { alarm } = alarms.raise({ communityId: OTHER_COMMUNITY, rule: 'fever', subject: 'gate:g1', severity: 'critical', title: 'fever 38.4', details: {}, eventTime: event, readingIds: [7] }, event + 1000);
    alarms.acknowledge(alarm.id, 'operator:x', null, event + 1000 + 45 * 60_000);
    const { json } = await svc.api('GET', `/api/v1/communities/${OTHER_COMMUNITY}/scores?from=${DAY}`, inspector());
    const i14 = json.items.find((i: { itemId: string }) => i.itemId === '1.4');
    expect(i14).toMatchObject({ score: 2, proposed: true, evidence: { alarmIds: [alarm.id] } });
    expect(i14.explanation).toBe('1 fever alarm(s): 0 acknowledged within 30 min, 1 late, 0 unacknowledged; proposed 2.');
  });

  it('checks 4.2 names against registered staff from the readings journal, and serves those readings', async () => {
    const journal = createJournal(svc.runtime.db);
    createRegistryRepo(svc.runtime.db).upsertStaff({ communityId: OTHER_COMMUNITY, ref: 's-101', role: 'gate_attendant', active: true });
    const ts = Date.parse(`${DAY}T08:00:00+08:00`);
    const reading = (deviceId: string, kind: string, seq: number, payload: object) =>
      journal.appendReading({ communityId: OTHER_COMMUNITY, deviceId, kind, seq, eventTime: ts, receivedAt: ts + 500, payload })!;
    const shift = reading('panel-b1', 'shift', 1, { seq: 1, ts: `${DAY}T08:00:00+08:00`, gateId: 'g1', event: 'start', staffRef: 's-101' });
    const spray = reading('sprayer-b1', 'disinfection', 1, { seq: 1, ts: `${DAY}T08:00:00+08:00`, areaId: 'a1', operatorRef: 's-199' });
    insertFacts(svc.runtime.db, DAY, [
      { ...fact('gate-staffed', DAY, 'g1', 'pass', { staffedMinutes: 1440, unstaffedMinutes: 0, noDataMinutes: 0 }, OTHER_COMMUNITY), readingIds: [shift] },
      { ...fact('area-disinfection', DAY, 'a1', 'pass', { validSessions: 2, invalidSessions: 0, required: 2 }, OTHER_COMMUNITY), readingIds: [spray] },
      fact('staff-ledger', DAY, 's-101', 'pass', { checks: 1 }, OTHER_COMMUNITY),
    ], computedAt, OTHER_COMMUNITY);
    const { json } = await svc.api('GET', `/api/v1/communities/${OTHER_COMMUNITY}/scores?from=${DAY}`, inspector());
    const i42 = json.items.find((i: { itemId: string }) => i.itemId === '4.2');
    // Disinfection was done by an unregistered ref: unnamed (3) + one unknown ref (1) = deduct 4.
    expect(i42).toMatchObject({ score: 1, evidence: { unknownRefs: ['s-199'], readingIds: [shift, spray] } });
    expect(i42.explanation).toBe('gate duty: named; disinfection: unnamed; unregistered operator refs: s-199; deduct 4.');
    expect(scoreMap(json.items)['7.2']).toBe(2);
    const readings = await svc.api('GET', `/api/v1/readings?ids=${spray},${shift}`, inspector());
    expect(readings.json.items.map((r: { id: number; kind: string; deviceId: string }) => [r.id, r.kind, r.deviceId])).toEqual([
      [shift, 'shift', 'panel-b1'],
      [spray, 'disinfection', 'sprayer-b1'],
    ]);
    expect(readings.json.items[0].payload).toMatchObject({ staffRef: 's-101' });
    expect((await svc.api('GET', '/api/v1/readings?ids=1;DROP', inspector())).status).toBe(400);
  });

  it('answers a bad window with a 400 and an unknown community with a 404', async () => {
    const bad = await svc.api('GET', `/api/v1/communities/${TEST_COMMUNITY}/scores?from=2021-2-3`, inspector());
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ code: 'VALIDATION_FAILED', fields: [{ path: 'querystring.from' }] });
    const reversed = await svc.api('GET', `/api/v1/communities/${TEST_COMMUNITY}/scores?from=${BAD_DAY}&to=${DAY}`, inspector());
    expect(reversed.json).toMatchObject({ statusCode: 400, code: 'SCORING_INPUT_INVALID' });
    expect((await svc.api('GET', '/api/v1/communities/nowhere/scores', inspector())).json).toEqual({ statusCode: 404, code: 'NOT_FOUND', message: 'community not found' });
  });
});

describe('a full inspection', () => {
  let id: number;
  let signedAt: number;

  it('starts as a draft auto-filled from the facts', async () => {
    const res = await svc.api('POST', '/api/v1/inspections', { ...inspector(), body: { communityId: TEST_COMMUNITY, date: DAY, inspectorName: '王检查' } });
    expect(res.status).toBe(201);
    id = res.json.id;
    expect(res.json).toMatchObject({
      communityId: TEST_COMMUNITY, communityName: '阳光花园', propertyCompany: '安居物业', inspector: 'inspector:test-inspector', inspectorName: '王检查',
      date: DAY, window: { from: DAY, to: DAY }, status: 'draft', total: 56, passed: false, complete: false,
      missing: ['1.1', '1.2', '1.3', '2.2', '5.1', '5.2', '6.2', '7.1', '8.1', '8.2'], unconfirmed: ['1.4', '2.1', '3.3', '4.2', '7.3'],
      rectificationDeadline: null, signedAt: null, newerDataAt: null,
    });
    expect(res.json.items.find((i: { itemId: string }) => i.itemId === '3.1')).toEqual({ itemId: '3.1', fill: 'auto', points: 8, auto: 8, manual: null, override: null, final: 8, source: 'auto' });
  });

  it('refuses scores the form does not allow, naming each field', async () => {
    const res = await put(id, { manualScores: { '1.4': 0, '3.1': 8, '1.1': 2 }, overrides: { '4.3': { score: 7, reason: 'x' } } });
    expect(res.status).toBe(400);
    expect(res.json.code).toBe('INSPECTION_SCORE_INVALID');
    expect(res.json.fields).toEqual([
      { path: 'body.manualScores.1.4', message: 'manual score: score 0 is not allowed: the item is judged 1-3' },
      { path: 'body.manualScores.3.1', message: 'manual score: the item is scored by telemetry; change it with an override and a reason' },
      { path: 'body.manualScores.1.1', message: 'manual score: score 2 is not allowed: the item is all or nothing (0 or 3)' },
      { path: 'body.overrides.4.3', message: 'override: score 7 is outside 0..5' },
    ]);
    const noReason = await put(id, { overrides: { '4.3': { score: 5, reason: '   ' } } });
    expect(noReason.json).toMatchObject({ code: 'VALIDATION_FAILED', fields: [{ path: 'body.overrides.4.3.reason', message: 'an override needs a reason' }] });
    expect((await svc.api('GET', `/api/v1/inspections/${id}`)).json.manualScores).toEqual({});
  });

  it('will not sign an incomplete inspection', async () => {
    const res = await svc.api('POST', `/api/v1/inspections/${id}/sign`, inspector());
    expect(res.status).toBe(409);
    expect(res.json.code).toBe('INSPECTION_INCOMPLETE');
    expect(res.json.fields).toHaveLength(15);
  });

  it('takes manual scores, confirmations and an override with its reason; the total runs', async () => {
    const manual = { '1.1': 3, '1.2': 2, '1.3': 2, '2.2': 0, '5.1': 5, '5.2': 10, '6.2': 3, '7.1': 6, '8.1': 4, '8.2': 5 };
    let res = await put(id, { manualScores: manual });
    expect(res.json).toMatchObject({ total: 40 + 28 + 28, missing: [], complete: false });
    res = await put(id, { manualScores: { '1.4': 2, '2.1': 8, '3.3': 10, '4.2': 5, '7.3': 2 } });
    expect(res.json).toMatchObject({ total: 40 + 27 + 28, unconfirmed: [], complete: true, passed: true });
    res = await put(id, { overrides: { '4.3': { score: 3, reason: '第一次判断' } } });
    expect(res.json.total).toBe(94);
    res = await put(id, { overrides: { '4.3': { score: 5, reason: '  纸质消毒台账显示两次，喷雾器离线  ' } } });
    expect(res.status).toBe(200);
    expect(res.json.total).toBe(96);
    expect(res.json.items.find((i: { itemId: string }) => i.itemId === '4.3')).toEqual({
      itemId: '4.3', fill: 'auto', points: 5, auto: 4, manual: null, override: { score: 5, reason: '纸质消毒台账显示两次，喷雾器离线' }, final: 5, source: 'override',
    });
    expect(res.json.overrides['4.3']).toMatchObject({ score: 5, reason: '纸质消毒台账显示两次，喷雾器离线', by: 'inspector:test-inspector' });
    expect(res.json.overrideLog.map((l: { score: number; reason: string }) => [l.score, l.reason])).toEqual([
      [3, '第一次判断'],
      [5, '纸质消毒台账显示两次，喷雾器离线'],
    ]);
  });

  it('signs: frozen total, pass, no deadline', async () => {
    const res = await svc.api('POST', `/api/v1/inspections/${id}/sign`, inspector());
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ status: 'signed', total: 96, passed: true, complete: true, rectificationDeadline: null, signedBy: 'inspector:test-inspector', newerDataAt: null });
    signedAt = Date.parse(res.json.signedAt);
    expect((await put(id, { manualScores: { '2.2': 2 } })).json).toMatchObject({ statusCode: 409, code: 'INSPECTION_SIGNED' });
    expect((await svc.api('POST', `/api/v1/inspections/${id}/sign`, inspector())).json.code).toBe('INSPECTION_SIGNED');
  });

  it('does not change when late facts arrive, but shows that newer data exists', async () => {
    const late = Math.max(Date.now(), signedAt) + 60_000;
    insertFacts(svc.runtime.db, DAY, badDay(DAY), late);
    const live = await svc.api('GET', `/api/v1/communities/${TEST_COMMUNITY}/scores?from=${DAY}`, inspector());
    expect(scoreMap(live.json.items)['3.1']).toBe(0);
    const signed = (await svc.api('GET', `/api/v1/inspections/${id}`, inspector())).json;
    expect(signed).toMatchObject({ status: 'signed', total: 96, passed: true, newerDataAt: new Date(late).toISOString(), factsComputedAt: new Date(computedAt).toISOString() });
    expect(scoreMap(signed.itemScores)['3.1']).toBe(8);
    expect(signed.items.find((i: { itemId: string }) => i.itemId === '3.1').final).toBe(8);
  });

  it('exports CSV laid out like the form, UTF-8 with a BOM', async () => {
    const res = await csvOf(id);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="inspection-${id}-${TEST_COMMUNITY}-${DAY}.csv"`);
    expect(res.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const lines = res.body.slice(1).split('\r\n');
    expect(lines[0]).toBe('桦川县住宅小区物业服企业疫情防控检查考核管理评分表');
    expect(lines[1]).toBe(`小区名称,阳光花园,物业公司,安居物业,检查日期,${DAY}`);
    expect(lines[2]).toBe(`检查人,王检查,状态,已签署,评分区间,${DAY} ~ ${DAY}`);
    expect(lines[3]).toBe('序号,考核内容,总分值,评分标准,分值,得分,填写方式,自动/建议得分,人工得分,更正得分,更正理由,得分来源,依据');
    expect(lines[4]).toMatch(/^1,建立健全防控机制,10,1\.1 建立实体化运作的疫情防控组织架构。建立落实得3分，未建立落实不得分。,3,3,人工,,3,,,人工,$/);
    expect(lines.find((l) => l.startsWith(',,,4.3 '))).toMatch(/,5,5,自动,4,,5,纸质消毒台账显示两次，喷雾器离线,更正,垃圾容器消毒有 1 个日期\/位置不达标，每个扣 1 分（bins-1: garbage fail on 2021-02-03）：扣 1 分。$/);
    expect(lines).toContain('合计,,100,,,96,合格');
    expect(lines.filter((l) => /^(\d)?,/.test(l))).toHaveLength(21);
    const en = await svc.runtime.http.inject({ method: 'GET', url: `/api/v1/inspections/${id}/export.csv?lang=en`, headers: { authorization: `Bearer ${svc.tokens.operator}` } });
    const enLines = en.body.slice(1).split('\r\n');
    expect(enLines[2]).toBe(`Inspector,王检查,Status,signed,Window scored,${DAY} ~ ${DAY}`);
    expect(enLines.find((l) => l.startsWith(',,,4.3 '))).toMatch(/,override,"1 failing garbage day\/place\(s\), 1 point each/);
    expect(enLines).toContain('Total,,100,,,96,Pass');
  });
});

describe('a failed inspection', () => {
  let failId: number;
  let reId: number;

  it('fails under 60 and gets a rectification deadline 15 days after the inspection date', async () => {
    failId = (await svc.api('POST', '/api/v1/inspections', { ...inspector(), body: { communityId: TEST_COMMUNITY, date: BAD_DAY } })).json.id;
    const manual = { '1.1': 0, '1.2': 0, '1.3': 0, '2.2': 0, '5.1': 0, '5.2': 0, '6.2': 3, '7.1': 0, '8.1': 2, '8.2': 0 };
    const assisted = { '1.4': 1, '2.1': 8, '3.3': 6, '4.2': 5, '7.3': 2 };
    const filled = await put(failId, { manualScores: { ...manual, ...assisted } });
    expect(filled.json).toMatchObject({ total: 5 + 22 + 10, complete: true, passed: false, inspectorName: 'test-inspector' });
    const signed = await svc.api('POST', `/api/v1/inspections/${failId}/sign`, inspector());
    expect(signed.json).toMatchObject({ status: 'signed', total: 37, passed: false, rectificationDeadline: '2021-02-19', reinspectionId: null });
  });

  it('is followed by one re-inspection linked to it', async () => {
    const early = await svc.api('POST', `/api/v1/inspections/${failId}/reinspection`, { ...inspector(), body: { date: DAY } });
    expect(early.json).toMatchObject({ statusCode: 400, fields: [{ path: 'body.date' }] });
    const re = await svc.api('POST', `/api/v1/inspections/${failId}/reinspection`, { ...inspector(), body: { date: '2021-02-19' } });
    expect(re.status).toBe(201);
    reId = re.json.id;
    expect(re.json).toMatchObject({ status: 'draft', reinspectionOf: failId, date: '2021-02-19', window: { from: '2021-02-19', to: '2021-02-19' }, communityName: '阳光花园' });
    expect((await svc.api('GET', `/api/v1/inspections/${failId}`)).json.reinspectionId).toBe(reId);
    expect((await svc.api('POST', `/api/v1/inspections/${failId}/reinspection`, { ...inspector(), body: {} })).json).toMatchObject({ statusCode: 409, code: 'REINSPECTION_EXISTS' });
    const passedOne = (await svc.api('GET', `/api/v1/inspections?communityId=${TEST_COMMUNITY}&status=signed`)).json.items.find((i: { passed: boolean }) => i.passed);
    expect((await svc.api('POST', `/api/v1/inspections/${passedOne.id}/reinspection`, { ...inspector(), body: {} })).json.code).toBe('NOT_A_FAILED_INSPECTION');
    expect((await svc.api('POST', `/api/v1/inspections/${reId}/reinspection`, { ...inspector(), body: {} })).json.code).toBe('NOT_A_FAILED_INSPECTION');
  });

  it('shows in the overview as overdue, then as passed once the re-inspection passes', async () => {
    let overview = (await svc.api('GET', '/api/v1/overview', { token: svc.tokens.operator })).json;
    const row = () => overview.communities.find((c: { id: string }) => c.id === TEST_COMMUNITY);
    expect(row()).toMatchObject({ name: '阳光花园', propertyCompany: '安居物业', rectification: 'overdue', draftId: reId, latest: { id: failId, total: 37, passed: false, rectificationDeadline: '2021-02-19', reinspectionId: reId } });
    // The operator (安居物业) sees its company's community only; the county's inspector sees the other one too.
    expect(overview.communities.map((c: { id: string }) => c.id)).toEqual([TEST_COMMUNITY]);
    const county = (await svc.api('GET', '/api/v1/overview', inspector())).json;
    expect(county.communities.find((c: { id: string }) => c.id === TEST_COMMUNITY)).toEqual(row());
    expect(county.communities.find((c: { id: string }) => c.id === OTHER_COMMUNITY)).toMatchObject({ latest: null, rectification: 'none', activeAlarms: 1, openAlarms: 0 });

    // No facts on the re-inspection day: every telemetry item is insufficient data; the inspector overrides each with a reason.
    const draft = (await svc.api('GET', `/api/v1/inspections/${reId}`)).json;
    expect(draft.itemScores.every((s: { status: string }) => s.status === 'insufficient_data')).toBe(true);
    const overrides = Object.fromEntries(
      draft.itemScores.map((s: { itemId: string; points: number }) => [s.itemId, { score: s.itemId === '1.4' ? 3 : s.points, reason: '现场检查：设备维修中，人工核实' }]),
    );
    const manual = { '1.1': 3, '1.2': 2, '1.3': 2, '2.2': 2, '5.1': 5, '5.2': 10, '6.2': 3, '7.1': 6, '8.1': 5, '8.2': 5 };
    const filled = await put(reId, { manualScores: manual, overrides });
    expect(filled.json).toMatchObject({ total: 100, complete: true });
    expect(AUTO_ITEMS.every((itemId) => filled.json.items.find((i: { itemId: string }) => i.itemId === itemId).source === 'override')).toBe(true);
    expect((await svc.api('POST', `/api/v1/inspections/${reId}/sign`, inspector())).json).toMatchObject({ total: 100, passed: true, rectificationDeadline: null });
    overview = (await svc.api('GET', '/api/v1/overview', inspector())).json;
    expect(row()).toMatchObject({ rectification: 'passed_reinspection', draftId: null, latest: { id: reId, total: 100, passed: true, reinspectionOf: failId } });
  });

  it('lists inspections of a community, newest date first', async () => {
    const { json } = await svc.api('GET', `/api/v1/inspections?communityId=${TEST_COMMUNITY}`, { token: svc.tokens.operator });
    expect(json.items.map((i: { date: string; total: number | null }) => [i.date, i.total])).toEqual([
      ['2021-02-19', 100],
      [BAD_DAY, 37],
      [DAY, 96],
    ]);
  });
});
