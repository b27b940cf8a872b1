/**
 * The flooding side of test/broker/flood.test.ts, in its own process so that
 * its busy event loop does not delay the well-behaved device it is compared
 * with. Usage (env): PORT, COMMUNITY, DEVICES (comma list; the first QOS0 of
 * them flood QoS 0, the rest QoS 1), QOS0, DURATION_MS, OUT (JSON file).
 * Writes { sent, acked: { deviceId: seq[] } } to OUT and exits.
 */
import { writeFileSync } from 'node:fs';
import { connectPacket, publishPacket, rawConnect, type RawClient } from './raw-mqtt.js';

const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is required`);
  return v;
};
const PORT = Number(env('PORT'));
const COMMUNITY = env('COMMUNITY');
const DEVICES = env('DEVICES').split(',');
const QOS0 = Number(env('QOS0'));
const DURATION_MS = Number(env('DURATION_MS'));
/** Unacknowledged QoS 1 PUBLISH per flooding connection (MQTT message ids are 16-bit). */
const QOS1_WINDOW = 2000;

const topicOf = (id: string) => `gatewatch/v1/${COMMUNITY}/${id}/temperature`;
const payload = (seq: number) =>
  JSON.stringify({ seq, ts: new Date().toISOString(), gateId: 'g1', temperatureC: 36.6, subject: 'resident', personRef: 'p-flood01' });

/** QoS 0: one prebuilt buffer written whenever the socket takes more. */
function floodQos0(client: RawClient, id: string, stop: () => boolean): void {
  const batch = Buffer.concat(Array.from({ length: 200 }, (_, i) => publishPacket(topicOf(id), payload(i + 1), 0)));
  const pump = () => {
    while (!stop() && !client.socket.destroyed && client.socket.write(batch));
  };
  client.socket.on('drain', pump);
  pump();
}

/** QoS 1: pipelined up to the window; records the seq of every PUBACK. */
function floodQos1(client: RawClient, id: string, stop: () => boolean, acked: number[]): () => number {
  const inFlight = new Map<number, number>();
  let seq = 0;
  let nextId = 1;
  const pump = () => {
    while (!stop() && !client.socket.destroyed && inFlight.size < QOS1_WINDOW) {
      const parts: Buffer[] = [];
      for (let i = 0; i < 100 && inFlight.size < QOS1_WINDOW; i++) {
        while (inFlight.has(nextId)) nextId = (nextId % 65535) + 1;
        inFlight.set(nextId, ++seq);
        parts.push(publishPacket(topicOf(id), payload(seq), 1, nextId));
        nextId = (nextId % 65535) + 1;
      }
      if (!client.socket.write(Buffer.concat(parts))) return; // 'drain' resumes
    }
  };
  client.onPuback((messageId) => {
    const s = inFlight.get(messageId);
    if (s !== undefined) {
      inFlight.delete(messageId);
      acked.push(s);
    }
    if (inFlight.size < QOS1_WINDOW / 2) pump();
  });
  client.socket.on('drain', pump);
  pump();
  return () => seq;
}


async function main(): Promise<void> {
  const clients = DEVICES.map((id) => rawConnect(PORT, connectPacket(id, id, `${id}-secret!`)));
  const codes = await Promise.all(clients.map((c) => c.connack));
  if (codes.some((rc) => rc !== 0)) throw new Error(`CONNACK codes ${codes.join(',')}`);
  process.stdout.write('connected\n');
  let stopping = false;
  const stop = () => stopping;
  const acked: Record<string, number[]> = {};
  let sent = 0;
  const counters: (() => number)[] = [];
  clients.forEach((c, i) => {
    const id = DEVICES[i]!;
    if (i < QOS0) floodQos0(c, id, stop);
    else counters.push(floodQos1(c, id, stop, (acked[id] = [])));
  });
  await new Promise((r) => setTimeout(r, DURATION_MS));
  stopping = true;
  for (const c of clients) c.socket.destroy();
  sent = counters.reduce((n, f) => n + f(), 0);
  writeFileSync(env('OUT'), JSON.stringify({ sent, acked }));
  process.exit(0);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
