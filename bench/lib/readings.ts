/**
 * Batches of thermometer readings as the broker thread hands them to ingest, for the in-process benches
 * (ingest-cpu.ts, partitions.ts): devices in turn, each with its own rising seq, a fever in 400, a new
 * person every reading.
 */
import type { ReceivedMessage } from '../../services/domain/received-message.js';

export interface BenchDevice {
  communityId: string;
  deviceId: string;
}

export function thermometerBatches(devices: readonly BenchDevice[], batchSize: number): (from: number) => ReceivedMessage[] {
  const seqs = new Map<string, number>();
  const t0 = Date.now();
  return (from) =>
    Array.from({ length: batchSize }, (_, j) => {
      const i = from + j;
      const d = devices[i % devices.length]!;
      const seq = (seqs.get(d.deviceId) ?? 0) + 1;
      seqs.set(d.deviceId, seq);
      const payload = { seq, ts: new Date(t0 - 1000 + i / 100).toISOString(), gateId: 'g1', temperatureC: i % 400 === 0 ? 38.5 : 36.5, subject: 'resident', personRef: `p-${String(i % 100_000).padStart(6, '0')}` };
      return { receivedAt: Date.now(), clientId: d.deviceId, topic: `gatewatch/v1/${d.communityId}/${d.deviceId}/temperature`, payload: Buffer.from(JSON.stringify(payload)), qos: 1 };
    });
}
