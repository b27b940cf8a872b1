/**
 * A real InfluxDB 1.x server for tests: Debian's /usr/bin/influxd on free
 * loopback ports, with its meta/data/wal dirs in a temp dir. `stop()` and
 * `start()` restart it on the same dir and ports (to simulate an outage);
 * `dispose()` stops it and removes the dir. It never skips: a missing binary
 * or a server that does not answer /ping is an error with influxd's stderr.
 *
 * Only the child started here is ever signalled, by its own pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './process.js';

export const INFLUXD_BIN = process.env.GW_TEST_INFLUXD ?? '/usr/bin/influxd';
const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 10_000;
const STDERR_KEEP = 8_192;

export interface InfluxQueryResult {
  results: Array<{
    statement_id?: number;
    error?: string;
    series?: Array<{ name: string; tags?: Record<string, string>; columns: string[]; values: unknown[][] }>;
  }>;
  error?: string;
}

export interface Influxd {
  /** http://127.0.0.1:<port>, the v1 HTTP API (/ping, /write, /query). */
  url: string;
  port: number;
  /** The temp dir holding influxdb.conf, meta, data and wal. */
  dir: string;
  /** Stops the server (SIGTERM, then SIGKILL after 10 s); the data dir stays. */
  stop(): Promise<void>;
  /** Starts it again on the same data dir and ports, and waits for /ping. */
  start(): Promise<void>;
  /** Stops the server and removes its temp dir. */
  dispose(): Promise<void>;
  /** Runs InfluxQL through GET /query (POST for statements that change state); throws on an HTTP error. As the admin user when `auth` was given. */
  query(q: string, db?: string): Promise<InfluxQueryResult>;
  /** The same as another user (basic auth); resolves with the HTTP status and the parsed body, also on 401/403. */
  queryAs(user: { name: string; password: string }, q: string, db?: string): Promise<{ status: number; body: InfluxQueryResult }>;
  /** The admin user created at start when `auth` was given. */
  admin: { name: string; password: string } | null;
}

export interface InfluxdOptions {
  /** `auth-enabled = true`, with this admin user created first (WITH ALL PRIVILEGES). */
  auth?: { name: string; password: string };
}

export { freePort };

function configToml(dir: string, rpcPort: number, httpPort: number, auth: boolean): string {
  return `reporting-disabled = true
bind-address = "127.0.0.1:${rpcPort}"

[meta]
  dir = "${join(dir, 'meta')}"
  logging-enabled = false

[data]
  dir = "${join(dir, 'data')}"
  wal-dir = "${join(dir, 'wal')}"
  query-log-enabled = false
  trace-logging-enabled = false

[monitor]
  store-enabled = false

[subscriber]
  enabled = false

[continuous_queries]
  enabled = false

[http]
  enabled = true
  bind-address = "127.0.0.1:${httpPort}"
  auth-enabled = ${auth}
  log-enabled = false
  write-tracing = false
  pprof-enabled = false

[logging]
  level = "error"
  suppress-logo = true
`;
}

export async function startInfluxd(options: InfluxdOptions = {}): Promise<Influxd> {
  const admin = options.auth ?? null;
  try {
    accessSync(INFLUXD_BIN, constants.X_OK);
  } catch {
    throw new Error(
      `influxd not found or not executable at ${INFLUXD_BIN}: the InfluxDB tests need a real server ` +
        '(Debian: apt-get install influxdb; or set GW_TEST_INFLUXD to the binary)',
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'gw-influxd-'));
  const rpcPort = await freePort();
  const port = await freePort();
  const confPath = join(dir, 'influxdb.conf');
  writeFileSync(confPath, configToml(dir, rpcPort, port, admin !== null));
  const url = `http://127.0.0.1:${port}`;

  let child: ChildProcess | undefined;
  let stderr = '';
  let exited: Promise<void> = Promise.resolve();

  async function start(): Promise<void> {
    if (child) throw new Error('influxd is already running');
    stderr = '';
    const proc = spawn(INFLUXD_BIN, ['-config', confPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    child = proc;
    let exitInfo: string | undefined;
    exited = new Promise((resolve) => {
      proc.once('exit', (code, signal) => {
        exitInfo = `exited with code ${code ?? 'null'}, signal ${signal ?? 'none'}`;
        if (child === proc) child = undefined;
        resolve();
      });
    });
    proc.once('error', (err) => {
      exitInfo = `failed to spawn: ${err.message}`;
    });
    proc.stderr?.setEncoding('utf8');
    proc.stderr?.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_KEEP);
    });

    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (exitInfo !== undefined) throw new Error(`influxd ${exitInfo} before answering /ping; stderr:\n${stderr}`);
      if (await pingOk(url)) return;
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`influxd did not answer GET ${url}/ping with 204 within ${START_TIMEOUT_MS} ms; stderr:\n${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async function stop(): Promise<void> {
    const proc = child;
    if (!proc) return;
    proc.kill('SIGTERM');
    const killer = setTimeout(() => proc.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(killer);
  }

  async function dispose(): Promise<void> {
    await stop();
    rmSync(dir, { recursive: true, force: true });
  }

  async function send(q: string, db: string | undefined, as: { name: string; password: string } | null): Promise<{ status: number; text: string }> {
    const params = new URLSearchParams({ q });
    if (db !== undefined) params.set('db', db);
    const headers: Record<string, string> = as ? { Authorization: `Basic ${Buffer.from(`${as.name}:${as.password}`).toString('base64')}` } : {};
    const changesState = /^\s*(create|drop|alter|delete|grant|revoke|kill|set)\b/i.test(q);
    const res = changesState
      ? await fetch(`${url}/query`, { method: 'POST', body: params, headers })
      : await fetch(`${url}/query?${params.toString()}`, { headers });
    return { status: res.status, text: await res.text() };
  }

  async function query(q: string, db?: string): Promise<InfluxQueryResult> {
    const res = await send(q, db, admin);
    if (res.status >= 300) throw new Error(`InfluxQL ${q} failed: HTTP ${res.status} ${res.text}`);
    return JSON.parse(res.text) as InfluxQueryResult;
  }

  async function queryAs(user: { name: string; password: string }, q: string, db?: string): Promise<{ status: number; body: InfluxQueryResult }> {
    const res = await send(q, db, user);
    return { status: res.status, body: JSON.parse(res.text) as InfluxQueryResult };
  }

  try {
    await start();
    // With auth on, 1.x lets the first user be created without credentials; it must be an admin.
    if (admin) {
      const res = await send(`CREATE USER ${JSON.stringify(admin.name)} WITH PASSWORD '${admin.password.replace(/[\\']/g, (c) => `\\${c}`)}' WITH ALL PRIVILEGES`, undefined, null);
      if (res.status !== 200 || res.text.includes('"error"')) throw new Error(`creating the admin user failed: HTTP ${res.status} ${res.text}`);
    }
  } catch (err) {
    await stop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return { url, port, dir, stop, start, dispose, query, queryAs, admin };
}

async function pingOk(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1_000) });
    await res.arrayBuffer();
    return res.status === 204;
  } catch {
    return false;
  }
}
