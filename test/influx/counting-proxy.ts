/**
 * A loopback HTTP proxy in front of a real influxd that counts the lines of
 * every /write the server accepted (204), per database and measurement.
 * InfluxDB keeps one point per series and time, so a point written twice
 * reads back once; the proxy shows whether it was sent twice. With influxd
 * down it answers 502, which the writer takes as "retry later", as a
 * network error.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

export interface CountingProxy {
  url: string;
  /** Lines accepted for `database` (of `measurement`, when given). */
  lines(database: string, measurement?: string): number;
  /** Every accepted /write, in order: its database and line count. */
  writes(): { database: string; lines: number }[];
  reset(): void;
  close(): Promise<void>;
}

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startCountingProxy(upstream: () => string): Promise<CountingProxy> {
  let accepted: { database: string; lines: string[] }[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const raw = await body(req);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'host' && k !== 'content-length' && k !== 'connection') headers[k] = v;
      let answer: Response;
      try {
        answer = await fetch(`${upstream()}${req.url ?? '/'}`, { method: req.method, headers, body: req.method === 'GET' || req.method === 'HEAD' ? undefined : raw });
      } catch (err) {
        res.writeHead(502, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: `upstream: ${(err as Error).message}` }));
        return;
      }
      const text = Buffer.from(await answer.arrayBuffer());
      const url = new URL(req.url ?? '/', 'http://proxy');
      if (url.pathname === '/write' && answer.status === 204) {
        const payload = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
        accepted.push({ database: url.searchParams.get('db') ?? '', lines: payload.toString('utf8').split('\n').filter((l) => l.length > 0) });
      }
      const out: Record<string, string> = {};
      answer.headers.forEach((v, k) => {
        if (k !== 'content-length' && k !== 'transfer-encoding' && k !== 'connection' && k !== 'content-encoding') out[k] = v;
      });
      res.writeHead(answer.status, out).end(text);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    lines: (database, measurement) =>
      accepted
        .filter((w) => w.database === database)
        .reduce((n, w) => n + (measurement === undefined ? w.lines.length : w.lines.filter((l) => l.startsWith(`${measurement},`)).length), 0),
    writes: () => accepted.map((w) => ({ database: w.database, lines: w.lines.length })),
    reset: () => void (accepted = []),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
