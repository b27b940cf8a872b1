/**
 * MQTT 3.1.1 conformance points aedes 1.2 let through (services/broker/conformance.ts),
 * over real TCP with hand-built packets (a client library will not send them):
 * - a PUBLISH topic with U+0000 [MQTT-4.7.3-2] or ill-formed UTF-8 [MQTT-1.5.3-1]: connection closed, no PUBACK, nothing stored;
 * - an empty client id with clean session off: CONNACK 0x02 [MQTT-3.1.3-8];
 * - a will topic with `#` or `+` [MQTT-3.1.3-11, MQTT-4.7.1-1]: closed at CONNECT without a CONNACK [MQTT-3.1.4-1].
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../support/service.js';
import { connectPacket, rawConnect } from './raw-mqtt.js';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService();
});
afterAll(async () => svc?.stop());

function varint(n: number): Buffer {
  const out: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return Buffer.from(out);
}
const field = (b: Buffer) => Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
const utf8 = (s: string) => field(Buffer.from(s, 'utf8'));

/** A 3.1.1 CONNECT with username and password, the given clean flag and an optional will. */
function connect(clientId: string, clean: boolean, will?: { topic: string; message: string }): Buffer {
  const flags = 0x80 | 0x40 | (clean ? 0x02 : 0) | (will ? 0x04 : 0);
  const body = Buffer.concat([
    utf8('MQTT'), Buffer.from([4, flags, 0, 60]), utf8(clientId),
    ...(will ? [utf8(will.topic), utf8(will.message)] : []),
    utf8('therm-g1'), utf8('therm-g1-secret'),
  ]);
  return Buffer.concat([Buffer.from([0x10]), varint(body.length), body]);
}

/** A QoS 1 PUBLISH whose topic is the raw bytes given. */
function publishRaw(topic: Buffer, payload: string, messageId: number): Buffer {
  const body = Buffer.concat([field(topic), Buffer.from([messageId >> 8, messageId & 0xff]), Buffer.from(payload)]);
  return Buffer.concat([Buffer.from([0x32]), varint(body.length), body]);
}

const reading = (seq: number) => JSON.stringify({ seq, ts: new Date().toISOString(), gateId: 'g1', temperatureC: 36.6, subject: 'resident', personRef: 'p-000001' });
const stored = () => svc.runtime.db.prepare("SELECT seq FROM readings WHERE device_id = 'therm-g1' ORDER BY seq").pluck().all();

describe('PUBLISH topics', () => {
  const prefix = 'gatewatch/v1/hc-001/therm-g1/';
  it.each([
    ['U+0000 [MQTT-4.7.3-2]', Buffer.concat([Buffer.from(prefix), Buffer.from('temperature\u0000x')]), 1],
    ['ill-formed UTF-8 [MQTT-1.5.3-1]', Buffer.concat([Buffer.from(prefix), Buffer.from([0x74, 0xc3, 0x28])]), 2],
    ['a UTF-16 surrogate encoded in UTF-8 [MQTT-1.5.3-1]', Buffer.concat([Buffer.from(prefix), Buffer.from([0xed, 0xa0, 0x80])]), 3],
  ])('a topic with %s closes the connection: no PUBACK, nothing stored', async (_what, topic, seq) => {
    const raw = rawConnect(svc.runtime.mqttPort, connectPacket(`therm-g1-c${seq}`, 'therm-g1', 'therm-g1-secret'));
    expect(await raw.connack).toBe(0);
    const acks: number[] = [];
    raw.onPuback((id) => acks.push(id));
    raw.socket.write(publishRaw(topic, reading(seq), 7));
    await raw.closed;
    expect(acks).toEqual([]);
    expect(stored()).not.toContain(seq);
    expect(svc.runtime.db.prepare('SELECT COUNT(*) FROM dead_letters').pluck().get()).toBe(0);
  });

  it('a well-formed topic on the same path still works (the control)', async () => {
    const raw = rawConnect(svc.runtime.mqttPort, connectPacket('therm-g1-ok', 'therm-g1', 'therm-g1-secret'));
    expect(await raw.connack).toBe(0);
    const acked = new Promise<number>((resolve) => raw.onPuback(resolve));
    raw.socket.write(publishRaw(Buffer.from(`${prefix}temperature`), reading(9), 9));
    expect(await acked).toBe(9);
    expect(stored()).toContain(9);
    raw.socket.destroy();
  });
});

describe('CONNECT', () => {
  it('an empty client id with clean session off is answered CONNACK 0x02 [MQTT-3.1.3-8]; with clean session on it is accepted', async () => {
    const persistent = rawConnect(svc.runtime.mqttPort, connect('', false));
    expect(await persistent.connack).toBe(2);
    await persistent.closed;
    const clean = rawConnect(svc.runtime.mqttPort, connect('', true));
    expect(await clean.connack).toBe(0);
    clean.socket.destroy();
  });

  it.each(['gatewatch/v1/hc-001/therm-g1/#', 'gatewatch/v1/hc-001/+/status', '#'])('a will topic %s closes the connection without a CONNACK [MQTT-3.1.3-11]', async (topic) => {
    const raw = rawConnect(svc.runtime.mqttPort, connect('therm-g1-will', true, { topic, message: 'offline' }));
    await expect(raw.connack).rejects.toThrow(/closed before CONNACK/);
    await raw.closed;
  });

  it('a will topic that is a topic name is accepted', async () => {
    const raw = rawConnect(svc.runtime.mqttPort, connect('therm-g1-will-ok', true, { topic: 'gatewatch/v1/hc-001/therm-g1/status', message: 'x' }));
    expect(await raw.connack).toBe(0);
    raw.socket.destroy();
  });
});
