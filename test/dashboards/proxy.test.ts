/**
 * The HTTPS proxy of docker-compose.yml: Debian's real Caddy runs
 * deploy/Caddyfile (the same file compose mounts) on free loopback ports, in
 * front of the real service and of a stand-in HTTP server for Grafana, with
 * a certificate made by scripts/compose-secrets.sh. Checked: the page and the
 * API over HTTPS (HTTP/1.1 and HTTP/2), Grafana under /grafana/ with the path
 * kept, the health endpoint, compression of text only, and server-sent
 * events passed on as they are written, uncompressed.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { connect as http2Connect } from 'node:http2';
import { request as httpsRequest } from 'node:https';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, ROOT } from '../support/process.js';
import { eventually, startTestService, type TestService } from '../support/service.js';

const HOST = 'gatewatch.test';
const dir = mkdtempSync(join(tmpdir(), 'gw-proxy-'));
const secrets = join(dir, 'secrets');
let ca: Buffer;
let svc: TestService;
let standIn: Server;
let standInPort: number;
const seen: Array<{ url: string; headers: IncomingHttpHeaders }> = [];
/** The open event stream of the stand-in, held until the test has read its first event. */
let stream: ServerResponse | undefined;
const caddies: ChildProcess[] = [];

interface Proxy { https: number; health: number }
let front: Proxy;
let sseFront: Proxy;

function standInHandler(req: IncomingMessage, res: ServerResponse): void {
  seen.push({ url: req.url!, headers: req.headers });
  if (req.url === '/events') {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.write('data: first\n\n');
    stream = res;
    return;
  }
  if (req.url!.endsWith('.txt')) return void res.writeHead(200, { 'content-type': 'text/plain' }).end('y'.repeat(2000));
  if (req.url === '/readyz') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ready"}');
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ grafana: 'stand-in', url: req.url, pad: 'x'.repeat(2000) }));
}

/** Starts Caddy on deploy/Caddyfile; resolves when its health endpoint answers. */
async function startCaddy(upstream: string): Promise<Proxy> {
  const ports = { https: await freePort(), health: await freePort() };
  const home = mkdtempSync(join(dir, 'caddy-'));
  const child = spawn('caddy', ['run', '--config', join(ROOT, 'deploy/Caddyfile'), '--adapter', 'caddyfile'], {
    env: {
      PATH: process.env.PATH, HOME: home, XDG_DATA_HOME: home, XDG_CONFIG_HOME: home,
      GW_PUBLIC_HOST: HOST, GW_HTTPS_PORT: String(ports.https), GW_PROXY_BIND: '127.0.0.1',
      GW_TLS_CERT: join(secrets, 'tls_cert.pem'), GW_TLS_KEY: join(secrets, 'tls_key.pem'),
      GW_UPSTREAM: upstream, GRAFANA_UPSTREAM: `127.0.0.1:${standInPort}`, GW_PROXY_HEALTH_PORT: String(ports.health), CADDY_ADMIN: 'off',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (!child.pid) throw new Error('caddy could not start (Debian: apt-get install caddy)');
  caddies.push(child);
  let log = '';
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  await eventually(async () => {
    if (child.exitCode !== null) throw new Error(`caddy exited ${child.exitCode}:\n${log}`);
    return (await fetch(`http://127.0.0.1:${ports.health}/`).then((r) => r.ok, () => false)) || null;
  }, 20_000, 100);
  return ports;
}

interface Reply { status: number; headers: IncomingHttpHeaders; body: Buffer; alpn: string | false | null }

function get(port: number, path: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path, servername: HOST, ca, agent: false, headers: { host: HOST, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks), alpn: (res.socket as TLSSocket).alpnProtocol }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  const made = spawnSync('bash', [join(ROOT, 'scripts/compose-secrets.sh'), secrets], { encoding: 'utf8', env: { ...process.env, GW_PUBLIC_HOST: HOST } });
  expect(made.status, made.stderr).toBe(0);
  ca = readFileSync(join(secrets, 'tls_cert.pem'));
  svc = await startTestService();
  standIn = createServer(standInHandler);
  await new Promise<void>((r) => standIn.listen(0, '127.0.0.1', r));
  standInPort = (standIn.address() as { port: number }).port;
  front = await startCaddy(`127.0.0.1:${svc.runtime.httpPort}`);
  sseFront = await startCaddy(`127.0.0.1:${standInPort}`);
}, 60_000);

afterAll(async () => {
  for (const c of caddies) {
    if (c.exitCode === null) {
      c.kill('SIGTERM');
      await new Promise((r) => c.once('exit', r));
    }
  }
  stream?.end();
  await new Promise((r) => standIn?.close(r));
  await svc?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('HTTPS proxy (deploy/Caddyfile)', () => {
  it('serves the page over HTTPS with the certificate, HSTS and no Server header', async () => {
    const page = await get(front.https, '/');
    expect(page.status).toBe(200);
    expect(page.alpn).toBe(false); // plain https.request offers no ALPN: HTTP/1.1
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body.toString()).toBe(readFileSync(join(ROOT, 'services/web/index.html'), 'utf8'));
    expect(page.headers['strict-transport-security']).toBe('max-age=31536000');
    expect(page.headers.server).toBeUndefined();
    expect(page.headers['alt-svc']).toBeUndefined(); // no HTTP/3 offered
  });

  it('speaks HTTP/2 when the client offers it', async () => {
    const session = http2Connect(`https://127.0.0.1:${front.https}`, { ca, servername: HOST });
    const { status, alpn } = await new Promise<{ status: number; alpn: string | undefined }>((resolve, reject) => {
      session.on('error', reject);
      const req = session.request({ ':path': '/healthz', ':authority': HOST });
      req.on('response', (h) => resolve({ status: Number(h[':status']), alpn: session.alpnProtocol }));
      req.resume();
      req.end();
    });
    session.close();
    expect(alpn).toBe('h2');
    expect(status).toBe(200);
  });

  it('passes the API through: a fever reading over MQTT is an alarm at https://<host>/api/v1/alarms', async () => {
    const client = await svc.connect('therm-g1');
    await client.publishAsync('gatewatch/v1/hc-001/therm-g1/temperature',
      JSON.stringify({ seq: 1, ts: new Date().toISOString(), gateId: 'g1', temperatureC: 38.4, subject: 'resident', personRef: 'p-proxy01' }), { qos: 1 });
    await eventually(async () => (await svc.api('GET', '/api/v1/alarms')).json.items.length === 1);
    const res = await get(front.https, '/api/v1/alarms', { authorization: `Bearer ${svc.tokens.admin}` });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body.toString()).items).toMatchObject([{ rule: 'fever', subject: 'person:p-proxy01', details: { temperatureC: 38.4 } }]);
    expect((await get(front.https, '/api/v1/alarms')).status).toBe(401);
  });

  it('compresses text (JavaScript, JSON) for clients that accept it', async () => {
    const js = await get(front.https, '/static/app.js', { 'accept-encoding': 'gzip' });
    expect(js.status).toBe(200);
    expect(js.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(js.body).toString()).toBe(readFileSync(join(ROOT, 'services/web/app.js'), 'utf8'));
    const openapi = await get(front.https, '/openapi.json', { 'accept-encoding': 'gzip' });
    expect(openapi.headers['content-encoding']).toBe('gzip');
    expect(JSON.parse(gunzipSync(openapi.body).toString()).openapi).toMatch(/^3\./);
    // Only the listed text types: other content passes as it is.
    const plain = await get(front.https, '/grafana/public/robots.txt', { 'accept-encoding': 'gzip' });
    expect(plain.headers['content-type']).toBe('text/plain');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.toString()).toBe('y'.repeat(2000));
  });

  it('sends /grafana/ to Grafana with the path kept (Grafana serves from the sub path); /grafana redirects there', async () => {
    const res = await get(front.https, '/grafana/api/health?x=1');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body.toString())).toMatchObject({ grafana: 'stand-in', url: '/grafana/api/health?x=1' });
    const req = seen.find((s) => s.url === '/grafana/api/health?x=1')!;
    expect(req.headers.host).toBe(HOST);
    expect(req.headers['x-forwarded-proto']).toBe('https');
    const bare = await get(front.https, '/grafana');
    expect(bare.status).toBe(308);
    expect(bare.headers.location).toBe('/grafana/');
  });

  it('the health endpoint (127.0.0.1 only) answers with the service\'s /readyz', async () => {
    const res = await fetch(`http://127.0.0.1:${front.health}/anything`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual((await svc.runtime.http.inject({ method: 'GET', url: '/readyz' })).json());
  });

  it('passes server-sent events on as they are written, never compressed', async () => {
    // The first event arrives while the stream is still open: a buffering proxy would hold it until the end
    // (and this test would time out), a compressing one would send gzip.
    const { headers, first, rest } = await new Promise<{ headers: IncomingHttpHeaders; first: string; rest: Promise<string> }>((resolve, reject) => {
      const req = httpsRequest({ host: '127.0.0.1', port: sseFront.https, path: '/events', servername: HOST, ca, agent: false,
        headers: { host: HOST, accept: 'text/event-stream', 'accept-encoding': 'gzip, zstd' } }, (res) => {
        let more = '';
        const rest = new Promise<string>((done) => {
          res.on('end', () => done(more));
        });
        res.once('data', (chunk: Buffer) => {
          res.on('data', (c: Buffer) => (more += c.toString()));
          resolve({ headers: res.headers, first: chunk.toString(), rest });
        });
      });
      req.on('error', reject);
      req.end();
    });
    expect(first).toBe('data: first\n\n');
    expect(headers['content-type']).toBe('text/event-stream');
    expect(headers['content-encoding']).toBeUndefined();
    stream!.end('data: second\n\n');
    expect(await rest).toBe('data: second\n\n');

    // The same proxy does compress JSON from this upstream: the stream was left alone for being a stream.
    const json = await get(sseFront.https, '/grafana/x', { 'accept-encoding': 'gzip' });
    expect(json.headers['content-encoding']).toBe('gzip');
  });
});
