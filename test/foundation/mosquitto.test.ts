/**
 * A new user's path with the standard command-line client: every example in
 * schemas/README.md, run as written by bash + Debian's mosquitto_pub against
 * the real service, must be accepted; the fever one must raise an alarm.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { eventually, startTestService, type TestService } from '../support/service.js';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService();
});
afterAll(async () => svc?.stop());

const readme = readFileSync(new URL('../../schemas/README.md', import.meta.url), 'utf8');
const commands = readme.split('\n').filter((l) => l.startsWith('mosquitto_pub '));

// Asynchronous on purpose: the service runs in this process, so a synchronous
// exec would block the very broker mosquitto_pub is waiting on.
const exec = promisify(execFile);

async function run(command: string, deviceId: string): Promise<void> {
  const cmd = command.replace('-p 1883', `-p ${svc.runtime.mqttPort}`).replace('-h localhost', '-h 127.0.0.1');
  await exec('bash', ['-c', cmd], { env: { ...process.env, SECRET: `${deviceId}-secret` }, timeout: 10_000 });
}

describe('mosquitto_pub, as a new user runs it', () => {
  it('finds mosquitto_pub installed (the test command installs mosquitto-clients)', () => {
    expect(execFileSync('bash', ['-c', 'command -v mosquitto_pub']).toString().trim()).toMatch(/mosquitto_pub$/);
  });

  it('accepts every README example and raises the fever alarm of the temperature one', async () => {
    expect(commands).toHaveLength(8);
    for (const command of commands) await run(command, /-u (\S+)/.exec(command)![1]!);
    await eventually(async () => (await svc.api('GET', '/api/v1/alarms')).json.items.length === 1);
    const alarms = (await svc.api('GET', '/api/v1/alarms')).json.items;
    expect(alarms).toMatchObject([{ rule: 'fever', subject: 'person:p-7f3a9c', details: { temperatureC: 38.1 } }]);
    expect((await svc.api('GET', '/api/v1/dead-letters')).json.items).toEqual([]);
    const metrics = (await svc.runtime.http.inject({ method: 'GET', url: '/metrics' })).body;
    for (const kind of ['temperature', 'access', 'shift', 'disinfection', 'ventilation', 'broadcast', 'door', 'status']) {
      expect(metrics).toContain(`gatewatch_readings_accepted_total{kind="${kind}"} 1\n`);
    }
  });

  it('a 37.3 °C reading raises nothing; a malformed one is dead-lettered; the next good one goes through', async () => {
    const pub = (m: string) =>
      exec('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(svc.runtime.mqttPort), '-q', '1', '-u', 'therm-g1', '-P', 'therm-g1-secret', '-t', 'gatewatch/v1/hc-001/therm-g1/temperature', '-m', m]);
    const now = new Date().toISOString();
    await pub(JSON.stringify({ seq: 500, ts: now, gateId: 'g1', temperatureC: 37.3, subject: 'visitor', personRef: 'p-visitor1' }));
    await pub('{"seq": 501, "ts": "now"}');
    await pub(JSON.stringify({ seq: 502, ts: now, gateId: 'g1', temperatureC: 37.4, subject: 'visitor', personRef: 'p-visitor2' }));
    await eventually(async () => (await svc.api('GET', '/api/v1/alarms')).json.items.length === 2);
    const subjects = (await svc.api('GET', '/api/v1/alarms')).json.items.map((a: { subject: string }) => a.subject);
    expect(subjects).toEqual(['person:p-visitor2', 'person:p-7f3a9c']);
    const [letter] = (await svc.api('GET', '/api/v1/dead-letters')).json.items;
    expect(letter).toMatchObject({ code: 'PAYLOAD_SCHEMA_INVALID', payload: '{"seq": 501, "ts": "now"}' });
    expect(letter.reason).toContain('ts: Invalid ISO datetime');
  });

  it('MQTT 5 clients are refused at CONNECT (aedes 1.2 speaks 3.1 / 3.1.1 only), and nothing is stored', async () => {
    const attempt = exec('mosquitto_pub', [
      '-V', 'mqttv5', '-h', '127.0.0.1', '-p', String(svc.runtime.mqttPort), '-q', '1', '-u', 'therm-g1', '-P', 'therm-g1-secret',
      '-t', 'gatewatch/v1/hc-001/therm-g1/temperature', '-m', JSON.stringify({ seq: 600, ts: new Date().toISOString(), gateId: 'g1', temperatureC: 40.2, subject: 'staff', personRef: 's-guard-01' }),
    ]);
    await expect(attempt).rejects.toThrow(/protocol/i);
    const alarms = (await svc.api('GET', '/api/v1/alarms')).json.items;
    expect(alarms.some((a: { subject: string }) => a.subject === 'person:s-guard-01')).toBe(false);
  });

  it('an example run twice is two accepted readings: its seq is the time in ms, not a fixed number', async () => {
    const temperature = commands.find((c) => c.includes('/temperature '))!;
    expect(temperature).toContain(`"seq":'"$(date +%s%3N)"'`);
    const accepted = async () => {
      const metrics = (await svc.runtime.http.inject({ method: 'GET', url: '/metrics' })).body;
      return Number(/^gatewatch_readings_accepted_total\{kind="temperature"\} (\d+)$/m.exec(metrics)![1]);
    };
    const readings = () => svc.runtime.db.prepare("SELECT COUNT(*) FROM readings WHERE device_id = 'therm-g1' AND kind = 'temperature'").pluck().get() as number;
    const [before, rowsBefore] = [await accepted(), readings()];
    await run(temperature, 'therm-g1');
    await run(temperature, 'therm-g1');
    await eventually(async () => (await accepted()) === before + 2);
    expect(readings()).toBe(rowsBefore + 2);
  });

  it('the top README example carries the same seq', () => {
    const top = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(top).toContain(`-m '{"seq":'"$(date +%s%3N)"',"ts":`);
    expect(top).not.toMatch(/-m '\{"seq":\d/);
  });
});
