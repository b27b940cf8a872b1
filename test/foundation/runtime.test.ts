/**
 * The supported runtime: the project installs Node 24 itself (the npm package
 * `node`, a devDependency), so `npm start` and `npm test` run on it even where
 * the system's Node (the one running npm) is older.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, freePort, waitReady, type ServiceProcess } from '../support/process.js';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  engines: { node: string };
  devDependencies: Record<string, string>;
};

/** PATH as a shell outside npm has it: without any node_modules/.bin npm or npx put in front. */
function systemPath(): string {
  return (process.env.PATH ?? '').split(delimiter).filter((p) => !p.includes('node_modules/.bin')).join(delimiter);
}

const dataDir = mkdtempSync(join(tmpdir(), 'gw-runtime-'));
let started: ServiceProcess | undefined;

afterAll(async () => {
  // npm start runs npm → sh → tsx → node: stop the whole group we started (detached), by its id.
  if (started && started.child.exitCode === null) {
    process.kill(-started.child.pid!, 'SIGTERM');
    await started.exited;
  }
  rmSync(dataDir, { recursive: true, force: true });
});

describe('supported runtime', () => {
  it('the tests run on Node 24, the version package.json pins and its engines allow', () => {
    expect(process.version).toMatch(/^v24\./);
    expect(process.version).toBe(`v${pkg.devDependencies.node}`);
    expect(pkg.engines.node).toBe('>=24.11 <25');
  });

  it('`npm start` from a plain shell runs the service on Node 24 with SQLite usable', async () => {
    const [mqtt, http] = [await freePort(), await freePort()];
    const env = { ...process.env, PATH: systemPath(), GW_MQTT_PORT: String(mqtt), GW_HTTP_PORT: String(http), GW_DATA_DIR: dataDir, GW_MQTT_HOST: '127.0.0.1', GW_HTTP_HOST: '127.0.0.1' };
    const child = spawn('npm', ['start'], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    started = { child, output: () => out, exited };
    await waitReady(http, started, 60_000);
    const line = out.split('\n').find((l) => l.includes('"gatewatch started"'));
    expect(JSON.parse(line!)).toMatchObject({ node: `v${pkg.devDependencies.node}`, httpPort: http, mqttPort: mqtt });
  }, 90_000);
});
