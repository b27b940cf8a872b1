/**
 * A graceful stop delivers the PUBACKs of the batches it commits while closing. Before, broker.close()
 * closed aedes' connections while batches were still being committed, so their readings were journaled but
 * never acknowledged (the device resends them; harmless, but the stop lied about what it had). Now the
 * broker stops taking publishes, waits (bounded, 5 s) until every batch handed over is answered and its
 * PUBACKs written, then closes the connections: the acknowledged messages are exactly the journaled ones.
 * The stop comes during a 1 s write lock held by another connection, so batches are surely in flight.
 */
import Database from 'better-sqlite3';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { startTestService } from '../support/service.js';
import { reading, sleep } from './helpers.js';
import { holdWriteLock } from '../support/write-lock.js';

const RATE_PER_S = 2000;
const DEVICES = [
  { id: 'therm-g1', topic: 'gatewatch/v1/hc-001/therm-g1/temperature' },
  { id: 'therm-b1', topic: 'gatewatch/v1/hc-002/therm-b1/temperature' },
];

describe('runtime.stop() under load', () => {
  it('every PUBACKed message is journaled, and every journaled QoS 1 message was PUBACKed', async () => {
    const svc = await startTestService();
    const clients: MqttClient[] = [];
    for (const d of DEVICES) clients.push(await svc.connect(d.id));
    for (const c of clients) c.on('error', () => {});
    const acked = new Set<string>();
    // What the broker wrote, read off the wire: each client's PUBACKs by packet id, matched to the PUBLISH sent
    // with it (a promise of publishAsync may instead reject when the close is handled before the PUBACK).
    clients.forEach((c, n) => {
      const byId = new Map<number, string>();
      c.on('packetsend', (p) => {
        if (p.cmd === 'publish' && p.messageId !== undefined) byId.set(p.messageId, `${DEVICES[n]!.id}/${JSON.parse(String(p.payload)).seq}`);
      });
      c.on('packetreceive', (p) => {
        if (p.cmd === 'puback' && p.messageId !== undefined && byId.has(p.messageId)) acked.add(byId.get(p.messageId)!);
      });
    });
    let sent = 0;
    let stopping = false;
    let sentAfterStop = 0;
    const t0 = performance.now();
    const ticker = setInterval(() => {
      const due = Math.floor(((performance.now() - t0) / 1000) * RATE_PER_S);
      while (sent < due) {
        const i = sent++;
        if (stopping) sentAfterStop++;
        const d = DEVICES[i % 2]!;
        const seq = 3_000_000 + i;
        clients[i % 2]!.publishAsync(d.topic, reading(seq), { qos: 1 }).catch(() => {});
      }
    }, 5);

    await sleep(1500);
    // The stop comes while another connection holds the write lock for 1 s: the batches in flight wait for it,
    // so they are committed while the broker is closing (without the wait, their PUBACKs were never written).
    const lock = await holdWriteLock(join(svc.dataDir, 'gatewatch.sqlite'), 1000);
    await sleep(50);
    const ackedBeforeStop = acked.size;
    stopping = true;
    const t = performance.now();
    await svc.runtime.stop();
    const stopMs = performance.now() - t;
    await lock.released;
    clearInterval(ticker);
    // PUBACKs that arrived just before the connections closed have been read by now.
    await sleep(200);
    for (const c of clients) c.end(true);

    const db = new Database(join(svc.dataDir, 'gatewatch.sqlite'), { readonly: true });
    const journaled = new Set((db.prepare('SELECT device_id, seq FROM readings').all() as { device_id: string; seq: number }[]).map((r) => `${r.device_id}/${r.seq}`));
    const deadLetters = db.prepare('SELECT COUNT(*) FROM dead_letters').pluck().get();
    db.close();
    rmSync(svc.dataDir, { recursive: true, force: true });

    // The load was real and the stop came mid-stream: readings were still coming when it began.
    expect(ackedBeforeStop).toBeGreaterThan(1000);
    expect(sentAfterStop).toBeGreaterThan(0);
    expect(sent).toBeGreaterThan(acked.size);
    expect(deadLetters).toBe(0);
    expect([...acked].filter((k) => !journaled.has(k))).toEqual([]);
    // Within the 5 s bound, so no exception: every journaled message was acknowledged.
    expect(stopMs).toBeGreaterThan(900);
    expect(stopMs).toBeLessThan(5000);
    expect([...journaled].filter((k) => !acked.has(k))).toEqual([]);
    expect(journaled.size).toBe(acked.size);
  }, 30_000);
});
