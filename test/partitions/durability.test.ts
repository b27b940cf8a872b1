/**
 * kill -9 with partitions (issue 18): two devices of communities in different partitions publish QoS 1
 * while the service, a real child process with GW_PARTITIONS=2, is killed mid-stream. After a restart,
 * every PUBACKed (device, seq) is journaled exactly once, in its community's partition file and only
 * there, and each partition's rules processor has taken its whole journal (its checkpoint is the last
 * row of its own file).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readDb } from '../support/sqlite.js';
import mqtt from 'mqtt';
import { freePort, stopProcess, type ServiceProcess } from '../support/process.js';
import { startServiceProcess } from '../support/service-process.js';
import { partitionFile } from '../../services/store/partitioning.js';

const dir = mkdtempSync(join(tmpdir(), 'gatewatch-partitions-kill-'));
const procs: ServiceProcess[] = [];
afterAll(async () => {
  for (const p of procs) await stopProcess(p, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const start = (mqttPort: number, httpPort: number): Promise<ServiceProcess> => startServiceProcess(dir, mqttPort, httpPort, procs, { GW_PARTITIONS: '2' });


const DEVICES = [
  { id: 'therm-g1', community: 'hc-001', partition: 0 },
  { id: 'therm-b1', community: 'hc-002', partition: 1 },
] as const;
const TOTAL = 4000;
const KILL_AFTER = 1500;

describe('QoS 1 durability with partitions', () => {
  it('finds every acknowledged reading exactly once in its partition after kill -9 mid-stream', async () => {
    const [mqttPort, httpPort] = [await freePort(), await freePort()];
    const first = await start(mqttPort, httpPort);
    const acked = new Map<string, number[]>(DEVICES.map((d) => [d.id, []]));
    let ackedTotal = 0;
    let killed = false;
    const now = Date.now();
    const clients = await Promise.all(
      DEVICES.map((d) => mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { username: d.id, password: `${d.id}-secret`, reconnectPeriod: 0 })),
    );
    const settled = DEVICES.map((d, k) =>
      Promise.allSettled(
        Array.from({ length: TOTAL }, (_, i) =>
          clients[k]!
            .publishAsync(`gatewatch/v1/${d.community}/${d.id}/temperature`,
              JSON.stringify({ seq: i + 1, ts: new Date(now - TOTAL + i).toISOString(), gateId: 'g1', temperatureC: 36.5, subject: 'resident', personRef: 'p-000001' }), { qos: 1 })
            .then(() => {
              acked.get(d.id)!.push(i + 1);
              if (++ackedTotal >= KILL_AFTER && !killed) {
                killed = true;
                first.child.kill('SIGKILL');
              }
            }),
        ),
      ),
    );
    await first.exited;
    // The publishes still in flight fail with the connection (a device would resend them after reconnecting).
    for (const c of clients) c.end(true);
    await Promise.all(settled);
    expect(killed).toBe(true);
    expect(ackedTotal).toBeGreaterThanOrEqual(KILL_AFTER);
    expect(ackedTotal).toBeLessThan(2 * TOTAL);

    // Restart on the same data directory: it takes what the rules had not, and stops cleanly.
    const second = await start(mqttPort, httpPort);
    await stopProcess(second);
    for (const d of DEVICES) {
      const file = partitionFile(dir, d.partition);
      const seqs = readDb(file, (db) => db.prepare('SELECT seq FROM readings WHERE device_id = ? ORDER BY seq').pluck().all(d.id) as number[]);
      // Every PUBACKed seq is there, once (UNIQUE (device_id, seq)); a few more may have committed without their PUBACK reaching the device.
      expect(new Set(seqs).size).toBe(seqs.length);
      expect(acked.get(d.id)!.filter((s) => !seqs.includes(s))).toEqual([]);
      const other = partitionFile(dir, 1 - d.partition);
      expect(readDb(other, (db) => db.prepare('SELECT COUNT(*) FROM readings WHERE device_id = ?').pluck().get(d.id))).toBe(0);
      const [last, checkpoint] = readDb(file, (db) => [
        db.prepare('SELECT MAX(id) FROM readings').pluck().get(),
        db.prepare("SELECT position FROM processor_checkpoints WHERE name = 'rules'").pluck().get(),
      ]);
      expect(checkpoint).toBe(last);
    }
    expect(readDb(join(dir, 'gatewatch.sqlite'), (db) => db.prepare('SELECT COUNT(*) FROM readings').pluck().get())).toBe(0);
  });
});
