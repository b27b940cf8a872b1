/**
 * "What the service acknowledged is never lost": a QoS 1 PUBACK is sent only
 * after the reading is committed to the journal, so SIGKILL right after a batch of PUBACKs
 * loses nothing. The service runs as a real child process here.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import { freePort, stopProcess, type ServiceProcess } from '../support/process.js';
import { startServiceProcess } from '../support/service-process.js';

const dir = mkdtempSync(join(tmpdir(), 'gatewatch-kill-'));
const procs: ServiceProcess[] = [];
afterAll(async () => {
  for (const p of procs) await stopProcess(p, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const start = (mqttPort: number, httpPort: number): Promise<ServiceProcess> => startServiceProcess(dir, mqttPort, httpPort, procs);

describe('QoS 1 durability', () => {
  it('finds every acknowledged reading after kill -9 right after the PUBACKs', async () => {
    const [mqttPort, httpPort] = [await freePort(), await freePort()];
    const first = await start(mqttPort, httpPort);
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { username: 'therm-g1', password: 'therm-g1-secret', reconnectPeriod: 0 });
    const total = 3000;
    const now = Date.now();
    const acks = await Promise.allSettled(
      Array.from({ length: total }, (_, i) =>
        client.publishAsync('gatewatch/v1/hc-001/therm-g1/temperature',
          JSON.stringify({ seq: i + 1, ts: new Date(now - i).toISOString(), gateId: 'g1', temperatureC: 36.5, subject: 'resident', personRef: 'p-000001' }), { qos: 1 }),
      ),
    );
    first.child.kill('SIGKILL');
    await first.exited;
    client.end(true);
    const acked = acks.filter((a) => a.status === 'fulfilled').length;
    expect(acked).toBe(total);

    // Restart on the same data directory: every acknowledged reading is in the journal.
    const second = await start(mqttPort, httpPort);
    await stopProcess(second);
    const db = new Database(join(dir, 'gatewatch.sqlite'), { readonly: true });
    const seqs = db.prepare('SELECT seq FROM readings WHERE device_id = ? ORDER BY seq').pluck().all('therm-g1') as number[];
    db.close();
    expect(seqs.length).toBe(total);
    expect(seqs[0]).toBe(1);
    expect(seqs[total - 1]).toBe(total);
  }, 90_000);
});
