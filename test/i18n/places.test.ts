/**
 * Places by their registered names (services/i18n/places.ts, and the page's
 * services/web/places.js, which must do exactly the same): a named gate, area,
 * room or device reads as its name in Chinese and English, the id stays in the
 * message; an unknown id, a person's ref and everything else stay as they are.
 */
import { describe, expect, it } from 'vitest';
import { formatMessage, msg, type Message } from '../../services/i18n/index.js';
import { FACT_PLACE_KINDS, namePlaces, placeNames, type PlaceNames } from '../../services/i18n/places.js';
import { FIGURES, WHOLE_COMMUNITY } from '../../services/rules/facts.js';

/** The page's module (plain JS, no types): what this test uses of it. */
interface WebPlaces {
  FACT_PLACE_KINDS: Record<string, string>;
  placeNames(c: unknown): PlaceNames;
  namePlaces(m: Message, names: PlaceNames | null): Message;
  placeLabel(rule: string, id: string, names: PlaceNames | null, format: (m: Message) => string): { text: string; title: string | null };
}
const WEB_PLACES: string = '../../services/web/places.js';
const web = (await import(WEB_PLACES)) as WebPlaces;

const REGISTRY = {
  id: 'hc-001',
  name: '阳光花园',
  gates: [{ id: 'g1', name: '南门' }],
  areas: [{ id: 'b2-lobby', name: '2号楼大堂' }, { id: 'club', name: '业主活动室' }],
  devices: [{ id: 'panel-g1', location: 'g1' }, { id: 'door-club', location: 'club' }, { id: 'speaker-1', location: '' }],
};
const names = placeNames(REGISTRY);
const zh = (m: Message) => formatMessage('zh', namePlaces(m, names));
const en = (m: Message) => formatMessage('en', namePlaces(m, names));

const DAY = '2021-02-03';
const gateFact = msg('fact.gate-staffed', { place: 'g1', day: DAY, unstaffedMinutes: 95, staffedMinutes: 1345, noDataMinutes: 0 });
const SAMPLES: Message[] = [
  gateFact,
  msg('fact.area-disinfection', { place: 'b2-lobby', day: DAY, valid: 1, required: 2, notCounted: 1 }),
  msg('fact.venues-closed', { place: 'club', day: DAY, openMinutes: 12, openings: 1 }),
  msg('fact.device-health', { place: 'panel-g1', day: DAY, onlineMinutes: 1400, offlineMinutes: 40, faults: 1 }),
  msg('fact.contractors', { place: WHOLE_COMMUNITY, day: DAY, maxOnSite: 3, limit: 4 }),
  msg('fact.staff-ledger', { place: 's-001', day: DAY, checks: 1 }),
  msg('fact.fever', { place: 'g9', day: DAY, measured: 10, fevers: 0, threshold: 37.3, implausible: 0 }),
  msg('score.failing', { count: 2, facts: [msg('score.factRef', { day: DAY, place: 'g1', summary: gateFact }), msg('score.andMore', { count: 1 })] }),
  msg('alarm.fever', { celsius: 38.4, subject: msg('subject', { subject: 'visitor' }), gate: 'g1' }),
  msg('alarm.implausible', { device: 'panel-g1', celsius: 33, gate: 'g1' }),
  msg('alarm.device-state', { device: 'panel-g1', state: 'fault' }),
  msg('alarm.device-state', { device: 'speaker-1', state: 'fault' }),
  msg('alarm.venues-closed', { room: 'club' }),
  msg('reading.door', { roomId: 'club', state: 'open' }),
];

describe('a named place reads as its name', () => {
  it('in Chinese, with exact strings', () => {
    expect(SAMPLES.map(zh)).toEqual([
      '南门：2021-02-03 无人值守 95 分钟，有人值守 1345 分钟，无数据 0 分钟',
      '2号楼大堂：2021-02-03 有效消毒 1 次，要求 2 次（1 次不计）',
      '业主活动室：2021-02-03 开放 12 分钟（开门 1 次）',
      'panel-g1（南门）：2021-02-03 在线 1400 分钟，离线 40 分钟，故障报告 1 次',
      '阳光花园：2021-02-03 同时在场施工人员最多 3 人，上限 4 人',
      's-001：2021-02-03 测温 1 次，要求 1 次',
      'g9：2021-02-03 测温 10 人次，高于 37.3 °C 的 0 人次，异常读数 0 个',
      '2 个日期/位置不达标：南门：2021-02-03 无人值守 95 分钟，有人值守 1345 分钟，无数据 0 分钟；另有 1 项。',
      '出入口 南门 测得发热 38.4 °C（访客）',
      '出入口 南门 的测温设备 panel-g1（南门） 报告异常读数 33.0 °C',
      '设备 panel-g1（南门） 报告故障',
      '设备 speaker-1 报告故障',
      '活动室 业主活动室 处于开放状态',
      '活动室 业主活动室 · 门打开',
    ]);
  });

  it('in English', () => {
    expect(en(SAMPLES[0]!)).toBe('南门: 95 min unstaffed, 1345 min staffed, 0 min without data on 2021-02-03');
    expect(en(SAMPLES[3]!)).toBe('panel-g1 (南门): online 1400 min, silent 40 min, 1 fault report on 2021-02-03');
    expect(en(SAMPLES[8]!)).toBe('Fever 38.4 °C (visitor) at gate 南门');
  });

  it('keeps the id in the message, and changes nothing without names', () => {
    expect(namePlaces(gateFact, names).params?.place).toEqual({ code: 'place.named', params: { name: '南门', id: 'g1' } });
    expect(namePlaces(SAMPLES[3]!, names).params?.place).toEqual({ code: 'place.device', params: { id: 'panel-g1', location: '南门' } });
    expect(namePlaces(gateFact, null)).toBe(gateFact);
    expect(formatMessage('zh', namePlaces(gateFact, null))).toBe('g1：2021-02-03 无人值守 95 分钟，有人值守 1345 分钟，无数据 0 分钟');
    // Naming twice is naming once.
    expect(namePlaces(namePlaces(SAMPLES[7]!, names), names)).toEqual(namePlaces(SAMPLES[7]!, names));
  });
});

describe('the place of a fact', () => {
  it('is of the kind its rule says (FIGURES); staff facts name people and are left out', () => {
    const kindOf: Record<string, string | undefined> = { gateId: 'gate', areaId: 'area', roomId: 'area', deviceId: 'device', [WHOLE_COMMUNITY]: 'community', staffRef: undefined };
    const expected = Object.fromEntries(Object.entries(FIGURES).flatMap(([rule, f]) => (kindOf[f.place] ? [[rule, kindOf[f.place]]] : [])));
    expect(Object.keys(kindOf)).toEqual(expect.arrayContaining([...new Set(Object.values(FIGURES).map((f) => f.place))]));
    expect(FACT_PLACE_KINDS).toEqual(expected);
  });
});

describe('the page names places exactly as the server does (services/web/places.js)', () => {
  it('the same kinds, the same messages', () => {
    expect(web.FACT_PLACE_KINDS).toEqual(FACT_PLACE_KINDS);
    const webNames = web.placeNames({ ...REGISTRY, devices: [...REGISTRY.devices] });
    for (const m of SAMPLES) expect(web.namePlaces(m, webNames)).toEqual(namePlaces(m, names));
    expect(web.namePlaces(gateFact, null)).toBe(gateFact);
  });

  it('a fact place cell: the name as text, the id as tooltip; the id alone without a name', () => {
    const webNames = web.placeNames(REGISTRY);
    const fmt = (m: Message) => formatMessage('zh', m);
    expect(web.placeLabel('gate-staffed', 'g1', webNames, fmt)).toEqual({ text: '南门', title: 'g1' });
    expect(web.placeLabel('device-health', 'panel-g1', webNames, fmt)).toEqual({ text: 'panel-g1（南门）', title: 'panel-g1' });
    expect(web.placeLabel('contractors', '*', webNames, fmt)).toEqual({ text: '阳光花园', title: 'hc-001' });
    expect(web.placeLabel('gate-staffed', 'g9', webNames, fmt)).toEqual({ text: 'g9', title: null });
    expect(web.placeLabel('staff-ledger', 's-001', webNames, fmt)).toEqual({ text: 's-001', title: null });
    expect(web.placeLabel('gate-staffed', 'g1', null, fmt)).toEqual({ text: 'g1', title: null });
  });
});
