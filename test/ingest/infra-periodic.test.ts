/**
 * The main thread waits only 20 ms for another connection's write lock (runtime.ts), so its periodic writers
 * meet SQLITE_BUSY where they used to wait. Each keeps its work for the next pass: the facts materializer keeps
 * a day it could not write due, and the webhook outbox, when it cannot mark a delivered call, ends its pass
 * without an unhandled rejection (which would end the process) and delivers again (at least once).
 */
import Database from 'better-sqlite3';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestService, type TestService } from '../support/service.js';
import { reading, sleep } from '../broker/helpers.js';

let svc: TestService;
let lockDuringDelivery = false;
let other: Database.Database | undefined;
const deliveries: { alarmId: number; type: string }[] = [];
const hook = createServer((req, res) => {
  let raw = '';
  req.on('data', (d: Buffer) => (raw += d.toString('utf8')));
  req.on('end', () => {
    const body = JSON.parse(raw);
    deliveries.push({ alarmId: body.alarm.id, type: body.type });
    // The first call: another connection takes the write lock before the answer, so marking it delivered fails.
    if (lockDuringDelivery) {
      lockDuringDelivery = false;
      other = new Database(join(svc.dataDir, 'gatewatch.sqlite'));
      other.exec('BEGIN IMMEDIATE');
    }
    res.writeHead(204).end();
  });
});

beforeAll(async () => {
  await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', () => resolve()));
  const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
  svc = await startTestService({ GW_ALARM_WEBHOOK_URL: url, GW_ALARM_WEBHOOK_FORMAT: 'json' });
});
afterAll(async () => {
  other?.close();
  await svc?.stop();
  await new Promise<void>((resolve) => hook.close(() => resolve()));
});

describe('periodic writers under another connection\'s write lock', () => {
  it('the facts materializer keeps a day it could not write, and writes it once the lock is gone', async () => {
    const device = await svc.connect('therm-g1');
    await device.publishAsync('gatewatch/v1/hc-001/therm-g1/temperature', reading(1), { qos: 1 });
    const { materializer } = svc.runtime.ingest;
    // Journal first: the PUBACK precedes the rules processor, which marks the reading's day due.
    svc.runtime.ingest.processors.drain();
    const lock = new Database(join(svc.dataDir, 'gatewatch.sqlite'));
    lock.exec('BEGIN IMMEDIATE');
    let error: unknown;
    try {
      materializer.flush(Date.now(), true);
    } catch (err) {
      error = err;
    }
    const dueDuringLock = materializer.pending();
    lock.exec('ROLLBACK');
    lock.close();
    expect((error as { code?: string }).code).toBe('SQLITE_BUSY');
    expect(dueDuringLock).toBeGreaterThanOrEqual(1);
    const written = materializer.flush(Date.now(), true);
    expect(written).toBe(dueDuringLock);
    expect(materializer.pending()).toBe(0);
    await device.endAsync();
  });

  it('the webhook outbox delivers again a call it could not mark delivered, and the process lives on', async () => {
    lockDuringDelivery = true;
    const device = await svc.connect('therm-g1');
    await device.publishAsync('gatewatch/v1/hc-001/therm-g1/temperature', reading(2, { temperatureC: 38.6, personRef: 'p-0f0f0f' }), { qos: 1 });
    await eventually(() => other !== undefined, 5000, 10);
    // Held for a second: the outbox's pass fails to mark the call delivered and ends.
    await sleep(1000);
    other!.exec('ROLLBACK');
    other!.close();
    other = undefined;
    // Each pass during the lock (it polls every second) delivered the call and could not mark it.
    const duringLock = deliveries.length;
    expect(duringLock).toBeGreaterThanOrEqual(1);
    // After the lock: once more, marked delivered this time, and nothing is left.
    await eventually(() => deliveries.length === duringLock + 1, 5000, 20);
    await sleep(1500);
    expect(deliveries).toHaveLength(duringLock + 1);
    expect(new Set(deliveries.map((d) => JSON.stringify(d)))).toEqual(new Set([JSON.stringify(deliveries[0])]));
    expect(deliveries[0]!.type).toBe('alarm.opened');
    expect(svc.runtime.db.prepare('SELECT COUNT(*) FROM webhook_outbox').pluck().get()).toBe(0);
    await device.endAsync();
  }, 20_000);
});
