/**
 * Pseudonymous references (schemas/src/pseudonymous-ref.ts): one schema for
 * `personRef`, `staffRef`, `operatorRef` (MQTT) and registry staff `ref`
 * (HTTP). The table: real-world written forms of ID, passport and phone
 * numbers that must be refused, and the shapes devices and registries really
 * send, which must pass. Then over real TCP and real HTTP: a refused value is
 * dead-lettered (or answered 400) and is in no dead letter, API answer or log
 * line; the reason names the field only.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { PseudonymousRef } from '../../schemas/src/pseudonymous-ref.js';
import { deadLetterPayload, REDACTED, scrubNumbers } from '../../schemas/src/redact.js';
import { createLogger } from '../../services/observability/logger.js';
import { startTestService, type TestService } from '../support/service.js';

const ID_NUMBERS = [
  '110101199003071234', '11010119900307123X', '11010119900307123x', '110101-19900307-1234', '110101 19900307 1234',
  '110101.19900307.1234', '110101_19900307_123X', 'ID110101199003071234', 'id-110101199003071234', 'ID:110101-1990-0307-1234',
  'p-110101199003071234', 'sfz-11010119900307123X', '身份证110101199003071234', '１１０１０１１９９００３０７１２３４', '11010119900307123Ｘ',
  '110101900307123', '110101-900307-123', 'p-110101900307123', 'ID110101900307123', 's-1101-0190-0307-123',
];
const PASSPORT_NUMBERS = [
  'E12345678', 'EA1234567', 'G12345678', 'e12345678', 'P-E12345678', 'p-E12345678', 'passport-E12345678', 'E1234-5678',
  'H12345678', 'M12345678', 'pp_EA1234567', 'K1234567',
];
const MOBILE_NUMBERS = [
  '13812345678', '138-1234-5678', '138 1234 5678', '138.1234.5678', '8613812345678', '+8613812345678', '+86 138 1234 5678',
  '+86-138-1234-5678', '0086-13812345678', '008613812345678', '86-13812345678', '(+86)13812345678', 'tel:13812345678',
  'tel-13812345678', 'p-13812345678', 'mobile_13812345678', 'p-138-1234-5678', 'u-138a1234b5678', '１３８１２３４５６７８',
  '１３８-１２３４-５６７８', '+８６１３８１２３４５６７８', '手机13812345678', 'p-86.138.1234.5678',
];
const LANDLINES = [
  '010-12345678', '01012345678', '(010)12345678', '021-6123-4567', '0755-12345678', '0755 1234567', '+86-10-12345678',
  '+86 755 1234 5678', 'tel-010-12345678', 'p-0755-1234567', '86-10-12345678', 'fax:021.6123.4567', '０１０-１２３４５６７８',
];
const OTHER_REFUSED = ['张三', 'p-张三', 'Zhang San', '', 'p-1', 'p--abc', '-abc', 'p-abc-', '1234', 'p-' + 'a'.repeat(63), 'p-ab cd', '+p-abc'];

const REFUSED = [...ID_NUMBERS, ...PASSPORT_NUMBERS, ...MOBILE_NUMBERS, ...LANDLINES, ...OTHER_REFUSED];

/** What the simulator, the examples, the registry and real panels send. */
const ACCEPTED = [
  'p-7f3a9c', 'p-0a1b2c', 'p-abcdef', 'p-000001', 'p-123456', 'p-edge-373', 'p-visitor1', 'p-load-0f9e8d', 'v-a1b2c3',
  's-guard-01', 's-guard-07', 's-clean-03', 's-clean-1', 's-mgr-1', 's-g1-a', 's-101', 'staff-e', 'w-0005', 'w-104',
  'P-7F3A9C', 'emp_0042', 'p-a1.b2:c3', 'card-a1b2c3d4', 'p-12-34-ab', 'p-' + 'a'.repeat(62),
];

describe('the pseudonymous reference schema', () => {
  it('the table is as large as the issue asks: at least 50 refused shapes', () => {
    expect(REFUSED.length).toBeGreaterThanOrEqual(50);
    expect(new Set(REFUSED).size).toBe(REFUSED.length);
  });

  it.each(REFUSED)('refuses %j', (value) => {
    expect(PseudonymousRef.safeParse(value).success).toBe(false);
  });

  it.each(ACCEPTED)('accepts %j', (value) => {
    expect(PseudonymousRef.safeParse(value)).toEqual({ success: true, data: value });
  });

  it('scrubs every refused number from free text, and is idempotent', () => {
    // (A number cut up by letters, u-138a1234b5678, is refused as a reference but is not a row of digits in free text.)
    for (const value of [...ID_NUMBERS, ...MOBILE_NUMBERS, ...LANDLINES, ...PASSPORT_NUMBERS].filter((v) => v !== 'u-138a1234b5678')) {
      const scrubbed = scrubNumbers(`x ${value} y`);
      expect(scrubbed).toContain(REDACTED);
      expect(scrubbed.replace(/[^0-9０-９]/g, '').length).toBeLessThan(7);
      expect(scrubNumbers(scrubbed)).toBe(scrubbed);
    }
  });
});

const TEMPERATURE = 'gatewatch/v1/hc-001/therm-g1/temperature';
const SHIFT = 'gatewatch/v1/hc-001/panel-g1/shift';

describe('over MQTT and HTTP: refused values are stored, served and logged nowhere', () => {
  let svc: TestService;
  let therm: MqttClient;
  let panel: MqttClient;
  const logLines: string[] = [];
  beforeAll(async () => {
    const sink = new Writable({ write(chunk, _enc, done) { logLines.push(String(chunk)); done(); } });
    svc = await startTestService({}, undefined, createLogger('info', sink));
    therm = await svc.connect('therm-g1');
    panel = await svc.connect('panel-g1');
  });
  afterAll(async () => svc?.stop());

  const now = () => new Date().toISOString();
  const refused = ['110101900307123', '110101-19900307-1234', '8613812345678', '0086-13812345678', '138-1234-5678', 'E12345678', '１３８１２３４５６７８', '010-12345678'];

  it('dead-letters each refused personRef / staffRef with the field named and the value redacted, everywhere', async () => {
    for (const [i, ref] of refused.entries()) {
      await therm.publishAsync(TEMPERATURE, JSON.stringify({ seq: 100 + i, ts: now(), gateId: 'g1', temperatureC: 38.5, subject: 'resident', personRef: ref }), { qos: 1 });
      await panel.publishAsync(SHIFT, JSON.stringify({ seq: 100 + i, ts: now(), gateId: 'g1', event: 'start', staffRef: ref }), { qos: 1 });
    }
    // An unknown field with a phone number, and text that is not JSON at all.
    await therm.publishAsync(TEMPERATURE, JSON.stringify({ seq: 200, ts: now(), gateId: 'g1', temperatureC: 36.5, subject: 'resident', personRef: 'p-7f3a9c', phone: '13812345678' }), { qos: 1 });
    await therm.publishAsync(TEMPERATURE, 'personRef=110101199003071234', { qos: 1 });

    const res = await fetch(`http://127.0.0.1:${svc.runtime.httpPort}/api/v1/dead-letters?limit=1000`, { headers: { authorization: `Bearer ${svc.tokens.admin}` } });
    expect(res.status).toBe(200);
    const items = ((await res.json()) as { items: { topic: string; payload: string; code: string; reason: string }[] }).items.reverse();
    expect(items.map((d) => d.code)).toEqual([...Array<string>(refused.length * 2).fill('PAYLOAD_SCHEMA_INVALID'), 'PAYLOAD_SCHEMA_INVALID', 'PAYLOAD_NOT_JSON']);
    const refs = items.slice(0, refused.length * 2);
    expect(refs.map((d) => d.reason.split(':')[0])).toEqual(refused.flatMap(() => ['personRef', 'staffRef']));
    expect(refs.map((d) => (JSON.parse(d.payload) as Record<string, unknown>)[d.reason.split(':')[0]!])).toEqual(refs.map(() => REDACTED));
    expect(JSON.parse(items.at(-2)!.payload)).toMatchObject({ personRef: 'p-7f3a9c', phone: REDACTED });
    expect(items.at(-2)!.reason).toBe('(root): Unrecognized key: "phone"');
    expect(items.at(-1)!.payload).toBe(`personRef=${REDACTED}`);

    // Not in the table, not in any answer, not in a log line; no alarm was raised for them.
    const stored = svc.runtime.db.prepare('SELECT topic || payload || reason FROM dead_letters').pluck().all().join('\n');
    const alarms = await fetch(`http://127.0.0.1:${svc.runtime.httpPort}/api/v1/alarms`, { headers: { authorization: `Bearer ${svc.tokens.admin}` } }).then((r) => r.text());
    for (const ref of [...refused, '13812345678', '110101199003071234']) {
      const digits = ref.replace(/[^0-9０-９]/g, '');
      for (const [where, text] of [['dead_letters', stored], ['API', JSON.stringify(items)], ['alarms', alarms], ['log', logLines.join('')]] as const) {
        expect({ where, found: text.replace(/[^0-9０-９]/g, ' ').includes(digits) || text.includes(ref) }).toEqual({ where, found: false });
      }
    }
    expect(logLines.filter((l) => l.includes('"dead-lettered"')).length).toBe(refused.length * 2 + 2);
  });

  it('redacts rows stored verbatim by an earlier version when the API serves them', async () => {
    svc.runtime.db
      .prepare('INSERT INTO dead_letters (received_at, client_id, topic, payload, code, reason) VALUES (?, ?, ?, ?, ?, ?)')
      .run(Date.now(), 'therm-g1-0', TEMPERATURE, Buffer.from(JSON.stringify({ seq: 1, personRef: '8613812345678' })), 'PAYLOAD_SCHEMA_INVALID', 'personRef: looks like a phone number');
    const { items } = (await svc.api('GET', '/api/v1/dead-letters?limit=1')).json as { items: { payload: string }[] };
    expect(JSON.parse(items[0]!.payload)).toEqual({ seq: 1, personRef: REDACTED });
    expect(deadLetterPayload(TEMPERATURE, items[0]!.payload)).toBe(items[0]!.payload);
  });

  it('registry API: a staff ref shaped like an ID or phone number is answered 400 naming the field, not the value', async () => {
    const community = { name: '和平里小区', propertyCompany: '城建物业', gates: [{ id: 'east', name: '东门' }], areas: [], staff: [] as { ref: string; role: string }[] };
    for (const ref of ['110101900307123', '+86 138 1234 5678', '0086-13812345678', 'EA1234567', '１３８１２３４５６７８']) {
      const res = await fetch(`http://127.0.0.1:${svc.runtime.httpPort}/api/v1/communities/hc-100`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${svc.tokens.admin}`, 'content-type': 'application/json' },
        body: JSON.stringify({ ...community, staff: [{ ref, role: 'gate_attendant' }] }),
      });
      const text = await res.text();
      expect({ ref, status: res.status, echoed: text.includes(ref) }).toEqual({ ref, status: 400, echoed: false });
      expect(text).toContain('staff');
    }
    const ok = await svc.api('PUT', '/api/v1/communities/hc-100', { body: { ...community, staff: [{ ref: 's-guard-07', role: 'gate_attendant' }] } });
    expect(ok.status).toBe(200);
  });
});
