/**
 * A minimal MQTT 3.1.1 client over a raw socket, for what a well-behaved
 * client library will not do: flood without waiting, announce a huge packet,
 * go silent without closing (a half-open connection), or pipeline thousands
 * of QoS 1 PUBLISH and track exactly which were acknowledged.
 */
import { connect, type Socket } from 'node:net';

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

const str = (s: string) => {
  const b = Buffer.from(s, 'utf8');
  const len = Buffer.alloc(2);
  len.writeUInt16BE(b.length);
  return Buffer.concat([len, b]);
};

export function connectPacket(clientId: string, username: string, password: string, keepalive = 60): Buffer {
  const ka = Buffer.alloc(2);
  ka.writeUInt16BE(keepalive);
  const body = Buffer.concat([str('MQTT'), Buffer.from([4, 0x80 | 0x40 | 0x02]), ka, str(clientId), str(username), str(password)]);
  return Buffer.concat([Buffer.from([0x10]), varint(body.length), body]);
}

export function publishPacket(topic: string, payload: string | Buffer, qos: 0 | 1, messageId = 0): Buffer {
  const id = Buffer.alloc(qos ? 2 : 0);
  if (qos) id.writeUInt16BE(messageId);
  const body = Buffer.concat([str(topic), id, Buffer.isBuffer(payload) ? payload : Buffer.from(payload)]);
  return Buffer.concat([Buffer.from([qos ? 0x32 : 0x30]), varint(body.length), body]);
}

/** Only the fixed header of a PUBLISH that claims `length` bytes: nothing after it is ever sent. */
export function hugePublishHeader(length: number): Buffer {
  return Buffer.concat([Buffer.from([0x30]), varint(length)]);
}

export interface RawClient {
  socket: Socket;
  /** Resolves with the CONNACK return code. */
  connack: Promise<number>;
  /** Called with the message id of every PUBACK. */
  onPuback: (fn: (messageId: number) => void) => void;
  closed: Promise<void>;
}

export function rawConnect(port: number, connectBytes: Buffer): RawClient {
  const socket = connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  let pending: Buffer = Buffer.alloc(0);
  let pubackListener: (id: number) => void = () => {};
  let resolveConnack: (rc: number) => void = () => {};
  const connack = new Promise<number>((resolve, reject) => {
    resolveConnack = resolve;
    socket.once('close', () => reject(new Error('closed before CONNACK')));
  });
  connack.catch(() => {});
  socket.on('data', (chunk: Buffer) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    // The server sends us only CONNACK (4 bytes) and PUBACK (4 bytes) here.
    let i = 0;
    while (pending.length - i >= 4) {
      const type = pending[i]! >> 4;
      if (type === 2) resolveConnack(pending[i + 3]!);
      else if (type === 4) pubackListener(pending.readUInt16BE(i + 2));
      i += 2 + pending[i + 1]!;
    }
    pending = pending.subarray(i);
  });
  socket.on('error', () => {});
  socket.once('connect', () => socket.write(connectBytes));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return { socket, connack, onPuback: (fn) => (pubackListener = fn), closed };
}
