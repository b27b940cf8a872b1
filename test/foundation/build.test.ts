/**
 * The production build (`npm run build`, what the Dockerfile runs): compiles
 * to a scratch directory, then runs the compiled service with plain node, as
 * the image does (no tsx: a resolve hook refuses it), and takes a QoS 1
 * fever reading over real MQTT through to an alarm in the API.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, ROOT, waitReady, stopProcess, type ServiceProcess } from '../support/process.js';
import { eventually, TEST_REGISTRY } from '../support/service.js';

const OUT = join(ROOT, '.tmp', `build-test-${process.pid}`);
const TOKEN = 'gw_build_test_admin_token_0123456789abcdef';
/** Fails any import or require of tsx: the image has none (it is a devDependency). */
const NO_TSX = `data:text/javascript,${encodeURIComponent(
  `import { registerHooks } from 'node:module';
   registerHooks({ resolve(specifier, context, next) {
     if (specifier === 'tsx' || specifier.startsWith('tsx/')) throw new Error('tsx is not in the image: ' + specifier);
     return next(specifier, context);
   } });`,
)}`;

const dataDir = mkdtempSync(join(tmpdir(), 'gw-build-'));
let build: ReturnType<typeof spawnSync>;
let service: ServiceProcess | undefined;

beforeAll(() => {
  build = spawnSync(process.execPath, ['scripts/build.ts', '--out', OUT], { cwd: ROOT, encoding: 'utf8', timeout: 170_000 });
}, 180_000);

afterAll(async () => {
  if (service) await stopProcess(service);
  rmSync(OUT, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

function startCompiled(env: Record<string, string>): ServiceProcess {
  const child: ChildProcess = spawn(process.execPath, ['--import', NO_TSX, join(OUT, 'services/main.js')], {
    cwd: dataDir, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

describe('npm run build', () => {
  it('compiles the service, the schemas and the simulator, and copies what they read', () => {
    expect(build.status, `${build.stdout}\n${build.stderr}`).toBe(0);
    expect(build.stdout).toMatch(/^build: \.tmp\/build-test-\d+ ready \(\d+ assets copied\)$/m);
    for (const file of [
      'services/main.js', 'services/broker/worker.js', 'services/cli/admin.js', 'devices-sim/cli.js', 'schemas/src/index.js',
      'services/web/index.html', 'services/web/app.js', 'services/store/migrations/0001_core.sql', 'dashboards/generated/gatewatch-community.json',
    ]) expect(existsSync(join(OUT, file)), file).toBe(true);
    // Sources, tests, benchmarks and docs are not in the output.
    for (const file of ['services/main.ts', 'services/README.md', 'test', 'bench', 'scripts', 'dashboards/generate.js'])
      expect(existsSync(join(OUT, file)), file).toBe(false);
    expect(readFileSync(join(OUT, 'services/store/migrations/0001_core.sql'), 'utf8')).toBe(readFileSync(join(ROOT, 'services/store/migrations/0001_core.sql'), 'utf8'));
  });

  it('the compiled service runs under plain node: a QoS 1 fever reading over MQTT raises an alarm', async () => {
    expect(build.status).toBe(0);
    const [mqttPort, httpPort] = [await freePort(), await freePort()];
    const registryFile = join(dataDir, 'registry.json');
    writeFileSync(registryFile, JSON.stringify(TEST_REGISTRY));
    service = startCompiled({
      GW_MQTT_HOST: '127.0.0.1', GW_MQTT_PORT: String(mqttPort), GW_HTTP_HOST: '127.0.0.1', GW_HTTP_PORT: String(httpPort),
      GW_DATA_DIR: join(dataDir, 'data'), GW_REGISTRY_FILE: registryFile, GW_BOOTSTRAP_ADMIN_TOKEN: TOKEN, GW_LOG_LEVEL: 'info',
    });
    await waitReady(httpPort, service);
    expect(service.output()).toContain(`"node":"${process.version}"`);

    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { username: 'therm-g1', password: 'therm-g1-secret', reconnectPeriod: 0 });
    const reading = { seq: 1, ts: new Date().toISOString(), gateId: 'g1', temperatureC: 38.1, subject: 'resident', personRef: 'p-7f3a9c' };
    const ack = await client.publishAsync('gatewatch/v1/hc-001/therm-g1/temperature', JSON.stringify(reading), { qos: 1 });
    await client.endAsync();
    // mqtt.js resolves a QoS 1 publish with the packet it sent, once the PUBACK arrived.
    expect(ack).toMatchObject({ cmd: 'publish', qos: 1 });

    const alarms = async () => {
      const res = await fetch(`http://127.0.0.1:${httpPort}/api/v1/alarms`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(res.status).toBe(200);
      return ((await res.json()) as { items: Array<Record<string, unknown>> }).items;
    };
    const items = await eventually(async () => ((await alarms()).length === 1 ? alarms() : null));
    expect(items).toMatchObject([{ rule: 'fever', subject: 'person:p-7f3a9c', status: 'open', details: { temperatureC: 38.1 } }]);

    // The page is served from the compiled tree too.
    const page = await fetch(`http://127.0.0.1:${httpPort}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toBe(readFileSync(join(OUT, 'services/web/index.html'), 'utf8'));
    await stopProcess(service);
    expect(await service.exited).toBe(0);
    expect(service.output()).not.toContain('tsx is not in the image');
  }, 60_000);
});
