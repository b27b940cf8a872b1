/**
 * The data directory on a small tmpfs, filled by a filler file while two devices publish QoS 1 at a steady
 * rate: SQLite's writes fail with SQLITE_FULL. Nothing acknowledged may be lost or dead-lettered: the failing
 * batches are not acknowledged and are sent again; /readyz says not ready (storage, with the reason) while the
 * disk is full, /healthz stays 200; once the filler is removed, the held-back readings are journaled, each
 * exactly once, and /readyz is ready again.
 *
 * Needs root (mount). The tests run as root in CI; where mount is refused this test fails, never skips.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmdirSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { eventually, startTestService, type TestService } from '../support/service.js';
import { reading, sleep } from '../broker/helpers.js';

const RATE_PER_S = 300;
const DEVICES = [
  { id: 'therm-g1', topic: 'gatewatch/v1/hc-001/therm-g1/temperature' },
  { id: 'therm-b1', topic: 'gatewatch/v1/hc-002/therm-b1/temperature' },
];

let mountPoint: string;
let mounted = false;
let svc: TestService | undefined;
beforeAll(async () => {
  mountPoint = mkdtempSync(join(tmpdir(), 'gatewatch-full-'));
  // 24 MiB: the fresh database, its WAL and the readings of this test fit several times over.
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', mountPoint]);
  mounted = true;
  svc = await startTestService({}, mountPoint);
});
afterAll(async () => {
  await svc?.stop();
  if (mounted) execFileSync('umount', [mountPoint]);
  rmdirSync(mountPoint);
});

/** Writes a filler file until the file system has no space left; returns its path. */
function fillDisk(dir: string): string {
  const path = join(dir, 'filler');
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(64 * 1024, 0x5a);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
  // The last bytes: a partial chunk may still fit.
  const fd2 = openSync(path, 'a');
  try {
    for (;;) writeSync(fd2, Buffer.alloc(512, 0x5a));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd2);
  }
  return path;
}

async function get(path: string): Promise<{ status: number; json: any }> {
  const res = await fetch(`http://127.0.0.1:${svc!.runtime.httpPort}${path}`);
  return { status: res.status, json: await res.json() };
}

describe('a full disk', () => {
  it('loses and dead-letters no acknowledged reading; /readyz is 503 while full and ready again after; the held-back readings are then journaled', async () => {
    const s = svc!;
    const clients: MqttClient[] = [];
    for (const d of DEVICES) clients.push(await s.connect(d.id));
    const acked = new Set<string>();
    const failed: string[] = [];
    const publishes: Promise<unknown>[] = [];
    let sent = 0;
    let stopAt = Infinity;
    const t0 = performance.now();
    const ticker = setInterval(() => {
      const due = Math.min(Math.floor(((performance.now() - t0) / 1000) * RATE_PER_S), stopAt);
      while (sent < due) {
        const i = sent++;
        const d = DEVICES[i % 2]!;
        const seq = 2_000_000 + i;
        publishes.push(
          clients[i % 2]!.publishAsync(d.topic, reading(seq), { qos: 1 }).then(
            () => acked.add(`${d.id}/${seq}`),
            (err: Error) => failed.push(`${d.id}/${seq}: ${err.message}`),
          ),
        );
      }
    }, 10);

    await sleep(1000);
    expect(acked.size).toBeGreaterThan(0);
    const filler = fillDisk(mountPoint);
    // SQLite first reuses the WAL's space; writes fail once it must grow.
    const notReady = await eventually(async () => {
      const r = await get('/readyz');
      return r.status === 503 ? r : undefined;
    }, 15_000, 50);
    expect(notReady.json.status).toBe('not_ready');
    expect(notReady.json.checks).toEqual({ database: true, mqtt: true, storage: false });
    expect(notReady.json.reasons.storage).toMatch(/^the last ingest write failed: SQLITE_FULL \(since \d{4}-\d\d-\d\dT[\d:.]+Z\)$/);
    expect(await get('/healthz')).toEqual({ status: 200, json: { status: 'ok' } });
    // While full: still not ready a second later, and the readings sent meanwhile wait unacknowledged. (A few
    // batches may still commit, and are acknowledged: the checkpointer's thread can complete a checkpoint into
    // pages the database file already has, and the WAL's own space is then reused. Each is journaled: below.)
    const sentWhileFull = sent;
    await sleep(1000);
    expect((await get('/readyz')).status).toBe(503);
    expect(sent).toBeGreaterThan(sentWhileFull);
    const waitingForSpace = sent - acked.size;
    expect(waitingForSpace).toBeGreaterThan(0);

    stopAt = sent + RATE_PER_S; // another second's worth, then stop
    rmSync(filler);
    expect(await eventually(async () => ((await get('/readyz')).status === 200 ? true : undefined), 10_000, 50)).toBe(true);
    while (sent < stopAt) await sleep(10);
    clearInterval(ticker);
    await Promise.all(publishes);

    expect(failed).toEqual([]);
    expect(acked.size).toBe(sent);
    const db = s.runtime.db;
    expect(db.prepare('SELECT COUNT(*) FROM dead_letters').pluck().get()).toBe(0);
    expect(db.prepare('SELECT COUNT(*) FROM readings').pluck().get()).toBe(sent);
    expect(db.prepare('SELECT COUNT(*) FROM (SELECT device_id, seq FROM readings GROUP BY device_id, seq HAVING COUNT(*) > 1)').pluck().get()).toBe(0);
    const journaled = new Set((db.prepare('SELECT device_id, seq FROM readings').all() as { device_id: string; seq: number }[]).map((r) => `${r.device_id}/${r.seq}`));
    expect([...acked].filter((k) => !journaled.has(k))).toEqual([]);
    expect(await get('/readyz')).toEqual({ status: 200, json: { status: 'ready', checks: { database: true, mqtt: true, storage: true } } });
  }, 60_000);
});
