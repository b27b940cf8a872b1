/**
 * The walking skeleton end to end: real broker on a free port, real MQTT
 * client over TCP, real SQLite, HTTP API through fastify's inject.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, shanghaiIso, startTestService, type TestService } from '../support/service.js';

const topic = 'gatewatch/v1/hc-001/therm-g1/temperature';
let svc: TestService;
let seq = 100;

function reading(temperatureC: number, personRef = 'p-000001', ts = Date.now()) {
  return JSON.stringify({ seq: seq++, ts: shanghaiIso(ts), gateId: 'g1', temperatureC, subject: 'resident', personRef });
}

async function alarms(query = '') {
  const res = await svc.api('GET', `/api/v1/alarms${query}`);
  expect(res.status).toBe(200);
  return res.json.items as { id: number; rule: string; subject: string; status: string; occurrences: number; details: Record<string, unknown> }[];
}

async function deadLetters() {
  return (await svc.api('GET', '/api/v1/dead-letters')).json.items as { code: string; reason: string; topic: string }[];
}

beforeAll(async () => {
  svc = await startTestService();
});
afterAll(async () => svc?.stop());

describe('walking skeleton', () => {
  it('raises a fever alarm for 38.1 °C and none for 37.3 °C', async () => {
    const device = await svc.connect('therm-g1');
    await device.publishAsync(topic, reading(37.3, 'p-normal1'), { qos: 1 });
    await device.publishAsync(topic, reading(38.1, 'p-fever01'), { qos: 1 });
    const [alarm] = await eventually(async () => {
      const items = await alarms();
      return items.length > 0 ? items : undefined;
    });
    expect(await alarms()).toHaveLength(1);
    expect(alarm).toMatchObject({ rule: 'fever', subject: 'person:p-fever01', status: 'open', occurrences: 1, details: { temperatureC: 38.1, gateId: 'g1' } });
  });

  it('dead-letters a malformed payload with its reason and still processes the next good reading', async () => {
    const device = await svc.connect('therm-g1');
    await device.publishAsync(topic, '{"seq": 1, "temperatureC": "hot"', { qos: 1 });
    await device.publishAsync(topic, JSON.stringify({ seq: seq++, ts: shanghaiIso(Date.now()), gateId: 'g1', temperatureC: 'hot', subject: 'resident', personRef: 'p-000002' }), { qos: 1 });
    await device.publishAsync(topic, reading(39.0, 'p-fever02'), { qos: 1 });
    await eventually(async () => (await alarms()).some((a) => a.subject === 'person:p-fever02'));
    const letters = await deadLetters();
    expect(letters.map((d) => d.code)).toEqual(['PAYLOAD_SCHEMA_INVALID', 'PAYLOAD_NOT_JSON']);
    expect(letters[0]!.reason).toBe('temperatureC: Invalid input: expected number, received string');
  });

  it('keeps one open alarm per person and counts repeats; ignores a repeated (device, seq)', async () => {
    const device = await svc.connect('therm-g1');
    await device.publishAsync(topic, reading(38.5, 'p-repeat1'), { qos: 1 });
    await device.publishAsync(topic, reading(38.6, 'p-repeat1'), { qos: 1 });
    const duplicateSeq = seq - 1;
    await device.publishAsync(topic, JSON.stringify({ seq: duplicateSeq, ts: shanghaiIso(Date.now()), gateId: 'g1', temperatureC: 38.6, subject: 'resident', personRef: 'p-repeat1' }), { qos: 1 });
    const alarm = await eventually(async () => (await alarms()).find((a) => a.subject === 'person:p-repeat1' && a.occurrences === 2));
    await new Promise((r) => setTimeout(r, 100));
    expect((await alarms()).filter((a) => a.subject === 'person:p-repeat1')).toEqual([alarm]);
    const metrics = (await svc.runtime.http.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/gatewatch_messages_rejected_total\{code="DUPLICATE"\} 1\n/);
  });

  it('dead-letters readings from the future and readings older than the allowed lateness', async () => {
    const device = await svc.connect('therm-g1');
    await device.publishAsync(topic, reading(36.5, 'p-000003', Date.now() + 10 * 60_000), { qos: 1 });
    await device.publishAsync(topic, reading(36.5, 'p-000004', Date.now() - 25 * 3_600_000), { qos: 1 });
    const codes = await eventually(async () => {
      const c = (await deadLetters()).map((d) => d.code);
      return c.includes('EVENT_TOO_LATE') ? c : undefined;
    });
    expect(codes.slice(0, 2)).toEqual(['EVENT_TOO_LATE', 'EVENT_FROM_FUTURE']);
  });

  it('acknowledges and resolves an alarm through the API, with who and a note', async () => {
    const [alarm] = await alarms('?status=open&rule=fever&limit=1');
    const ack = await svc.api('POST', `/api/v1/alarms/${alarm!.id}/acknowledge`, { token: svc.tokens.operator, body: { note: 'sent to fever clinic' } });
    expect(ack.status).toBe(200);
    expect(ack.json).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'operator:test-operator', acknowledgeNote: 'sent to fever clinic' });
    const again = await svc.api('POST', `/api/v1/alarms/${alarm!.id}/acknowledge`, { token: svc.tokens.operator, body: {} });
    expect(again.status).toBe(409);
    const resolved = await svc.api('POST', `/api/v1/alarms/${alarm!.id}/resolve`, { token: svc.tokens.operator, body: { note: 'negative test' } });
    expect(resolved.json).toMatchObject({ status: 'resolved', resolvedBy: 'operator:test-operator', resolveNote: 'negative test' });
  });
});

describe('device identity at the broker', () => {
  it('refuses a wrong secret, an anonymous client and a disabled device', async () => {
    await expect(svc.connect('therm-g1', 'not-the-secret')).rejects.toThrow(/Bad username or password/i);
    await expect(svc.connect('', '')).rejects.toThrow(/Bad username or password/i);
    await expect(svc.connect('therm-off')).rejects.toThrow(/Not authorized/i);
  });

  it('refuses a publish under another device or community and a subscription to #', async () => {
    const device = await svc.connect('therm-g1');
    const closed = new Promise<void>((resolve) => device.once('close', () => resolve()));
    // SUBACK 0x80 (failure) [MQTT-3.9.3-2]; mqtt.js turns it into an error.
    await expect(device.subscribeAsync('#', { qos: 1 })).rejects.toThrow(/Subscribe error/);
    await expect(device.subscribeAsync('$SYS/#', { qos: 0 })).rejects.toThrow(/Subscribe error/);
    const own = await device.subscribeAsync('gatewatch/v1/hc-001/therm-g1/cmd', { qos: 1 });
    expect(own[0]!.qos).toBe(1);
    device.publish('gatewatch/v1/hc-002/therm-b1/temperature', reading(39.9, 'p-spoof01'), { qos: 1 });
    await closed; // MQTT 3.1.1 has no negative PUBACK: the broker drops the connection
    await new Promise((r) => setTimeout(r, 100));
    expect((await alarms()).some((a) => a.subject === 'person:p-spoof01')).toBe(false);
  });
});
