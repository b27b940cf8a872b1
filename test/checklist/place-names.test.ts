/**
 * Evidence names places as the registry does: in the CSV's 依据 column a
 * failing day at gate g1 (registered as 南门) and in the lobby b2-lobby
 * (2号楼大堂) read as 南门 and 2号楼大堂, in Chinese and English; the API keeps
 * the ids in its messages (codes and parameters, as stored), and a gate the
 * registry does not know stays an id.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { msg } from '../../services/i18n/index.js';
import type { DailyFact } from '../../services/rules/facts.js';
import { startTestService, TEST_COMMUNITY, type TestService } from '../support/service.js';
import { DAY, goodDay, insertFacts } from './fixtures.js';

let svc: TestService;
let id: number;

/** A fact as the rules engine writes it: its summary a `fact.<rule>` message with the place id. */
function realFact(rule: 'gate-staffed' | 'area-disinfection', place: string, params: Record<string, number>, figures: Record<string, number>, readingId: number): DailyFact {
  return { communityId: TEST_COMMUNITY, day: DAY, rule, place, status: 'fail', figures, summary: `${place}: ${rule}`, summaryMessage: msg(`fact.${rule}`, { place, day: DAY, ...params }), readingIds: [readingId] };
}

beforeAll(async () => {
  svc = await startTestService();
  const replaced = new Map<string, DailyFact[]>([
    ['gate-staffed', [
      realFact('gate-staffed', 'g1', { unstaffedMinutes: 95, staffedMinutes: 1345, noDataMinutes: 0 }, { staffedMinutes: 1345, unstaffedMinutes: 95, noDataMinutes: 0 }, 2001),
      realFact('gate-staffed', 'g7', { unstaffedMinutes: 30, staffedMinutes: 1410, noDataMinutes: 0 }, { staffedMinutes: 1410, unstaffedMinutes: 30, noDataMinutes: 0 }, 2002),
    ]],
    ['area-disinfection', [realFact('area-disinfection', 'b2-lobby', { valid: 1, required: 2, notCounted: 1 }, { validSessions: 1, invalidSessions: 1, required: 2 }, 2003)]],
  ]);
  const facts = goodDay(DAY).flatMap((f) => replaced.get(f.rule) ?? [f]);
  insertFacts(svc.runtime.db, DAY, facts, Date.parse('2021-02-04T00:10:00+08:00'));
  const created = await svc.api('POST', '/api/v1/inspections', { token: svc.tokens.inspector, body: { communityId: TEST_COMMUNITY, date: DAY } });
  expect(created.status).toBe(201);
  id = created.json.id;
});
afterAll(async () => svc?.stop());

const csv = async (lang: 'zh' | 'en') =>
  (await svc.runtime.http.inject({ method: 'GET', url: `/api/v1/inspections/${id}/export.csv?lang=${lang}`, headers: { authorization: `Bearer ${svc.tokens.inspector}` } })).body.slice(1).split('\r\n');
/** The CSV row of an item: its 评分标准 field starts with the item id. */
const evidenceOf = (lines: string[], item: string) => lines.find((l) => l.includes(`,${item} `) || l.includes(`,"${item} `));

describe('a named gate and area in the CSV', () => {
  it('read as 南门 and 2号楼大堂 in Chinese; the unregistered gate g7 stays g7', async () => {
    const lines = await csv('zh');
    const gates = evidenceOf(lines, '3.1')!;
    expect(gates).toContain('南门：2021-02-03 无人值守 95 分钟，有人值守 1345 分钟，无数据 0 分钟');
    expect(gates).toContain('g7：2021-02-03 无人值守 30 分钟，有人值守 1410 分钟，无数据 0 分钟');
    expect(gates).not.toContain('g1');
    const lobby = lines.find((l) => l.includes('2号楼大堂：2021-02-03 有效消毒 1 次，要求 2 次（1 次不计）'));
    expect(lobby).toBeDefined();
    expect(lines.join('\n')).not.toMatch(/b2-lobby/);
  });

  it('and in English', async () => {
    const gates = evidenceOf(await csv('en'), '3.1')!;
    expect(gates).toContain('南门: 95 min unstaffed, 1345 min staffed, 0 min without data on 2021-02-03');
  });

  it('while the API keeps the ids in its messages', async () => {
    const body = (await svc.api('GET', `/api/v1/inspections/${id}`, { token: svc.tokens.inspector })).json;
    const line = body.itemScores
      .flatMap((s: { evidence: { lines: { rule: string; place: string; summaryMessage: unknown }[] } }) => s.evidence.lines)
      .find((l: { rule: string; place: string }) => l.rule === 'gate-staffed' && l.place === 'g1');
    expect(line.summaryMessage).toEqual({ code: 'fact.gate-staffed', params: { place: 'g1', day: DAY, unstaffedMinutes: 95, staffedMinutes: 1345, noDataMinutes: 0 } });
  });
});

describe('a signed form reads as it was signed', () => {
  it('keeps the names in force at signing after a rename; a draft takes the new name', async () => {
    // Complete the form: full marks for every item still without a score (the scores do not matter here).
    const draft = (await svc.api('GET', `/api/v1/inspections/${id}`, { token: svc.tokens.inspector })).json;
    const open: string[] = [...draft.missing, ...draft.unconfirmed];
    const fill = draft.items.filter((i: { itemId: string; fill: string }) => open.includes(i.itemId));
    type Item = { itemId: string; fill: string; points: number };
    const manualScores = Object.fromEntries(fill.filter((i: Item) => i.fill !== 'auto').map((i: Item) => [i.itemId, i.points]));
    const overrides = Object.fromEntries(fill.filter((i: Item) => i.fill === 'auto').map((i: Item) => [i.itemId, { score: i.points, reason: '现场核查' }]));
    const put = await svc.api('PUT', `/api/v1/inspections/${id}`, { token: svc.tokens.inspector, body: { manualScores, overrides } });
    expect(put.json).toMatchObject({ complete: true });
    const signed = await svc.api('POST', `/api/v1/inspections/${id}/sign`, { token: svc.tokens.inspector });
    expect(signed.status).toBe(200);
    expect(signed.json.places.gates.find((g: { id: string }) => g.id === 'g1')).toEqual({ id: 'g1', name: '南门' });

    const community = (await svc.api('GET', `/api/v1/communities/${TEST_COMMUNITY}`, { token: svc.tokens.admin })).json;
    const gates = community.gates.map((g: { id: string; name: string }) => (g.id === 'g1' ? { ...g, name: '北门' } : g));
    const { id: _id, ...rest } = community;
    const saved = await svc.api('PUT', `/api/v1/communities/${TEST_COMMUNITY}`, { token: svc.tokens.admin, body: { ...rest, gates } });
    expect(saved.status).toBe(200);

    const after = (await svc.api('GET', `/api/v1/inspections/${id}`, { token: svc.tokens.inspector })).json;
    expect(after.places.gates.find((g: { id: string }) => g.id === 'g1')).toEqual({ id: 'g1', name: '南门' });
    const lines = await csv('zh');
    expect(evidenceOf(lines, '3.1')).toContain('南门：2021-02-03 无人值守 95 分钟');
    expect(lines.join('\n')).not.toContain('北门');

    const next = await svc.api('POST', '/api/v1/inspections', { token: svc.tokens.inspector, body: { communityId: TEST_COMMUNITY, date: DAY } });
    expect(next.status).toBe(201);
    expect(next.json.places.gates.find((g: { id: string }) => g.id === 'g1')).toEqual({ id: 'g1', name: '北门' });
  });
});
