/**
 * What the writer puts on the wire and how it reads the answers. The server
 * here is a plain node:http server on loopback that records requests and
 * answers as told, so the 2.x / 3.x flavoured answers (token auth, 429 with
 * Retry-After, 503) can be checked; the real-server behaviour is in sink.test.ts.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseInfluxConfig, type InfluxConfig } from '../../services/influx/config.js';
import { createInfluxWriter } from '../../services/influx/writer.js';
import { freePort } from '../support/influxd.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

let server: Server;
let base: string;
const seen: Seen[] = [];
let answer: { status: number; headers?: Record<string, string>; body?: string } = { status: 204 };

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(answer.status, answer.headers ?? {});
      res.end(answer.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function config(env: Record<string, string> = {}): InfluxConfig {
  const c = parseInfluxConfig({ GW_INFLUX_URL: base, GW_INFLUX_DB: 'gw db', ...env });
  if (!c) throw new Error('config expected');
  return c;
}

describe('writer', () => {
  test('POSTs gzip line protocol to the v1 /write with db, rp, ns precision and a Token header', async () => {
    seen.length = 0;
    answer = { status: 204 };
    const writer = createInfluxWriter(config({ GW_INFLUX_RP: 'autogen', GW_INFLUX_TOKEN: 'tok-123' }));
    expect(await writer.write(['m,t=a v=1 1', 'm,t=b v=2 2'])).toEqual({ kind: 'ok' });
    const [req] = seen;
    expect(req?.method).toBe('POST');
    expect(req?.url).toBe('/write?db=gw+db&precision=ns&rp=autogen');
    expect(req?.headers['content-encoding']).toBe('gzip');
    expect(req?.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(req?.headers.authorization).toBe('Token tok-123');
    expect(gunzipSync(req?.body ?? Buffer.alloc(0)).toString('utf8')).toBe('m,t=a v=1 1\nm,t=b v=2 2');
  });

  test('basic auth for user and password; CREATE DATABASE through /query with a quoted name', async () => {
    seen.length = 0;
    answer = { status: 200, body: '{"results":[{"statement_id":0}]}' };
    const writer = createInfluxWriter(config({ GW_INFLUX_DB: 'gw"x', GW_INFLUX_USER: 'gw', GW_INFLUX_PASSWORD: 'p:w' }));
    expect(await writer.createDatabase()).toEqual({ status: 200, body: '{"results":[{"statement_id":0}]}' });
    expect(seen[0]?.url).toBe('/query');
    expect(seen[0]?.headers.authorization).toBe(`Basic ${Buffer.from('gw:p:w').toString('base64')}`);
    expect(new URLSearchParams(seen[0]?.body.toString('utf8')).get('q')).toBe('CREATE DATABASE "gw\\"x"');
  });

  test('answers are classified: retry on 429/503/404 and network errors, refused on 400', async () => {
    const writer = createInfluxWriter(config());
    answer = { status: 429, headers: { 'Retry-After': '7' }, body: '{"code":"too many requests","message":"slow down"}' };
    expect(await writer.write(['m v=1 1'])).toEqual({ kind: 'retry', status: 429, reason: 'slow down', retryAfterMs: 7000, missingDatabase: false });
    answer = { status: 503, body: 'overloaded' };
    expect(await writer.write(['m v=1 1'])).toEqual({ kind: 'retry', status: 503, reason: 'overloaded', retryAfterMs: 0, missingDatabase: false });
    answer = { status: 404, body: '{"error":"database not found: \\"gw db\\""}' };
    expect(await writer.write(['m v=1 1'])).toEqual({ kind: 'retry', status: 404, reason: 'database not found: "gw db"', retryAfterMs: 0, missingDatabase: true });
    answer = { status: 400, body: '{"error":"partial write: field type conflict: input field \\"v\\" on measurement \\"m\\" is type integer, already exists as type float dropped=2"}' };
    expect(await writer.write(['m v=1i 1', 'm v=2i 2'])).toEqual({
      kind: 'refused',
      status: 400,
      reason: 'partial write: field type conflict: input field "v" on measurement "m" is type integer, already exists as type float dropped=2',
      allDropped: true,
    });
    expect(await writer.write(['m v=1i 1', 'm v=2i 2', 'm v=3 3'])).toMatchObject({ kind: 'refused', allDropped: false });

    const closed = createInfluxWriter({ ...config(), url: `http://127.0.0.1:${await freePort()}` });
    expect(await closed.write(['m v=1 1'])).toEqual({ kind: 'retry', status: null, reason: 'fetch failed: ECONNREFUSED', retryAfterMs: 0, missingDatabase: false });
  });
});
