import { describe, expect, test } from 'vitest';
import { Point } from '@influxdata/influxdb-client';
import { EXAMPLES, EXAMPLE_COMMUNITY } from '../../schemas/src/examples.js';
import type { MessageKind } from '../../schemas/src/device-messages.js';
import type { Alarm } from '../../services/domain/alarm.js';
import { legacyText } from '../../services/i18n/index.js';
import {
  alarmEventToLine,
  alarmToEvent,
  dailyFactToLine,
  nanos,
  readingRowToLine,
  readingToLine,
  ruleOutcomeToLine,
  type JournalReading,
} from '../../services/influx/points.js';

function example<K extends MessageKind>(kind: K, communityId = EXAMPLE_COMMUNITY): JournalReading {
  const { deviceId, payload } = EXAMPLES[kind];
  return { kind, communityId, deviceId, seq: payload.seq, eventTime: Date.parse(payload.ts), payload } as JournalReading;
}

describe('readings', () => {
  test('an exit without checks (absent or null) has no check fields, not zeros', () => {
    const { checks: _checks, ...rest } = EXAMPLES.access.payload;
    const exit = (checks: object) => ({ ...example('access'), payload: { ...rest, direction: 'out', role: 'courier', ...checks } }) as JournalReading;
    const line = 'access,community=hc-001,decision=allowed,device=panel-g1,direction=out,gate=g1,role=courier seq=1i 1612311305000000001';
    expect(readingToLine(exit({}))).toBe(line);
    expect(readingToLine(exit({ checks: null }))).toBe(line);
  });

  test('every kind maps to its measurement with exact tags, typed fields and a ns timestamp', () => {
    expect(readingToLine(example('temperature'))).toBe(
      'temperature,community=hc-001,device=therm-g1,gate=g1,subject=resident seq=1i,temperature_c=38.1 1612311300000000001',
    );
    expect(readingToLine(example('access'))).toBe(
      'access,community=hc-001,decision=allowed,device=panel-g1,direction=in,gate=g1,role=resident ' +
        'fully_checked=1i,identity_checked=1i,itinerary_checked=1i,seq=1i,temperature_checked=1i 1612311305000000001',
    );
    expect(readingToLine(example('shift'))).toBe('shift,community=hc-001,device=panel-g1,event=start,gate=g1 seq=2i 1612310400000000002');
    expect(readingToLine(example('disinfection'))).toBe(
      'disinfection,agent=chlorine,area=b2-lobby,community=hc-001,device=sprayer-1,target=area ' +
        'concentration_mg_per_l=500,duration_s=900,location="Building 2 lobby",seq=1i 1612315200000000001',
    );
    expect(readingToLine(example('ventilation'))).toBe(
      'ventilation,area=b2-lobby,community=hc-001,device=vent-b2 duration_s=1200,location="Building 2 lobby",seq=1i 1612316400000000001',
    );
    expect(readingToLine(example('broadcast'))).toBe('broadcast,community=hc-001,device=speaker-1,state=playing playing=1i,seq=1i 1612303200000000001');
    expect(readingToLine(example('door'))).toBe('door,community=hc-001,device=door-club,room=club,state=closed open=0i,seq=1i 1612317600000000001');
    expect(readingToLine(example('status'))).toBe(
      'device_status,community=hc-001,device=therm-g1,state=online ' +
        'battery_pct=87,firmware="1.4.2",online=1i,rssi_dbm=-61,seq=3i,uptime_s=86400 1612311600000000003',
    );
  });

  test('person refs are written nowhere, neither as tags nor as fields', () => {
    const lines = (Object.keys(EXAMPLES) as MessageKind[]).map((k) => readingToLine(example(k))).join('\n');
    for (const ref of ['p-7f3a9c', 's-guard-01', 's-clean-03']) expect(lines).not.toContain(ref);
    expect(lines).not.toMatch(/person|staff_ref|operator/);
  });

  test('tag values escape spaces, commas and =; string fields escape quotes and backslashes and lose newlines', () => {
    const r = example('disinfection', '桦川 1,a=b');
    const payload = { ...EXAMPLES.disinfection.payload, location: 'B2 "east" lobby\\\nrow 3', areaId: 'b2-lobby' };
    expect(readingToLine({ ...r, payload } as JournalReading)).toBe(
      'disinfection,agent=chlorine,area=b2-lobby,community=桦川\\ 1\\,a\\=b,device=sprayer-1,target=area ' +
        'concentration_mg_per_l=500,duration_s=900,location="B2 \\"east\\" lobby\\\\ row 3",seq=1i 1612315200000000001',
    );
  });

  test('a tag value holds no backslash (it would escape what follows) and no newline', () => {
    expect(readingToLine(example('broadcast', 'c\\\nd\\\\'))).toBe('broadcast,community=c/\\ d//,device=speaker-1,state=playing playing=1i,seq=1i 1612303200000000001');
  });

  test('floats stay floats: a whole number is written without the i suffix, an optional value is left out', () => {
    const r = example('disinfection');
    const payload = { ...EXAMPLES.disinfection.payload, agent: 'alcohol_75' as const, concentrationMgPerL: undefined, durationS: 60 };
    expect(readingToLine({ ...r, payload } as JournalReading)).toBe(
      'disinfection,agent=alcohol_75,area=b2-lobby,community=hc-001,device=sprayer-1,target=area duration_s=60,location="Building 2 lobby",seq=1i 1612315200000000001',
    );
    const t = example('temperature');
    expect(readingToLine({ ...t, payload: { ...EXAMPLES.temperature.payload, temperatureC: 37 } } as JournalReading)).toContain(' seq=1i,temperature_c=37 ');
  });

  test('two readings of one device in the same millisecond are two points; a resend is the same point', () => {
    const base = example('temperature');
    const a = readingToLine({ ...base, seq: 41 } as JournalReading);
    const b = readingToLine({ ...base, seq: 42 } as JournalReading);
    expect(a.split(' ').at(-1)).toBe('1612311300000000041');
    expect(b.split(' ').at(-1)).toBe('1612311300000000042');
    expect(readingToLine({ ...base, seq: 41 } as JournalReading)).toBe(a);
  });

  test('nanos: ms * 1e6 + seq mod 1e6, exact beyond 2^53', () => {
    expect(nanos(1612311300123, 7_000_123)).toBe('1612311300123000123');
    expect(nanos(0, 0)).toBe('0');
    expect(() => nanos(1.5, 1)).toThrow(RangeError);
  });

  test('a readings-table row maps like the parsed reading', () => {
    const { payload } = EXAMPLES.temperature;
    const row = { community_id: 'hc-001', device_id: 'therm-g1', kind: 'temperature', seq: 1, event_time: Date.parse(payload.ts), payload: JSON.stringify(payload) };
    expect(readingRowToLine(row)).toBe(readingToLine(example('temperature')));
    expect(() => readingRowToLine({ ...row, kind: 'smell' })).toThrow('unknown reading kind "smell"');
  });
});

describe('alarms, rule outcomes, daily facts', () => {
  const alarm: Alarm = {
    id: 12, communityId: 'hc-001', rule: 'fever', subject: 'p-7f3a9c', severity: 'high', status: 'acknowledged',
    title: 'Fever 38.1 °C at gate g1', titleMessage: legacyText('Fever 38.1 °C at gate g1'), details: { temperatureC: 38.1 }, firstEventTime: 1612311300000, lastEventTime: 1612311360000,
    occurrences: 2, readingIds: [1, 5], openedAt: 1612311300500, acknowledgedAt: 1612311900000, acknowledgedBy: 'op-1',
    acknowledgeNote: null, resolvedAt: null, resolvedBy: null, resolveNote: null,
  };

  test('an alarm event: rule, severity and event as tags, the subject (maybe a person) never written', () => {
    expect(alarmEventToLine(alarmToEvent(alarm, 'repeated', { gateId: 'g1' }))).toBe(
      'alarm,community=hc-001,event=repeated,gate=g1,rule=fever,severity=high alarm_id=12i,occurrences=2i,title="Fever 38.1 °C at gate g1" 1612311360000000012',
    );
    expect(alarmEventToLine(alarmToEvent(alarm, 'acknowledged'))).toBe(
      'alarm,community=hc-001,event=acknowledged,rule=fever,severity=high alarm_id=12i,occurrences=2i,title="Fever 38.1 °C at gate g1" 1612311900000000012',
    );
    expect(() => alarmToEvent(alarm, 'resolved')).toThrow('alarm 12 has no resolved time');
  });

  test('a rule outcome is keyed by the reading that caused it', () => {
    expect(
      ruleOutcomeToLine({ communityId: 'hc-001', rule: 'staff-fever', outcome: 'violation', eventTime: 1612311300000, readingId: 1_000_099, place: { gateId: 'g1' }, values: { temperatureC: 38.1, bad: Number.NaN } }),
    ).toBe('rule_outcome,community=hc-001,gate=g1,outcome=violation,rule=staff-fever reading_id=1000099i,temperatureC=38.1 1612311300000000099');
  });

  test('a daily fact sits at local midnight (UTC+8) with its place as a tag and its status as a field', () => {
    expect(
      dailyFactToLine({
        communityId: 'hc-001', day: '2021-02-03', rule: 'area-disinfection', place: 'b2-lobby', status: 'fail',
        figures: { validSessions: 1, invalidSessions: 0, required: 2 }, summary: 'b2-lobby: 1 valid session on 2021-02-03, 2 required', summaryMessage: legacyText(''), readingIds: [4, 7],
      }, 'Asia/Shanghai'),
    ).toBe(
      'daily_fact,area=b2-lobby,community=hc-001,rule=area-disinfection ' +
        'invalidSessions=0,readings=2i,required=2,status="fail",summary="b2-lobby: 1 valid session on 2021-02-03, 2 required",validSessions=1 1612281600000000000',
    );
    expect(
      dailyFactToLine({ communityId: 'hc-001', day: '2021-02-03', rule: 'contractors', place: '*', status: 'pass', figures: { maxOnSite: 3, limit: 4 }, summary: 'max 3 of 4', summaryMessage: legacyText(''), readingIds: [] }, 'Asia/Shanghai'),
    ).toBe('daily_fact,community=hc-001,rule=contractors limit=4,maxOnSite=3,readings=0i,status="pass",summary="max 3 of 4" 1612281600000000000');
  });

  test('a daily fact of a community in Asia/Urumqi (UTC+6) sits at its own local midnight, not at +08:00', () => {
    expect(
      dailyFactToLine({ communityId: 'xj-001', day: '2021-02-03', rule: 'contractors', place: '*', status: 'pass', figures: { maxOnSite: 3, limit: 4 }, summary: 'max 3 of 4', summaryMessage: legacyText(''), readingIds: [] }, 'Asia/Urumqi'),
    ).toBe('daily_fact,community=xj-001,rule=contractors limit=4,maxOnSite=3,readings=0i,status="pass",summary="max 3 of 4" 1612288800000000000');
  });

  test('a fact about a staff member has no place tag; a hash of the ref keeps two staff apart within the same second', () => {
    const fact = (place: string) =>
      dailyFactToLine({ communityId: 'hc-001', day: '2021-02-03', rule: 'staff-ledger', place, status: 'pass', figures: { checks: 2 }, summary: 'checked twice', summaryMessage: legacyText(''), readingIds: [4, 7] }, 'Asia/Shanghai');
    expect(fact('s-guard-01')).toBe('daily_fact,community=hc-001,rule=staff-ledger checks=2,readings=2i,status="pass",summary="checked twice" 1612281600204637590');
    expect(fact('s-guard-02')).not.toBe(fact('s-guard-01'));
    expect(fact('s-guard-01')).not.toContain('s-guard');
    expect(() => dailyFactToLine({ communityId: 'x', day: '3 Feb', rule: 'fever', place: 'g1', status: 'pass', figures: {}, summary: '', summaryMessage: legacyText(''), readingIds: [] }, 'Asia/Shanghai')).toThrow(
      'fact day must be YYYY-MM-DD, got "3 Feb"',
    );
  });
});

describe('the hand-written line builder', () => {
  // points.ts writes lines itself (Point cost most of a reading's projection); they must stay what Point wrote.
  const awkward = ['plain', 'a b', 'a,b', 'a=b', 'a\\b', 'tab\there', 'new\nline', '桦川 1,a=b', ' ', '"quoted"', 'back\\"slash'];
  test('alarm events with awkward tag values and titles read exactly as Point writes them', () => {
    for (const [i, value] of awkward.entries()) {
      const event = { alarmId: 7 + i, communityId: value, rule: 'fever', severity: 'high', event: 'opened' as const, eventTime: 1612311300000 + i, occurrences: i, title: `${value} 发烧`, place: { gateId: value, areaId: '' } };
      const clean = (v: string) => v.replace(/[\r\n\t\f\v]/g, ' ');
      const point = new Point('alarm')
        .tag('community', clean(value).replace(/\\/g, '/')).tag('rule', 'fever').tag('severity', 'high').tag('event', 'opened')
        .tag('gate', clean(value).replace(/\\/g, '/')).tag('area', '')
        .intField('alarm_id', 7 + i).intField('occurrences', i).stringField('title', clean(`${value} 发烧`))
        .timestamp(nanos(1612311300000 + i, 7 + i));
      expect(alarmEventToLine(event)).toBe(point.toLineProtocol());
    }
  });
  test('every example reading, with a float that is whole and one that is not, reads as Point writes it', () => {
    const line = (temperatureC: number) => readingToLine({ ...example('temperature'), payload: { ...EXAMPLES.temperature.payload, temperatureC } } as JournalReading);
    const point = (temperatureC: number) =>
      new Point('temperature').tag('community', EXAMPLE_COMMUNITY).tag('device', EXAMPLES.temperature.deviceId).tag('gate', 'g1').tag('subject', 'resident')
        .floatField('temperature_c', temperatureC).intField('seq', 1).timestamp(nanos(Date.parse(EXAMPLES.temperature.payload.ts), 1)).toLineProtocol();
    expect([line(37), line(37.35), line(-0.5)]).toEqual([point(37), point(37.35), point(-0.5)]);
  });
});
