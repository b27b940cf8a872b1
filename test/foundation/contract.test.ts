import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import {
  DeviceMessageSchemas, EXAMPLES, EXAMPLE_COMMUNITY, MESSAGE_KINDS, decodeDeviceMessage, parseTelemetryTopic, telemetryTopic,
} from '../../schemas/src/index.js';
import { renderJsonSchemas } from '../../schemas/generate.js';

/** For each kind, payloads a device might send wrongly, and the path the error must name. */
const REJECTED: Record<string, { payload: Record<string, unknown>; path: string }[]> = {
  temperature: [
    { payload: { ...EXAMPLES.temperature.payload, temperatureC: '38.1' }, path: 'temperatureC' },
    { payload: { ...EXAMPLES.temperature.payload, subject: 'guest' }, path: 'subject' },
    { payload: { ...EXAMPLES.temperature.payload, personRef: '110101199003070011' }, path: 'personRef' },
    { payload: { ...EXAMPLES.temperature.payload, personRef: '13800138000' }, path: 'personRef' },
    { payload: { ...EXAMPLES.temperature.payload, personRef: '张三' }, path: 'personRef' },
    { payload: { ...EXAMPLES.temperature.payload, ts: '2021-02-03 08:15:00' }, path: 'ts' },
    { payload: { ...EXAMPLES.temperature.payload, seq: -1 }, path: 'seq' },
  ],
  access: [
    { payload: { ...EXAMPLES.access.payload, role: 'postman' }, path: 'role' },
    { payload: { ...EXAMPLES.access.payload, checks: { temperature: true, identity: true } }, path: 'checks.itinerary' },
    { payload: { ...EXAMPLES.access.payload, direction: 'up' }, path: 'direction' },
  ],
  shift: [{ payload: { ...EXAMPLES.shift.payload, event: 'pause' }, path: 'event' }],
  disinfection: [
    { payload: { ...EXAMPLES.disinfection.payload, concentrationMgPerL: undefined }, path: 'concentrationMgPerL' },
    { payload: { ...EXAMPLES.disinfection.payload, agent: 'bleach' }, path: 'agent' },
    { payload: { ...EXAMPLES.disinfection.payload, durationS: 12.5 }, path: 'durationS' },
  ],
  ventilation: [{ payload: { ...EXAMPLES.ventilation.payload, startedAt: 'yesterday' }, path: 'startedAt' }],
  broadcast: [{ payload: { ...EXAMPLES.broadcast.payload, state: 'loud' }, path: 'state' }],
  door: [{ payload: { ...EXAMPLES.door.payload, roomId: 'Club Room' }, path: 'roomId' }],
  status: [{ payload: { ...EXAMPLES.status.payload, batteryPct: 120 }, path: 'batteryPct' }],
};

describe('device message contract', () => {
  it.each(MESSAGE_KINDS)('accepts the documented %s example', (kind) => {
    const { deviceId, payload } = EXAMPLES[kind];
    const decoded = decodeDeviceMessage(telemetryTopic(EXAMPLE_COMMUNITY, deviceId, kind), JSON.stringify(payload));
    expect(decoded).toEqual({ ok: true, message: { kind, communityId: EXAMPLE_COMMUNITY, deviceId, payload } });
  });

  it('has rejected examples for every kind', () => {
    expect(Object.keys(REJECTED).sort()).toEqual([...MESSAGE_KINDS].sort());
  });

  for (const [kind, cases] of Object.entries(REJECTED)) {
    it.each(cases.map((c) => [c.path, c] as const))(`rejects a ${kind} message with a bad %s`, (_path, c) => {
      const decoded = decodeDeviceMessage(`gatewatch/v1/hc-001/dev-1/${kind}`, JSON.stringify(c.payload));
      expect(decoded.ok).toBe(false);
      if (decoded.ok) return;
      expect(decoded.code).toBe('PAYLOAD_SCHEMA_INVALID');
      expect(decoded.reason).toContain(`${c.path}:`);
    });
  }

  it('rejects unknown fields instead of silently ignoring them', () => {
    const decoded = decodeDeviceMessage('gatewatch/v1/hc-001/therm-g1/temperature', JSON.stringify({ ...EXAMPLES.temperature.payload, name: 'Zhang San' }));
    expect(decoded).toMatchObject({ ok: false, code: 'PAYLOAD_SCHEMA_INVALID' });
  });

  it('rejects payloads that are not JSON or too large, with the reason', () => {
    expect(decodeDeviceMessage('gatewatch/v1/hc-001/therm-g1/temperature', '{"seq":')).toMatchObject({ ok: false, code: 'PAYLOAD_NOT_JSON' });
    expect(decodeDeviceMessage('gatewatch/v1/hc-001/therm-g1/temperature', 'x'.repeat(2000), 1024)).toEqual({
      ok: false, code: 'PAYLOAD_TOO_LARGE', reason: 'payload is 2000 bytes, limit 1024',
    });
  });
});

describe('topics', () => {
  it('round-trips a telemetry topic', () => {
    expect(parseTelemetryTopic(telemetryTopic('hc-001', 'therm-g1', 'temperature'))).toEqual({ ok: true, communityId: 'hc-001', deviceId: 'therm-g1', kind: 'temperature' });
  });
  it.each([
    ['gatewatch/v2/hc-001/therm-g1/temperature', 'unsupported topic version "v2", expected v1'],
    ['gatewatch/v1/hc-001/therm-g1/humidity', 'unknown message kind "humidity"; one of temperature, access, shift, disinfection, ventilation, broadcast, door, status'],
    ['gatewatch/v1/HC/therm-g1/temperature', 'invalid community id "HC" in topic'],
    ['gatewatch/v1/hc-001/temperature', 'topic must have 5 levels gatewatch/v1/<community>/<device>/<kind>'],
  ])('rejects %s', (topic, reason) => {
    expect(parseTelemetryTopic(topic)).toEqual({ ok: false, reason });
  });
});

describe('generated JSON Schema and docs', () => {
  it('committed schemas/json matches the zod contract (run npm run schemas:generate when this fails)', () => {
    for (const [name, text] of renderJsonSchemas()) {
      expect(readFileSync(new URL(`../../schemas/json/${name}`, import.meta.url), 'utf8'), name).toBe(text);
    }
  });

  it('schemas/README.md has one mosquitto_pub example per topic kind (test/foundation/mosquitto.test.ts runs them)', () => {
    const readme = readFileSync(new URL('../../schemas/README.md', import.meta.url), 'utf8');
    const kinds = [...readme.matchAll(/^mosquitto_pub .* -t gatewatch\/v1\/[^/]+\/[^/]+\/(\w+) -m /gm)].map((m) => m[1]);
    expect(kinds).toEqual(MESSAGE_KINDS);
  });

  it('JSON Schema carries the device-facing constraints', () => {
    const temperature = JSON.parse(renderJsonSchemas().get('temperature.json')!);
    expect(temperature.required).toEqual(['seq', 'ts', 'gateId', 'temperatureC', 'subject', 'personRef']);
    expect(temperature.additionalProperties).toBe(false);
    expect(temperature.properties.subject.enum).toEqual(['resident', 'visitor', 'staff', 'courier', 'food_delivery', 'contractor']);
    expect(Object.keys(DeviceMessageSchemas)).toHaveLength(8);
  });
});
