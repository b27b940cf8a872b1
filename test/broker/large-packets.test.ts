/**
 * Large PUBLISHes between the payload limit (16 KiB) and the packet limit
 * (64 KiB), at the defaults the README's limits table documents: each one is
 * acknowledged (PUBACK) and dead-lettered PAYLOAD_TOO_LARGE, and the
 * connection keeps working. Before the fix in services/broker/frame-guard.ts
 * (a push made inside `_read` could leave aedes without a 'readable' event),
 * a packet whose first slices aedes had already parsed waited forever: no
 * PUBACK, no PINGRESP, closed at the keep-alive timeout.
 *
 * Over real TCP, with mqtt.js and with stock mosquitto_pub (a new connection
 * per message, which publishes as soon as CONNACK arrives); sizes drawn from a
 * seeded PRNG so a failure replays.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { createRng } from '../../devices-sim/prng.js';
import { startTestService, type TestService } from '../support/service.js';
import { reading } from './helpers.js';

const PAYLOAD_LIMIT = 16 * 1024; // GW_MAX_PAYLOAD_BYTES default
const PACKET_LIMIT = 64 * 1024; // GW_MQTT_MAX_PACKET_BYTES default
const THERM_TOPIC = 'gatewatch/v1/hc-001/therm-g1/temperature';
const SPEAKER_TOPIC = 'gatewatch/v1/hc-001/speaker-1/broadcast';

/** The largest payload whose QoS 1 PUBLISH on `topic` is exactly PACKET_LIMIT bytes (3-byte Remaining Length). */
const largestPayload = (topic: string) => PACKET_LIMIT - 1 - 3 - (2 + Buffer.byteLength(topic)) - 2;

/** `count` sizes over the payload limit up to the packet limit; the largest possible one is always among them. */
function drawSizes(seed: number, count: number, topic: string): number[] {
  const rng = createRng(seed);
  const max = largestPayload(topic);
  return [max, ...Array.from({ length: count - 1 }, () => rng.int(PAYLOAD_LIMIT + 1, max))];
}

const body = (size: number, fill: string) => fill.repeat(size);

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService(); // the documented defaults: no limit overridden
});
afterAll(async () => svc?.stop());

/** The sizes the dead letters of `clientIdPrefix` report, in arrival order. */
function deadLetteredSizes(clientIdPrefix: string): { codes: string[]; sizes: number[] } {
  const rows = svc.runtime.db
    .prepare("SELECT code, reason FROM dead_letters WHERE client_id LIKE ? || '%' ORDER BY id")
    .all(clientIdPrefix) as { code: string; reason: string }[];
  return {
    codes: [...new Set(rows.map((r) => r.code))],
    sizes: rows.map((r) => Number(/payload is (\d+) bytes, limit 16384/.exec(r.reason)?.[1] ?? -1)),
  };
}

/**
 * One mosquitto_pub run; resolves with its exit code. `-l` publishes each stdin
 * line as a message on one connection; with QoS 1 it exits 0 only once every
 * message got its PUBACK. A wedged connection never exits by itself: after 20 s
 * it is killed and counts as a failure (a bound on a hang, not a timing assertion).
 */
function mosquittoPub(args: string[], stdin: string): Promise<number | string> {
  return new Promise((resolve) => {
    const child = spawn('/usr/bin/mosquitto_pub', ['-h', '127.0.0.1', '-p', String(svc.runtime.mqttPort), '-q', '1', ...args], { stdio: ['pipe', 'ignore', 'ignore'] });
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('exit', (code, signal) => {
      clearTimeout(killer);
      resolve(code ?? String(signal));
    });
    child.stdin.end(stdin);
  });
}

const speakerArgs = (clientId: string) => ['-i', clientId, '-u', 'speaker-1', '-P', 'speaker-1-secret', '-t', SPEAKER_TOPIC];

describe('large PUBLISHes between the payload and the packet limit (defaults: 16 KiB, 64 KiB)', () => {
  let device: MqttClient;
  beforeAll(async () => {
    device = await svc.connect('therm-g1', undefined, { clientId: 'therm-g1', keepalive: 30 });
  });

  it('mqtt.js: 200 single QoS 1 PUBLISHes, one after the other, each PUBACKed and dead-lettered PAYLOAD_TOO_LARGE', async () => {
    const sizes = drawSizes(16, 200, THERM_TOPIC);
    for (const size of sizes) await device.publishAsync(THERM_TOPIC, body(size, 'x'), { qos: 1 });
    expect(deadLetteredSizes('therm-g1')).toEqual({ codes: ['PAYLOAD_TOO_LARGE'], sizes });
    // Not wedged: a normal reading right after is stored.
    await device.publishAsync(THERM_TOPIC, reading(1), { qos: 1 });
    expect(svc.runtime.db.prepare("SELECT seq FROM readings WHERE device_id = 'therm-g1'").pluck().all()).toEqual([1]);
  }, 180_000);

  it('mqtt.js: back-to-back bursts (5 × 20 unawaited PUBLISHes, 24 KiB and random sizes), every one PUBACKed', async () => {
    const before = deadLetteredSizes('therm-g1').sizes.length;
    const rng = createRng(1616);
    const bursts = [Array<number>(20).fill(24 * 1024), ...Array.from({ length: 4 }, () => Array.from({ length: 20 }, () => rng.int(PAYLOAD_LIMIT + 1, largestPayload(THERM_TOPIC))))];
    for (const burst of bursts) await Promise.all(burst.map((size) => device.publishAsync(THERM_TOPIC, body(size, 'y'), { qos: 1 })));
    const after = deadLetteredSizes('therm-g1');
    expect(after.codes).toEqual(['PAYLOAD_TOO_LARGE']);
    // In-order delivery on one connection [MQTT-4.6.0-6]: the dead letters are the bursts, in order.
    expect(after.sizes.slice(before)).toEqual(bursts.flat());
    await device.publishAsync(THERM_TOPIC, reading(2), { qos: 1 });
    expect(svc.runtime.db.prepare("SELECT seq FROM readings WHERE device_id = 'therm-g1' ORDER BY seq").pluck().all()).toEqual([1, 2]);
  }, 180_000);

  it('mosquitto_pub: 200 runs, one large QoS 1 PUBLISH each, all exit 0 (PUBACK received) and are dead-lettered', async () => {
    const sizes = drawSizes(1601, 200, SPEAKER_TOPIC);
    const exits: (number | string)[] = [];
    for (const [i, size] of sizes.entries()) {
      exits.push(await mosquittoPub([...speakerArgs(`speaker-1-s${i}`), '-s'], body(size, 'z')));
      if (exits.at(-1) !== 0) break; // one wedge is enough to fail; the old code wedged about 3 runs in 8
    }
    expect(exits).toEqual(sizes.map(() => 0));
    expect(deadLetteredSizes('speaker-1-s')).toEqual({ codes: ['PAYLOAD_TOO_LARGE'], sizes });
  }, 300_000);

  it('mosquitto_pub -l: bursts of lines on one connection (20 × 24 KiB, then 20 random sizes), every one PUBACKed', async () => {
    const rng = createRng(1602);
    // A line's newline is not part of the message, so the sizes are those of the lines.
    const bursts = [Array<number>(20).fill(24 * 1024), Array.from({ length: 20 }, () => rng.int(PAYLOAD_LIMIT + 1, largestPayload(SPEAKER_TOPIC)))];
    const exits: (number | string)[] = [];
    for (const [i, burst] of bursts.entries()) exits.push(await mosquittoPub([...speakerArgs(`speaker-1-l${i}`), '-l'], burst.map((size) => body(size, 'w')).join('\n') + '\n'));
    expect(exits).toEqual([0, 0]);
    expect(deadLetteredSizes('speaker-1-l')).toEqual({ codes: ['PAYLOAD_TOO_LARGE'], sizes: bursts.flat() });
  }, 180_000);
});
