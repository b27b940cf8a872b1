/** A local HTTP receiver for webhook tests: records what it is sent; can be told to fail. */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  at: number;
  url: string;
  headers: IncomingMessage['headers'];
  body: any;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** While true, answers 503 (a receiver that is down). */
  failing: boolean;
  /** Answer HTTP 200 with this JSON instead of 204 (WeCom / DingTalk style). */
  reply?: Record<string, unknown>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const state: Omit<Receiver, 'url' | 'close'> = { received: [], failing: false };
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (d: Buffer) => (raw += d.toString('utf8')));
    req.on('end', () => {
      if (state.failing) {
        res.writeHead(503).end('down');
        return;
      }
      state.received.push({ at: Date.now(), url: req.url ?? '', headers: req.headers, body: raw ? JSON.parse(raw) : undefined });
      if (state.reply) res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(state.reply));
      else res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}/hook`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
