import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { loadServiceConfig } from '../../services/config/service-config.js';
import { ConfigError } from '../../services/config/env.js';
import { parseInfluxConfig } from '../../services/influx/config.js';
import { freePort, spawnService } from '../support/process.js';

describe('service configuration', () => {
  it('uses embedded defaults when nothing is set', () => {
    expect(loadServiceConfig({})).toMatchObject({ GW_MQTT_PORT: 1883, GW_HTTP_PORT: 3000, GW_DATA_DIR: './data', GW_SQLITE_SYNCHRONOUS: 'NORMAL', GW_MAX_LATENESS_HOURS: 24, GW_MAX_CLOCK_SKEW_MINUTES: 5 });
  });

  it('names the variable and the value that is wrong', () => {
    expect(() => loadServiceConfig({ GW_MQTT_PORT: 'eighteen' })).toThrow(ConfigError);
    expect(() => loadServiceConfig({ GW_MQTT_PORT: 'eighteen', GW_SQLITE_SYNCHRONOUS: 'SOMETIMES' })).toThrow(
      /GW_MQTT_PORT="eighteen": .*\n\s+GW_SQLITE_SYNCHRONOUS="SOMETIMES": /,
    );
  });

  it('webhook messages are Chinese unless GW_NOTIFY_LANGUAGE says en; nothing else is taken', () => {
    expect(loadServiceConfig({}).GW_NOTIFY_LANGUAGE).toBe('zh');
    expect(loadServiceConfig({ GW_NOTIFY_LANGUAGE: 'en' }).GW_NOTIFY_LANGUAGE).toBe('en');
    expect(() => loadServiceConfig({ GW_NOTIFY_LANGUAGE: 'fr' })).toThrow(/GW_NOTIFY_LANGUAGE="fr": /);
  });

  it('never prints the value of a credential it refuses', () => {
    expect(() => loadServiceConfig({ GW_BOOTSTRAP_ADMIN_TOKEN: 'short-secret' })).toThrow(/GW_BOOTSTRAP_ADMIN_TOKEN=<hidden>: must be at least 32 characters/);
    expect(() => loadServiceConfig({ GW_BOOTSTRAP_ADMIN_TOKEN: 'short-secret' })).not.toThrow(/short-secret/);
  });

  it('a wrong setting stops the start with exit code 2 and the variable named', async () => {
    const proc = spawnService({ GW_HTTP_PORT: '99999', GW_MQTT_PORT: String(await freePort()), GW_DATA_DIR: '/tmp/gatewatch-never' });
    expect(await proc.exited).toBe(2);
    expect(proc.output()).toContain('GW_HTTP_PORT="99999": Too big');
  });

  it('a wrong InfluxDB or rules setting also stops the start naming it', async () => {
    const base = { GW_MQTT_PORT: String(await freePort()), GW_HTTP_PORT: String(await freePort()), GW_DATA_DIR: '/tmp/gatewatch-never' };
    const influx = spawnService({ ...base, GW_INFLUX_URL: 'http://127.0.0.1:1', GW_INFLUX_BATCH_SIZE: 'lots' });
    expect(await influx.exited).toBe(2);
    expect(influx.output()).toContain('GW_INFLUX_BATCH_SIZE="lots"');
    const rules = spawnService({ ...base, GW_MAX_LATENESS_HOURS: '0' });
    expect(await rules.exited).toBe(2);
    expect(rules.output()).toContain('GW_MAX_LATENESS_HOURS="0"');
  });
});

describe('credentials from files (<NAME>_FILE, compose secrets)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-secret-file-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const token = 'a'.repeat(40);

  function secretFile(name: string, content: string): string {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  }

  it('reads the value from the file and drops the one trailing newline', () => {
    const file = secretFile('token', `${token}\n`);
    expect(loadServiceConfig({ GW_BOOTSTRAP_ADMIN_TOKEN_FILE: file }).GW_BOOTSTRAP_ADMIN_TOKEN).toBe(token);
    const crlf = secretFile('token-crlf', `${token}\r\n`);
    expect(loadServiceConfig({ GW_BOOTSTRAP_ADMIN_TOKEN_FILE: crlf }).GW_BOOTSTRAP_ADMIN_TOKEN).toBe(token);
    const plain = secretFile('token-plain', token);
    expect(loadServiceConfig({ GW_BOOTSTRAP_ADMIN_TOKEN_FILE: plain }).GW_BOOTSTRAP_ADMIN_TOKEN).toBe(token);
  });

  it('works for every section: the InfluxDB password too', () => {
    const file = secretFile('influx', 'influx-pw\n');
    expect(parseInfluxConfig({ GW_INFLUX_URL: 'http://127.0.0.1:8086', GW_INFLUX_USER: 'admin', GW_INFLUX_PASSWORD_FILE: file })?.auth).toEqual({ kind: 'basic', user: 'admin', password: 'influx-pw' });
  });

  it('refuses both the variable and its _FILE, naming both', () => {
    const file = secretFile('both', token);
    expect(() => loadServiceConfig({ GW_BOOTSTRAP_ADMIN_TOKEN: token, GW_BOOTSTRAP_ADMIN_TOKEN_FILE: file })).toThrow(
      'Both GW_BOOTSTRAP_ADMIN_TOKEN and GW_BOOTSTRAP_ADMIN_TOKEN_FILE are set: set only one of them',
    );
  });

  it('an unreadable file names the variable, never the value', () => {
    const missing = join(dir, 'missing');
    expect(() => loadServiceConfig({ GW_BOOTSTRAP_ADMIN_TOKEN_FILE: missing })).toThrow(
      `GW_BOOTSTRAP_ADMIN_TOKEN_FILE="${missing}": cannot read the file (ENOENT)`,
    );
    expect(() => loadServiceConfig({ GW_BOOTSTRAP_ADMIN_TOKEN_FILE: dir })).toThrow(`GW_BOOTSTRAP_ADMIN_TOKEN_FILE="${dir}": cannot read the file (EISDIR)`);
  });

  it('a wrong value from a file is refused hidden, like the variable', () => {
    const file = secretFile('short', 'short-secret\n');
    expect(() => loadServiceConfig({ GW_BOOTSTRAP_ADMIN_TOKEN_FILE: file })).toThrow(/GW_BOOTSTRAP_ADMIN_TOKEN=<hidden>: must be at least 32 characters/);
    expect(() => loadServiceConfig({ GW_BOOTSTRAP_ADMIN_TOKEN_FILE: file })).not.toThrow(/short-secret/);
  });

  it('a variable that is not a credential has no _FILE form', () => {
    const file = secretFile('port', '1999');
    expect(loadServiceConfig({ GW_HTTP_PORT_FILE: file }).GW_HTTP_PORT).toBe(3000);
  });
});

describe('a busy port', () => {
  async function holdPort(): Promise<{ port: number; close: () => Promise<void> }> {
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    return { port: (srv.address() as { port: number }).port, close: () => new Promise((r) => srv.close(() => r())) };
  }

  it.each([['GW_HTTP_PORT', 'GW_HTTP_HOST'], ['GW_MQTT_PORT', 'GW_MQTT_HOST']])('%s already in use: one line naming host:port and the variable, exit 2, no stack', async (variable, hostVariable) => {
    const held = await holdPort();
    const dataDir = mkdtempSync(join(tmpdir(), 'gw-busy-'));
    try {
      const env = { GW_HTTP_HOST: '127.0.0.1', GW_MQTT_HOST: '127.0.0.1', GW_HTTP_PORT: String(await freePort()), GW_MQTT_PORT: String(await freePort()), GW_DATA_DIR: dataDir, GW_LOG_LEVEL: 'silent', [variable]: String(held.port) };
      const proc = spawnService(env);
      expect(await proc.exited).toBe(2);
      expect(proc.output().trim()).toBe(`cannot listen on 127.0.0.1:${held.port} (EADDRINUSE): the address is already in use; set ${variable} (or ${hostVariable}) to another value`);
    } finally {
      await held.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
