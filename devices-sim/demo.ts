/**
 * npm run demo: the service plus the simulator, so a newcomer sees alarms and
 * auto-filled checklists within a minute.
 *
 * 1. starts the service as a child process (embedded defaults, loopback only,
 *    data in a temp dir or --data DIR, an admin token via GW_BOOTSTRAP_ADMIN_TOKEN);
 * 2. provisions 3 communities over the registry API (or, on a service without
 *    it, through a registry file loaded at start);
 * 3. plays yesterday for them in seconds (a compliant one, two with mixed trouble),
 *    prints the URLs, the token and each community's telemetry sub-scores;
 * 4. keeps playing today live (what already happened today at once) until Ctrl-C,
 *    then stops its child by pid.
 *
 *   npm run demo [-- --data ./data-demo --http-port 3000 --mqtt-port 1883 --seed 1]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { RegistryFile } from '../schemas/src/registry.js';
import { dayBounds } from './clock.js';
import { DEMO_SCENARIOS, DEMO_SEED } from './demo-scenarios.js';
import { makePlan, planMessages, resolveDay, type Plan } from './plan.js';
import { connectDevices, play, type Connections } from './player.js';
import { createProgress } from './progress.js';
import { createHttpProvisioner, createRegistryFileProvisioner, type Provisioner } from './provision.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const TZ = 'Asia/Shanghai';

const log = (s: string) => console.log(s);

async function portFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const srv = createServer();
    srv.once('error', () => done(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => done(true)));
  });
}

async function choosePort(wanted: number): Promise<number> {
  if (wanted === 0 || !(await portFree(wanted))) {
    return new Promise((done) => {
      const srv = createServer();
      srv.listen(0, '127.0.0.1', () => {
        const { port } = srv.address() as { port: number };
        srv.close(() => done(port));
      });
    });
  }
  return wanted;
}

interface Service {
  child: ChildProcess;
  exited: Promise<number | null>;
}

function startService(env: Record<string, string>, logFile: string): Service {
  const out = createWriteStream(logFile, { flags: 'a' });
  // node with tsx's loader, not the tsx CLI: then the pid we stop is the service itself, not a wrapper.
  const child = spawn(process.execPath, ['--import', 'tsx', 'services/main.ts'], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.pipe(out);
  child.stderr!.pipe(out);
  return { child, exited: new Promise((done) => child.once('exit', (code) => done(code))) };
}

async function stopService(s: Service): Promise<void> {
  if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGTERM');
  const timer = setTimeout(() => s.child.kill('SIGKILL'), 10_000);
  await s.exited;
  clearTimeout(timer);
}

async function waitReady(api: string, s: Service, logFile: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (s.child.exitCode !== null) throw new Error(`the service exited with ${s.child.exitCode}; see ${logFile}`);
    try {
      if ((await fetch(`${api}/readyz`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the service was not ready within 30 s; see ${logFile}`);
}

interface ApiAnswer {
  items?: { itemId: string; points: number; score: number | null }[];
  factsComputedAt?: string | null;
}

async function get(api: string, token: string, path: string): Promise<{ status: number; json: ApiAnswer | undefined }> {
  const res = await fetch(`${api}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, json: (await res.json().catch(() => undefined)) as ApiAnswer | undefined };
}

async function provisionAll(p: Provisioner, plan: Plan): Promise<RegistryFile> {
  const communities = [];
  for (const { community } of plan.communities) communities.push(await p.provision(community));
  return { communities };
}

async function printScores(api: string, token: string, plan: Plan): Promise<void> {
  for (const { community, scenario } of plan.communities) {
    const res = await get(api, token, `/api/v1/communities/${community.id}/scores?from=${plan.day}&to=${plan.day}`);
    if (res.status !== 200) return log(`  (scores API answered ${res.status})`);
    const items = res.json?.items ?? [];
    const got = items.reduce((n, i) => n + (i.score ?? 0), 0);
    const max = items.reduce((n, i) => n + i.points, 0);
    const lost = items.filter((i) => i.score !== i.points).map((i) => `${i.itemId} ${i.score ?? 'no data'}/${i.points}`);
    log(`  ${community.id} ${community.name}: ${got}/${max} telemetry points${lost.length ? ` (${lost.join(', ')})` : ''}  [${scenario}]`);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { data: { type: 'string' }, 'http-port': { type: 'string', default: '3000' }, 'mqtt-port': { type: 'string', default: '1883' }, seed: { type: 'string', default: String(DEMO_SEED) } },
  });
  const dataDir = values.data ? resolve(values.data) : mkdtempSync(join(tmpdir(), 'gatewatch-demo-'));
  mkdirSync(dataDir, { recursive: true });
  const logFile = join(dataDir, 'service.log');
  const httpPort = await choosePort(Number(values['http-port']));
  const mqttPort = await choosePort(Number(values['mqtt-port']));
  const api = `http://127.0.0.1:${httpPort}`;
  const mqttUrl = `mqtt://127.0.0.1:${mqttPort}`;
  const token = `gw_demo_${randomBytes(24).toString('hex')}`;
  const env: Record<string, string> = {
    GW_HTTP_HOST: '127.0.0.1', GW_HTTP_PORT: String(httpPort), GW_MQTT_HOST: '127.0.0.1', GW_MQTT_PORT: String(mqttPort),
    GW_DATA_DIR: dataDir, GW_BOOTSTRAP_ADMIN_TOKEN: token,
    // Yesterday's scenarios start the evening before it: up to ~72 h old at the end of today.
    GW_MAX_LATENESS_HOURS: '72', GW_FACTS_REFRESH_SECONDS: '5',
  };
  const seed = Number(values.seed);
  const now = Date.now();
  const yesterday = makePlan({ communities: 3, scenarios: DEMO_SCENARIOS, day: resolveDay('yesterday', TZ, now), seed, timeZone: TZ });
  const today = { ...yesterday, day: resolveDay('today', TZ, now) };

  log(`gatewatch demo: service data and log in ${dataDir}`);
  let service = startService(env, logFile);
  const abort = new AbortController();
  let connections: Connections | undefined;
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    abort.abort();
    await connections?.close();
    await stopService(service);
    if (!values.data) rmSync(dataDir, { recursive: true, force: true });
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  try {
    await waitReady(api, service, logFile);
    const openapi = (await (await fetch(`${api}/openapi.json`)).json()) as { paths?: Record<string, unknown> };
    let credentials: RegistryFile;
    if (openapi.paths?.['/api/v1/communities/{communityId}']) {
      credentials = await provisionAll(createHttpProvisioner({ api, token }), yesterday);
      log('provisioned 3 communities over the registry API');
    } else {
      // A service without the registry API: the same registry, loaded from a file at start.
      const file = createRegistryFileProvisioner();
      credentials = await provisionAll(file, yesterday);
      file.write(join(dataDir, 'registry.json'));
      await stopService(service);
      service = startService({ ...env, GW_REGISTRY_FILE: join(dataDir, 'registry.json') }, logFile);
      await waitReady(api, service, logFile);
      log('provisioned 3 communities through a registry file (GW_REGISTRY_FILE)');
    }
    const devices = yesterday.communities.flatMap(({ community }) => community.devices.map((d) => d.id));
    connections = await connectDevices(mqttUrl, devices, new Map(credentials.communities.flatMap((c) => c.devices.map((d) => [d.id, d.secret] as const))));

    log(`playing yesterday (${yesterday.day}) for 3 communities...`);
    const played = await play(planMessages(yesterday), connections, { mode: 'fast', window: 512, progress: createProgress('demo'), signal: abort.signal });
    const playedAt = Date.now();
    for (let i = 0; i < 100 && !abort.signal.aborted; i++) {
      const r = await get(api, token, `/api/v1/communities/${yesterday.communities[0]!.community.id}/scores?from=${yesterday.day}`);
      if (r.status !== 200 || (r.json?.factsComputedAt && Date.parse(r.json.factsComputedAt) >= playedAt)) break;
      await new Promise((res) => setTimeout(res, 200));
    }
    const alarms = await get(api, token, '/api/v1/alarms?status=active&limit=1000');
    log(`\n${played.acked} messages acknowledged; ${alarms.json?.items?.length ?? '?'} active alarms. Checklist sub-scores for ${yesterday.day}:`);
    await printScores(api, token, yesterday);
    const [first] = yesterday.communities;
    // The page signs people in with an account (no API token in the browser): a demo admin with a random password.
    const password = randomBytes(9).toString('base64url');
    const account = await fetch(`${api}/api/v1/accounts`, {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'demo', displayName: '演示管理员', role: 'admin', password }),
    });
    const signIn = account.status === 201 ? `user demo, password ${password}` : `(no demo account: HTTP ${account.status})`;
    log(`
  web page      ${api}/   sign in: ${signIn}
  API token     ${token}
  alarms        curl -H "Authorization: Bearer ${token}" ${api}/api/v1/alarms
  scores        curl -H "Authorization: Bearer ${token}" "${api}/api/v1/communities/${first!.community.id}/scores?from=${yesterday.day}"
  dead letters  curl -H "Authorization: Bearer ${token}" ${api}/api/v1/dead-letters
  MQTT          ${mqttUrl} (device credentials: username = device id, password = its secret)
  Grafana       ${process.env.GW_INFLUX_URL ? `readings, alarms and facts go to InfluxDB at ${process.env.GW_INFLUX_URL}; open Grafana's gatewatch dashboards` : 'set GW_INFLUX_URL (and start InfluxDB + Grafana, e.g. docker compose up) to see the dashboards'}
`);
    log(`now playing today (${today.day}) live: what already happened today at once, then in real time. Ctrl-C stops the demo and the service.`);
    await play(planMessages(today), connections, {
      mode: 'live', catchUp: true, notBefore: dayBounds(today.day, TZ)[0], window: 512, progress: createProgress('live'), signal: abort.signal,
    });
    await shutdown(0);
  } catch (err) {
    console.error(`demo: ${(err as Error).message}`);
    await shutdown(1);
  }
}

void main();
