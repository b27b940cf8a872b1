/** The broker's small parts without a broker: the frame guard and the token bucket. */
import { describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { FrameGuard, SLICE_BYTES } from '../../services/broker/frame-guard.js';
import { createLagMonitor, TokenBucket } from '../../services/broker/limits.js';
import { hugePublishHeader, publishPacket } from './raw-mqtt.js';

function guarded(maxPacketBytes = 1024) {
  const inner = new PassThrough();
  const oversize: number[] = [];
  const guard = new FrameGuard(inner, { maxPacketBytes, onOversize: (bytes) => oversize.push(bytes) });
  return { inner, guard, oversize };
}

describe('FrameGuard', () => {
  it('passes packets through unchanged, across chunk boundaries, a read returning at most two slices', async () => {
    const { inner, guard, oversize } = guarded();
    const bytes = Buffer.concat(Array.from({ length: 200 }, (_, i) => publishPacket('a/b', `payload-${i}`.repeat(10), 1, i + 1)));
    for (let i = 0; i < bytes.length; i += 7) inner.write(bytes.subarray(i, i + 7));
    inner.end();
    const slices: Buffer[] = [];
    for await (const chunk of guard) slices.push(chunk as Buffer);
    expect(Buffer.concat(slices).equals(bytes)).toBe(true);
    // A read returns what is buffered: up to the high-water mark (one slice) plus the slice that crossed it.
    expect(Math.max(...slices.map((s) => s.length))).toBeLessThanOrEqual(2 * SLICE_BYTES);
    expect(oversize).toEqual([]);
  });

  it('refuses a packet whose Remaining Length exceeds the limit from its header alone', () => {
    const { inner, guard, oversize } = guarded(1024);
    inner.write(publishPacket('a/b', 'ok', 0));
    inner.write(hugePublishHeader(10_000));
    expect(oversize).toEqual([10_000 + 1 + 2]);
    expect(guard.destroyed).toBe(true);
    expect(inner.destroyed).toBe(true);
  });

  it('treats a five-byte Remaining Length as malformed', () => {
    const { inner, oversize } = guarded();
    inner.write(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]));
    expect(oversize).toEqual([Number.POSITIVE_INFINITY]);
  });

  it('notices DISCONNECT and any activity', () => {
    const { inner, guard } = guarded();
    const before = guard.lastActivityAt;
    inner.write(Buffer.from([0xc0, 0x00])); // PINGREQ
    expect(guard.sawDisconnect).toBe(false);
    inner.write(Buffer.from([0xe0, 0x00])); // DISCONNECT
    expect(guard.sawDisconnect).toBe(true);
    expect(guard.lastActivityAt).toBeGreaterThanOrEqual(before);
  });
});

describe('TokenBucket', () => {
  it('allows a burst, then the rate; QoS 0 needs a whole token, QoS 1 reserves and learns its wait', () => {
    const b = new TokenBucket(10, 5, 0);
    for (let i = 0; i < 5; i++) expect(b.tryTake(0)).toBe(true);
    expect(b.tryTake(0)).toBe(false);
    expect(b.tryTake(100)).toBe(true); // 100 ms at 10/s = 1 token
    expect(b.reserve(100)).toBe(100);
    expect(b.reserve(100)).toBe(200);
    b.refund();
    expect(b.reserve(100)).toBe(200);
    expect(b.tryTake(10_000)).toBe(true); // refilled, capped at the burst
    for (let i = 0; i < 4; i++) expect(b.tryTake(10_000)).toBe(true);
    expect(b.tryTake(10_000)).toBe(false);
  });
});

describe('createLagMonitor', () => {
  const block = (ms: number) => {
    const until = performance.now() + ms;
    while (performance.now() < until); // the event loop is busy, as during start-up or a flood
  };
  const settle = () => new Promise((r) => setTimeout(r, 120));

  it('does not count lag as overload while inactive (no MQTT connection open), and does once active', async () => {
    let active = false;
    const changes: boolean[] = [];
    const lag = createLagMonitor(100, (overloaded) => changes.push(overloaded), 20, () => active);
    try {
      await settle();
      block(300);
      await settle();
      expect(changes).toEqual([]);
      expect(lag.overloaded()).toBe(false);
      active = true;
      block(300);
      await new Promise((r) => setTimeout(r, 0));
      await new Promise((r) => setTimeout(r, 30));
      expect(changes[0]).toBe(true);
      await settle();
      expect(changes.slice(0, 2)).toEqual([true, false]); // and over once the loop catches up
    } finally {
      lag.stop();
    }
  });
});
