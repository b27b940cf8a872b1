/**
 * A minimal MQTT 3.1.1 client for the load generator: CONNECT, PUBLISH (QoS 0
 * and 1), PUBACK, PINGREQ. Frames are built by hand so that the generator
 * spends its CPU on sending, not on a full client library: at tens of
 * thousands of messages a second on a 2-core machine the generator must stay
 * much cheaper than the broker it loads.
 */
import { connect, type Socket } from 'node:net';

const CONNECT = 0x10;
const CONNACK = 0x20;
const PUBLISH = 0x30;
const PUBACK = 0x40;

function remainingLength(n: number): Buffer {
  const bytes: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    bytes.push(b);
  } while (n > 0);
  return Buffer.from(bytes);
}

function str(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  const out = Buffer.allocUnsafe(2 + b.length);
  out.writeUInt16BE(b.length, 0);
  b.copy(out, 2);
  return out;
}

export function connectFrame(clientId: string, username?: string, password?: string, keepaliveS = 120): Buffer {
  let flags = 0x02; // clean session
  if (username !== undefined) flags |= 0x80;
  if (password !== undefined) flags |= 0x40;
  const header = Buffer.from([0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, flags, keepaliveS >> 8, keepaliveS & 0xff]);
  const parts = [header, str(clientId)];
  if (username !== undefined) parts.push(str(username));
  if (password !== undefined) parts.push(str(password));
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([CONNECT]), remainingLength(body.length), body]);
}

/** A PUBLISH frame; `packetId` only for QoS 1. */
export function publishFrame(topic: Buffer, payload: Buffer, qos: 0 | 1, packetId = 0): Buffer {
  const len = 2 + topic.length + (qos ? 2 : 0) + payload.length;
  const rl = remainingLength(len);
  const out = Buffer.allocUnsafe(1 + rl.length + len);
  let o = 0;
  out[o++] = PUBLISH | (qos << 1);
  rl.copy(out, o);
  o += rl.length;
  out.writeUInt16BE(topic.length, o);
  o += 2;
  topic.copy(out, o);
  o += topic.length;
  if (qos) {
    out.writeUInt16BE(packetId, o);
    o += 2;
  }
  payload.copy(out, o);
  return out;
}

export interface WireClient {
  socket: Socket;
  /** Called with the packet id of every PUBACK. */
  onPuback: (packetId: number) => void;
  /** Called with (topic, payload) of every PUBLISH received (subscribers). */
  onPublish: (topic: string, payload: Buffer) => void;
  closed: boolean;
}

/** Connects and resolves after CONNACK 0; rejects on a refusal, an error or the timeout. */
export function wireConnect(host: string, port: number, clientId: string, username?: string, password?: string, timeoutMs = 30_000): Promise<WireClient> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, noDelay: true });
    const client: WireClient = { socket, onPuback: () => {}, onPublish: () => {}, closed: false };
    let acked = false;
    let buf: Buffer = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`${clientId}: no CONNACK within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('connect', () => socket.write(connectFrame(clientId, username, password)));
    socket.on('error', (err) => {
      client.closed = true;
      if (!acked) {
        clearTimeout(timer);
        reject(err);
      }
    });
    socket.on('close', () => (client.closed = true));
    socket.on('data', (chunk: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      let o = 0;
      for (;;) {
        if (buf.length - o < 2) break;
        const type = buf[o]! & 0xf0;
        let mult = 1;
        let len = 0;
        let i = o + 1;
        let complete = false;
        for (; i < buf.length && i < o + 5; i++) {
          const b = buf[i]!;
          len += (b & 0x7f) * mult;
          mult *= 128;
          if ((b & 0x80) === 0) {
            complete = true;
            i++;
            break;
          }
        }
        if (!complete || buf.length < i + len) break;
        if (type === PUBACK) client.onPuback(buf.readUInt16BE(i));
        else if (type === CONNACK) {
          clearTimeout(timer);
          const rc = buf[i + 1]!;
          if (rc !== 0) {
            socket.destroy();
            reject(new Error(`${clientId}: CONNACK return code ${rc}`));
            return;
          }
          acked = true;
          resolve(client);
        } else if (type === PUBLISH) {
          const qos = (buf[o]! >> 1) & 3;
          const tl = buf.readUInt16BE(i);
          const topic = buf.toString('utf8', i + 2, i + 2 + tl);
          const start = i + 2 + tl + (qos ? 2 : 0);
          if (qos === 1) socket.write(Buffer.from([PUBACK, 2, buf[i + 2 + tl]!, buf[i + 3 + tl]!]));
          client.onPublish(topic, buf.subarray(start, i + len));
        }
        o = i + len;
      }
      buf = o >= buf.length ? Buffer.alloc(0) : buf.subarray(o);
    });
  });
}
