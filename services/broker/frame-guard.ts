/**
 * A thin duplex between a device's transport (TCP, TLS or WebSocket stream)
 * and aedes. It reads only the MQTT fixed header of each packet (type and
 * Remaining Length [MQTT-2.2.3]) and passes the bytes through unchanged, so:
 *
 * - a packet larger than the limit is refused before it is buffered: aedes'
 *   parser would otherwise collect up to 256 MB per packet (the largest
 *   Remaining Length) in memory, even before CONNECT is authenticated;
 * - presence knows when anything (PUBLISH, PINGREQ, ...) was last heard and
 *   whether the device said DISCONNECT before its connection closed.
 *
 * Back-pressure and fairness: aedes handles every packet of what one read
 * returns at once and reads again only when all of them have completed (after
 * their ingest commit). The guard hands aedes at most SLICE_BYTES per read, so
 * a flooding connection has at most a few dozen messages queued for the
 * commit ahead of a well-behaved device's one. What aedes has not read yet
 * waits here (at most QUEUE_BYTES), then the transport is paused and TCP flow
 * control slows the sender instead of memory growing.
 */
import { Duplex } from 'node:stream';

const DISCONNECT = 14; // packet type 14 [MQTT-3.14]
/** Most bytes handed to aedes per read (about 40 readings of 200 bytes). */
export const SLICE_BYTES = 8 * 1024;
/** Bytes received but not yet read by aedes above which the transport is paused. */
export const QUEUE_BYTES = 64 * 1024;

export interface FrameGuardOptions {
  maxPacketBytes: number;
  /** Called once when a packet over the limit is announced; the connection is then destroyed. */
  onOversize: (packetBytes: number, packetType: number) => void;
  now?: () => number;
  /**
   * Ms to wait between slices while this connection has a backlog (it sends
   * faster than it is read); 0 = no wait. Under overload this spaces out the
   * reads of flooding connections, while one that sent a single message (no
   * backlog) is read at once.
   */
  pace?: () => number;
}

export class FrameGuard extends Duplex {
  /** Unix ms of the last bytes received. */
  lastActivityAt: number;
  /** True when the peer sent DISCONNECT: a clean goodbye, not a lost connection. */
  sawDisconnect = false;

  // Fixed-header scanner state, kept across chunk boundaries.
  private skip = 0;
  private inLength = false;
  private type = 0;
  private length = 0;
  private multiplier = 1;
  private lengthBytes = 0;
  private readonly now: () => number;
  // Received, scanned, not yet pushed to aedes.
  private queue: Buffer[] = [];
  private queued = 0;
  private wantRead = false;
  private innerEnded = false;
  private eofPushed = false;
  private lastSliceAt = 0;
  private paceTimer: NodeJS.Timeout | undefined;
  private pumpScheduled = false;

  constructor(
    readonly inner: Duplex,
    private readonly options: FrameGuardOptions,
  ) {
    super({ allowHalfOpen: false, readableHighWaterMark: SLICE_BYTES });
    this.now = options.now ?? Date.now;
    this.lastActivityAt = this.now();
    inner.on('data', (chunk: Buffer) => this.onData(chunk));
    inner.on('end', () => {
      this.innerEnded = true;
      this.pump();
    });
    inner.on('error', (err) => this.destroy(err));
    // A transport that closed after its end: let aedes read what is buffered
    // (a QoS 0 PUBLISH followed by DISCONNECT), then close.
    inner.on('close', () => {
      if (this.destroyed) return;
      if (this.readableEnded) this.destroy();
      else this.once('end', () => this.destroy());
    });
    inner.on('drain', () => this.emit('transportDrain'));
  }

  private onData(chunk: Buffer): void {
    if (this.destroyed) return;
    this.lastActivityAt = this.now();
    const problem = this.scan(chunk);
    if (problem) {
      this.options.onOversize(problem.bytes, problem.type);
      this.destroy();
      return;
    }
    this.queue.push(chunk);
    this.queued += chunk.length;
    if (this.queued >= QUEUE_BYTES) this.inner.pause();
    this.pump();
  }

  /** Pushes queued bytes, SLICE_BYTES at a time, while aedes wants more. */
  private pump(): void {
    while (this.wantRead && this.queued > 0 && !this.paceTimer) {
      const wait = this.queued > SLICE_BYTES && this.options.pace ? this.lastSliceAt + this.options.pace() - this.now() : 0;
      if (wait > 0) {
        this.paceTimer = setTimeout(() => {
          this.paceTimer = undefined;
          this.pump();
        }, wait);
        break;
      }
      this.lastSliceAt = this.now();
      let slice: Buffer;
      const head = this.queue[0]!;
      if (head.length <= SLICE_BYTES) {
        slice = head;
        this.queue.shift();
      } else {
        slice = head.subarray(0, SLICE_BYTES);
        this.queue[0] = head.subarray(SLICE_BYTES);
      }
      this.queued -= slice.length;
      this.wantRead = this.push(slice);
    }
    if (this.queued < QUEUE_BYTES / 2 && this.inner.isPaused() && !this.innerEnded) this.inner.resume();
    if (this.queued === 0 && this.innerEnded && !this.eofPushed) {
      this.eofPushed = true;
      this.push(null);
    }
  }

  /** Walks packet boundaries in `chunk`; returns the first oversize packet, if any. */
  private scan(chunk: Buffer): { bytes: number; type: number } | undefined {
    let i = 0;
    while (i < chunk.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - i);
        this.skip -= n;
        i += n;
        continue;
      }
      const byte = chunk[i++]!;
      if (!this.inLength) {
        this.type = byte >> 4;
        this.inLength = true;
        this.length = 0;
        this.multiplier = 1;
        this.lengthBytes = 0;
        continue;
      }
      // Remaining Length: up to four bytes, 7 bits each, low bits first [MQTT-2.2.3].
      this.length += (byte & 0x7f) * this.multiplier;
      this.multiplier *= 128;
      this.lengthBytes++;
      if (byte & 0x80) {
        if (this.lengthBytes === 4) return { bytes: Number.POSITIVE_INFINITY, type: this.type }; // malformed
        continue;
      }
      this.inLength = false;
      const total = 1 + this.lengthBytes + this.length;
      if (total > this.options.maxPacketBytes) return { bytes: total, type: this.type };
      if (this.type === DISCONNECT) this.sawDisconnect = true;
      this.skip = this.length;
    }
    return undefined;
  }

  /**
   * Never pushes from inside `_read`: the push waits for the next tick.
   * aedes reads once per 'readable' event (or packet completion), not until
   * read() returns null. A push made synchronously inside the read() that
   * then takes it schedules a 'readable' that finds the buffer empty, and
   * Node leaves `emittedReadable` set in that case; the next push (from
   * read(0) in Node's maybeReadMore) then emits no 'readable' at all, and a
   * large PUBLISH whose first slices aedes had parsed waited forever: no
   * PUBACK, no PINGRESP, closed at the keep-alive timeout. Pushed outside
   * read(), every push that lands in an empty buffer wakes aedes.
   */
  override _read(): void {
    this.wantRead = true;
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    process.nextTick(() => {
      this.pumpScheduled = false;
      if (!this.destroyed) this.pump();
    });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.inner.write(chunk)) callback();
    else this.once('transportDrain', () => callback());
  }

  override _writev(chunks: { chunk: Buffer }[], callback: (error?: Error | null) => void): void {
    let ok = true;
    this.inner.cork();
    for (const { chunk } of chunks) ok = this.inner.write(chunk) && ok;
    this.inner.uncork();
    if (ok) callback();
    else this.once('transportDrain', () => callback());
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.inner.end();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    clearTimeout(this.paceTimer);
    this.inner.destroy();
    this.emit('transportDrain'); // release a pending write callback
    callback(error);
  }
}
