/**
 * SIGTERM took ~60 s after a database episode: the HTTP server waited on keep-alive connections and open
 * live-feed streams (SSE), and a socket that never sent a request held server.close() until Node's
 * headersTimeout (60 s). A stop closes idle keep-alive connections and ends live streams at once, and closes
 * what is left after a 1 s grace (api/app.ts, CLOSE_GRACE_MS).
 */
import http from 'node:http';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { startTestService } from '../support/service.js';

/** A request on `agent`, its body read to the end: the socket then idles in the agent's keep-alive pool. */
function getKeepAlive(agent: http.Agent, port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    }).on('error', reject);
  });
}

describe('runtime.stop() with open HTTP connections', () => {
  it('takes < 2 s with an idle keep-alive connection, an open SSE stream and a socket that sent nothing, and closes them all', async () => {
    const svc = await startTestService();
    const port = svc.runtime.httpPort;
    const agent = new http.Agent({ keepAlive: true, keepAliveMsecs: 60_000 });
    expect(await getKeepAlive(agent, port, '/healthz')).toBe(200);
    // One idle socket in the pool, kept open by the client.
    expect(Object.values(agent.freeSockets).flat()).toHaveLength(1);

    const stream = await new Promise<http.IncomingMessage>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port, path: '/api/v1/events', headers: { authorization: `Bearer ${svc.tokens.admin}`, accept: 'text/event-stream' } }, resolve).on('error', reject);
    });
    expect(stream.statusCode).toBe(200);
    expect(stream.headers['content-type']).toMatch(/^text\/event-stream/);
    let received = '';
    stream.on('data', (c: Buffer) => (received += c.toString()));
    const ended = new Promise<void>((resolve) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
    });
    // A connection that never sends a request (a browser's preconnect, a half-open client).
    const silent = net.connect(port, '127.0.0.1');
    await new Promise((r) => silent.once('connect', r));
    const silentClosed = new Promise<void>((resolve) => silent.once('close', () => resolve()));
    silent.on('error', () => {});
    // The stream is live: its first event says so.
    while (!received.includes('event: ready')) await new Promise((r) => setTimeout(r, 10));

    const t = performance.now();
    await svc.stop();
    const ms = performance.now() - t;
    await ended;
    await silentClosed;
    agent.destroy();
    expect(ms).toBeLessThan(2000);
    expect(stream.complete || stream.destroyed).toBe(true);
  }, 20_000);
});
