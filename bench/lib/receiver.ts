/**
 * The local alarm webhook receiver: every POST is one alarm; it records when
 * the alarm for a person ref arrived. It understands our alarm JSON
 * (`alarm.details.personRef`) and the peers' plain `{ personRef }`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Receiver {
  url: string;
  /** person ref -> arrival time (ms, wall clock) */
  arrivals: Map<string, number>;
  count(): number;
  close(): Promise<void>;
}

function personRefOf(body: unknown): string | undefined {
  const b = body as { personRef?: string; alarm?: { details?: { personRef?: string } } } | undefined;
  return b?.personRef ?? b?.alarm?.details?.personRef;
}

export async function startReceiver(): Promise<Receiver> {
  const arrivals = new Map<string, number>();
  let n = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      const at = Date.now();
      n++;
      try {
        const ref = personRefOf(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        if (ref && !arrivals.has(ref)) arrivals.set(ref, at);
      } catch {
        // not JSON: counted, not matched
      }
      res.writeHead(204).end();
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    arrivals,
    count: () => n,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** p50 / p99 / max of send -> arrival, over the fevers that arrived; missing = sent but never seen. */
export function alarmLatency(fevers: [string, number][], arrivals: Map<string, number>): { n: number; missing: number; p50: number; p99: number; max: number } {
  const lat: number[] = [];
  let missing = 0;
  for (const [ref, sentAt] of fevers) {
    const at = arrivals.get(ref);
    if (at === undefined) missing++;
    else lat.push(at - sentAt);
  }
  lat.sort((a, b) => a - b);
  const pick = (p: number) => (lat.length ? lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))]! : NaN);
  return { n: lat.length, missing, p50: pick(50), p99: pick(99), max: lat[lat.length - 1] ?? NaN };
}
