/**
 * docker-compose.yml, checked without a Docker engine: Debian's
 * `docker-compose config -q` validates it, the Grafana admin password has no
 * default, and every path it mounts or builds from exists. The resolved
 * config is read through python3's yaml, which Debian's docker-compose
 * itself runs on.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const BIN = process.env.GW_TEST_DOCKER_COMPOSE ?? 'docker-compose';

function compose(args: string[], env: Record<string, string | undefined>) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('GRAFANA_') && !k.startsWith('COMPOSE_') && !k.startsWith('INFLUX_')));
  const res = spawnSync(BIN, ['-f', join(ROOT, 'docker-compose.yml'), ...args], {
    cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: { ...clean, ...env },
  });
  if (res.error) throw new Error(`${BIN} could not run (Debian: apt-get install docker-compose): ${res.error.message}`);
  return res;
}

interface Service {
  image?: string;
  build?: { context: string };
  profiles?: string[];
  command?: string[];
  /** Long syntax, or `ip:published:target/proto` when a host ip is given. */
  ports?: Array<string | { published: number | string; target: number; host_ip?: string }>;
  /** docker-compose 1.x prints the short syntax, `source:target:mode`. */
  volumes?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  restart?: string;
}

interface Mount {
  type: 'bind' | 'volume';
  source: string;
  target: string;
  read_only: boolean;
}

function mounts(s: Service): Mount[] {
  return (s.volumes ?? []).map((v) => {
    const [source = '', target = '', mode = 'rw'] = v.split(':');
    return { type: source.startsWith('/') ? 'bind' : 'volume', source, target, read_only: mode.split(',').includes('ro') };
  });
}

function ports(s: Service): Array<{ hostIp: string | null; published: number; target: number }> {
  return (s.ports ?? []).map((p) => {
    if (typeof p !== 'string') return { hostIp: p.host_ip ?? null, published: Number(p.published), target: p.target };
    const parts = p.replace(/\/\w+$/, '').split(':');
    const [target, published, hostIp] = parts.reverse();
    return { hostIp: hostIp ?? null, published: Number(published), target: Number(target) };
  });
}

/** The passwords compose requires (it has no defaults for them). */
const SECRETS = { GRAFANA_ADMIN_PASSWORD: 'test-only-password', INFLUX_ADMIN_PASSWORD: 'test-influx-admin', INFLUX_GRAFANA_PASSWORD: 'test-influx-grafana' };

function resolved(): { services: Record<string, Service>; volumes: Record<string, unknown> } {
  const res = compose(['--profile', 'sim', 'config'], SECRETS);
  expect(res.status, res.stderr).toBe(0);
  const py = spawnSync('python3', ['-c', 'import sys, json, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)'], { input: res.stdout, encoding: 'utf8' });
  expect(py.status, py.stderr).toBe(0);
  return JSON.parse(py.stdout);
}

describe('docker-compose.yml', () => {
  test('docker-compose config -q accepts it, with and without the sim profile', () => {
    for (const args of [['config', '-q'], ['--profile', 'sim', 'config', '-q']]) {
      const res = compose(args, SECRETS);
      expect(res.stderr).toBe('');
      expect(res.status).toBe(0);
    }
  });

  test.each(Object.keys(SECRETS))('without %s it refuses: no default password', (name) => {
    const res = compose(['config', '-q'], { ...SECRETS, [name]: undefined });
    expect(res.status).not.toBe(0);
    expect(res.stderr).toContain(name);
  });

  test('every bind mount and build context exists; provisioning is mounted read-only', () => {
    const { services } = resolved();
    const binds = Object.values(services).flatMap((s) => mounts(s).filter((v) => v.type === 'bind'));
    expect(binds.length).toBeGreaterThan(0);
    for (const b of binds) expect(existsSync(b.source), b.source).toBe(true);
    for (const s of Object.values(services)) if (s.build) expect(existsSync(join(s.build.context, 'Dockerfile'))).toBe(true);

    const grafana = services.grafana!;
    const byTarget = Object.fromEntries(mounts(grafana).map((v) => [v.target, v]));
    expect(byTarget['/etc/grafana/provisioning/datasources']).toMatchObject({ source: join(ROOT, 'dashboards/provisioning/datasources'), read_only: true });
    expect(byTarget['/etc/grafana/provisioning/dashboards']).toMatchObject({ source: join(ROOT, 'dashboards/provisioning/dashboards'), read_only: true });
    expect(byTarget['/etc/grafana/dashboards/gatewatch']).toMatchObject({ source: join(ROOT, 'dashboards/generated'), read_only: true });
    // The dashboard provider reads the folder the generated JSON is mounted at.
    const provider = readFileSync(join(ROOT, 'dashboards/provisioning/dashboards/gatewatch.yaml'), 'utf8');
    expect(provider).toMatch(/^\s+path: \/etc\/grafana\/dashboards\/gatewatch$/m);
    expect(existsSync(join(ROOT, 'dashboards/generated', 'gatewatch-county.json'))).toBe(true);
    expect(grafana.environment?.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH).toBe('/etc/grafana/dashboards/gatewatch/gatewatch-county.json');
  });

  test('services: images, ports, volumes, health checks, restart policies, the sim profile', () => {
    const { services, volumes } = resolved();
    expect(Object.keys(services).sort()).toEqual(['gatewatch', 'grafana', 'influxdb', 'simulator']);
    expect(services.influxdb!.image).toBe('influxdb:1.8');
    expect(services.grafana!.image).toMatch(/^grafana\/grafana-oss:/);
    expect(services.grafana!.environment?.GF_SECURITY_ADMIN_PASSWORD).toBe('test-only-password');

    const gw = services.gatewatch!;
    expect(gw.environment?.GW_INFLUX_URL).toBe('http://influxdb:8086');
    // InfluxDB requires authentication: gatewatch writes as its admin, Grafana reads as a READ-only user.
    expect(services.influxdb!.environment).toMatchObject({
      INFLUXDB_HTTP_AUTH_ENABLED: 'true', INFLUXDB_ADMIN_USER: 'admin', INFLUXDB_ADMIN_PASSWORD: 'test-influx-admin',
      INFLUXDB_READ_USER: 'grafana', INFLUXDB_READ_USER_PASSWORD: 'test-influx-grafana',
    });
    expect(gw.environment).toMatchObject({ GW_INFLUX_USER: 'admin', GW_INFLUX_PASSWORD: 'test-influx-admin', GW_INFLUX_TENANT_DATABASES: 'true', GRAFANA_URL: 'http://grafana:3000' });
    expect(gw.environment?.GRAFANA_ADMIN_PASSWORD).toBeUndefined();
    expect(services.grafana!.environment?.INFLUX_GRAFANA_PASSWORD).toBe('test-influx-grafana');
    const datasource = readFileSync(join(ROOT, 'dashboards/provisioning/datasources/influxdb.yaml'), 'utf8');
    expect(datasource).toMatch(/^ {4}user: grafana$/m);
    expect(datasource).toMatch(/^ {6}password: \$INFLUX_GRAFANA_PASSWORD$/m);
    expect(ports(gw)).toEqual([{ hostIp: null, published: 1883, target: 1883 }, { hostIp: null, published: 3000, target: 3000 }]);
    expect(mounts(gw).find((v) => v.target === '/app/data')).toMatchObject({ type: 'volume', source: 'gatewatch-data', read_only: false });
    expect(gw.healthcheck?.test.join(' ')).toContain('/readyz');
    // Published on loopback only.
    expect(ports(services.influxdb!)).toEqual([{ hostIp: '127.0.0.1', published: 8086, target: 8086 }]);
    expect(ports(services.grafana!)).toEqual([{ hostIp: null, published: 3001, target: 3000 }]);

    for (const name of ['influxdb', 'grafana', 'gatewatch']) {
      expect(services[name]!.healthcheck?.test.length, name).toBeGreaterThan(1);
      expect(services[name]!.restart, name).toBe('unless-stopped');
      expect(services[name]!.profiles, name).toBeUndefined();
    }
    expect(services.simulator!.profiles).toEqual(['sim']);
    expect(services.simulator!.command?.slice(0, 5)).toEqual(['npm', 'run', 'sim', '--', 'run']);
    expect(services.simulator!.command).toEqual(expect.arrayContaining(['http://gatewatch:3000', 'mqtt://gatewatch:1883']));
    expect(Object.keys(volumes).sort()).toEqual(['gatewatch-data', 'grafana-data', 'influxdb-data']);
  });

  test('the Dockerfile: node:24-bookworm-slim, npm ci, npm start', () => {
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^FROM node:24-bookworm-slim\b/m);
    expect(dockerfile).toMatch(/^RUN npm ci\b/m);
    expect(dockerfile).toMatch(/^CMD \["npm", "start"\]$/m);
    expect(dockerfile).toMatch(/^VOLUME \["\/app\/data"\]$/m);
  });
});
