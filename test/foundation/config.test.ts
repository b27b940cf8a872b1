import { describe, expect, it } from 'vitest';
import { loadServiceConfig } from '../../services/config/service-config.js';
import { ConfigError } from '../../services/config/env.js';
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
