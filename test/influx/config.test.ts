import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../services/config/env.js';
import { parseInfluxConfig } from '../../services/influx/config.js';

const URL_ONLY = { GW_INFLUX_URL: 'http://127.0.0.1:8086/' };

describe('parseInfluxConfig', () => {
  test('the sink is off without GW_INFLUX_URL', () => {
    expect(parseInfluxConfig({})).toBeNull();
    expect(parseInfluxConfig({ GW_INFLUX_URL: '' })).toBeNull();
  });

  test('defaults, a frozen result, no trailing slash', () => {
    const config = parseInfluxConfig(URL_ONLY);
    expect(config).toEqual({
      url: 'http://127.0.0.1:8086',
      database: 'gatewatch',
      retentionPolicy: undefined,
      auth: { kind: 'none' },
      batchSize: 5000,
      flushMs: 1000,
      maxBackoffMs: 30_000,
      timeoutMs: 10_000,
      tenantDbPrefix: 'gatewatch_co_',
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  test('every variable is read', () => {
    const config = parseInfluxConfig({
      GW_INFLUX_URL: 'https://influx.example:8443/v1',
      GW_INFLUX_DB: 'gw',
      GW_INFLUX_RP: 'one_year',
      GW_INFLUX_TOKEN: 'secret-token',
      GW_INFLUX_BATCH_SIZE: '200',
      GW_INFLUX_FLUSH_MS: '250',
      GW_INFLUX_MAX_BACKOFF_MS: '5000',
      GW_INFLUX_TIMEOUT_MS: '3000',
      GW_INFLUX_TENANT_DB_PREFIX: 'gw_company_',
    });
    expect(config).toEqual({
      url: 'https://influx.example:8443/v1',
      database: 'gw',
      retentionPolicy: 'one_year',
      auth: { kind: 'token', token: 'secret-token' },
      batchSize: 200,
      flushMs: 250,
      maxBackoffMs: 5000,
      timeoutMs: 3000,
      tenantDbPrefix: 'gw_company_',
    });
    expect(parseInfluxConfig({ ...URL_ONLY, GW_INFLUX_USER: 'gw', GW_INFLUX_PASSWORD: 'pw' })?.auth).toEqual({ kind: 'basic', user: 'gw', password: 'pw' });
  });

  test('a bad GW_INFLUX_BATCH_SIZE is named, with its value', () => {
    expect(() => parseInfluxConfig({ ...URL_ONLY, GW_INFLUX_BATCH_SIZE: 'lots' })).toThrow(
      new ConfigError('Invalid InfluxDB configuration:\n  GW_INFLUX_BATCH_SIZE="lots": Invalid input: expected number, received NaN'),
    );
    expect(() => parseInfluxConfig({ ...URL_ONLY, GW_INFLUX_BATCH_SIZE: '0' })).toThrow(
      'Invalid InfluxDB configuration:\n  GW_INFLUX_BATCH_SIZE="0": Too small: expected number to be >=1',
    );
    // Checked even while the sink is off: a wrong setting fails at start.
    expect(() => parseInfluxConfig({ GW_INFLUX_BATCH_SIZE: '2.5' })).toThrow('GW_INFLUX_BATCH_SIZE="2.5"');
  });

  test('per-company databases: on by default, off with GW_INFLUX_TENANT_DATABASES=false, a bad prefix or flag is named', () => {
    expect(parseInfluxConfig({ ...URL_ONLY, GW_INFLUX_TENANT_DATABASES: 'false' })?.tenantDbPrefix).toBeNull();
    expect(parseInfluxConfig({ ...URL_ONLY, GW_INFLUX_TENANT_DATABASES: '1' })?.tenantDbPrefix).toBe('gatewatch_co_');
    expect(() => parseInfluxConfig({ ...URL_ONLY, GW_INFLUX_TENANT_DATABASES: 'yes' })).toThrow(
      new ConfigError('Invalid InfluxDB configuration:\n  GW_INFLUX_TENANT_DATABASES="yes": must be true or false'),
    );
    expect(() => parseInfluxConfig({ GW_INFLUX_TENANT_DB_PREFIX: 'co-' })).toThrow(
      new ConfigError('Invalid InfluxDB configuration:\n  GW_INFLUX_TENANT_DB_PREFIX="co-": letters, digits and _, not starting with a digit, at most 64'),
    );
  });

  test('a bad URL, and conflicting or half-given credentials, are named', () => {
    expect(() => parseInfluxConfig({ GW_INFLUX_URL: 'influx:8086' })).toThrow(
      'Invalid InfluxDB configuration:\n  GW_INFLUX_URL="influx:8086": must be an http(s) URL, e.g. http://127.0.0.1:8086',
    );
    expect(() => parseInfluxConfig({ ...URL_ONLY, GW_INFLUX_TOKEN: 't', GW_INFLUX_USER: 'u' })).toThrow(
      'GW_INFLUX_TOKEN: set either GW_INFLUX_TOKEN or GW_INFLUX_USER/GW_INFLUX_PASSWORD, not both',
    );
    expect(() => parseInfluxConfig({ ...URL_ONLY, GW_INFLUX_USER: 'u' })).toThrow('GW_INFLUX_PASSWORD: required when GW_INFLUX_USER is set');
  });
});
