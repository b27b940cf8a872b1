/**
 * npm run demo, as a newcomer runs it: the service starts as a child, three
 * communities are provisioned and yesterday is played; the summary shows the
 * telemetry sub-scores; Ctrl-C stops the demo and its service.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { expect, it } from 'vitest';
import { ROOT } from '../support/process.js';

it('starts the service, shows alarms and auto-filled checklists, and stops everything on Ctrl-C', async () => {
  // node --import tsx rather than the tsx CLI, whose wrapper answers SIGINT with 130 itself.
  const demo = spawn(process.execPath, ['--import', 'tsx', 'devices-sim/demo.ts', '--http-port', '0', '--mqtt-port', '0'], {
    cwd: ROOT, env: { ...process.env, GW_INFLUX_URL: '' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  demo.stdout.on('data', (d: Buffer) => (out += d.toString()));
  demo.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => demo.once('exit', (code) => r(code)));
  try {
    const deadline = Date.now() + 90_000;
    while (!out.includes('now playing today') && Date.now() < deadline && demo.exitCode === null) await new Promise((r) => setTimeout(r, 200));
    expect(out, err).toContain('now playing today');
  } finally {
    demo.kill('SIGINT');
  }
  expect(await exited).toBe(0);

  expect(out).toMatch(/provisioned 3 communities/);
  expect(out).toMatch(/sim-01 \S+: 57\/57 telemetry points {2}\[compliant\]/);
  expect(out).toMatch(/sim-02 \S+: 43\/57 telemetry points \(1\.4 1\/3, 4\.1 0\/10, 6\.1 0\/2\)/);
  expect(out).toMatch(/sim-03 \S+: 23\/57 telemetry points \(1\.4 1\/3, 2\.1 0\/8, 3\.1 0\/8, 3\.2 0\/2, 3\.3 3\/10, 4\.3 no data\/5, 7\.3 0\/2\)/);
  const active = Number(/(\d+) active alarms/.exec(out)?.[1]);
  expect(active).toBeGreaterThanOrEqual(7);
  const api = /web page\s+(http:\/\/127\.0\.0\.1:\d+)\//.exec(out)?.[1];
  expect(api).toBeDefined();
  expect(out).toMatch(/API token\s+gw_demo_[0-9a-f]{48}/);
  // The service was stopped with the demo, and its temporary data removed.
  await expect(fetch(`${api}/healthz`)).rejects.toThrow();
  const dataDir = /service data and log in (\S+)/.exec(out)?.[1];
  expect(dataDir && existsSync(dataDir)).toBe(false);
}, 120_000);
