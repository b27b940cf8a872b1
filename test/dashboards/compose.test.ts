/**
 * docker-compose.yml, checked without a Docker engine: Debian's
 * `docker-compose config` validates and resolves it (read through python3's
 * yaml, which Debian's docker-compose itself runs on). Production shape:
 * only TLS ports published (the HTTPS proxy, mqtts), plain MQTT / HTTP on the
 * compose network, every password and key a compose secret (a file under
 * /run/secrets), never an environment value; the service runs compiled
 * JavaScript as a non-root user. scripts/compose-secrets.sh writes the
 * secrets: run for real here, twice.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const BIN = process.env.GW_TEST_DOCKER_COMPOSE ?? 'docker-compose';
const SECRETS_DIR = join(mkdtempSync(join(tmpdir(), 'gw-compose-')), 'secrets');
afterAll(() => rmSync(join(SECRETS_DIR, '..'), { recursive: true, force: true }));

const SECRET_NAMES = ['grafana_admin_password', 'influx_admin_password', 'influx_grafana_password', 'sim_token', 'tls_cert.pem', 'tls_key.pem'];
const REQUIRED = { GW_PUBLIC_HOST: 'gatewatch.example.org', GW_SECRETS_DIR: SECRETS_DIR };

function compose(args: string[], env: Record<string, string | undefined>) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(GRAFANA_|COMPOSE_|INFLUX_|GW_)/.test(k)));
  const res = spawnSync(BIN, ['-f', join(ROOT, 'docker-compose.yml'), ...args], {
    cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: { ...clean, ...env },
  });
  if (res.error) throw new Error(`${BIN} could not run (Debian: apt-get install docker-compose): ${res.error.message}`);
  return res;
}

function secretsScript(dir: string) {
  return spawnSync('bash', [join(ROOT, 'scripts/compose-secrets.sh'), dir], { encoding: 'utf8', env: { ...process.env, GW_PUBLIC_HOST: REQUIRED.GW_PUBLIC_HOST } });
}

interface Service {
  image?: string;
  build?: { context: string };
  profiles?: string[];
  command?: string[];
  entrypoint?: string[];
  ports?: Array<string | { published: number | string; target: number; host_ip?: string }>;
  expose?: Array<string | number>;
  volumes?: string[];
  environment?: Record<string, string>;
  secrets?: Array<{ source: string }>;
  healthcheck?: { test: string[] };
  restart?: string;
  user?: string;
  read_only?: boolean;
  cap_drop?: string[];
}

interface Resolved {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
  secrets: Record<string, { file: string }>;
}

function mounts(s: Service) {
  return (s.volumes ?? []).map((v) => {
    const [source = '', target = '', mode = 'rw'] = v.split(':');
    return { type: source.startsWith('/') ? 'bind' : 'volume', source, target, read_only: mode.split(',').includes('ro') };
  });
}

function ports(s: Service): Array<{ hostIp: string | null; published: number; target: number }> {
  return (s.ports ?? []).map((p) => {
    if (typeof p !== 'string') return { hostIp: p.host_ip ?? null, published: Number(p.published), target: p.target };
    const [target, published, hostIp] = p.replace(/\/\w+$/, '').split(':').reverse();
    return { hostIp: hostIp ?? null, published: Number(published), target: Number(target) };
  });
}

let cached: Resolved | undefined;
function resolved(): Resolved {
  if (cached) return cached;
  const res = compose(['--profile', 'sim', 'config'], REQUIRED);
  expect(res.status, res.stderr).toBe(0);
  const py = spawnSync('python3', ['-c', 'import sys, json, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)'], { input: res.stdout, encoding: 'utf8' });
  expect(py.status, py.stderr).toBe(0);
  return (cached = JSON.parse(py.stdout) as Resolved);
}

describe('scripts/compose-secrets.sh', () => {
  test('writes every secret compose mounts: 32-character passwords, an EC certificate for GW_PUBLIC_HOST; 0644 files in a 0700 directory', () => {
    const res = secretsScript(SECRETS_DIR);
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout).toContain(`compose-secrets: wrote influx_admin_password influx_grafana_password grafana_admin_password sim_token tls_cert.pem (self-signed for gatewatch.example.org) tls_key.pem in ${SECRETS_DIR}`);
    expect(statSync(SECRETS_DIR).mode & 0o777).toBe(0o700);
    for (const name of SECRET_NAMES) expect(statSync(join(SECRETS_DIR, name)).mode & 0o777, name).toBe(0o644);
    const passwords = ['grafana_admin_password', 'influx_admin_password', 'influx_grafana_password', 'sim_token'].map((n) => readFileSync(join(SECRETS_DIR, n), 'utf8'));
    for (const p of passwords) expect(p).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(new Set(passwords).size).toBe(4);

    const cert = spawnSync('openssl', ['x509', '-in', join(SECRETS_DIR, 'tls_cert.pem'), '-noout', '-subject', '-ext', 'subjectAltName'], { encoding: 'utf8' });
    expect(cert.status, cert.stderr).toBe(0);
    expect(cert.stdout).toContain('subject=CN = gatewatch.example.org');
    expect(cert.stdout).toContain('DNS:gatewatch.example.org');
    const key = spawnSync('openssl', ['pkey', '-in', join(SECRETS_DIR, 'tls_key.pem'), '-noout', '-text'], { encoding: 'utf8' });
    expect(key.stdout).toContain('ASN1 OID: prime256v1');
  });

  test('run again, it changes nothing', () => {
    const before = SECRET_NAMES.map((n) => readFileSync(join(SECRETS_DIR, n), 'utf8'));
    const res = secretsScript(SECRETS_DIR);
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout.trim()).toBe(`compose-secrets: ${SECRETS_DIR} is complete; nothing changed`);
    expect(SECRET_NAMES.map((n) => readFileSync(join(SECRETS_DIR, n), 'utf8'))).toEqual(before);
  });
});

describe('docker-compose.yml', () => {
  test('docker-compose config -q accepts it, with and without the sim profile', () => {
    for (const args of [['config', '-q'], ['--profile', 'sim', 'config', '-q']]) {
      const res = compose(args, REQUIRED);
      expect(res.stderr).toBe('');
      expect(res.status).toBe(0);
    }
  });

  test('without GW_PUBLIC_HOST it refuses, naming it', () => {
    const res = compose(['config', '-q'], { ...REQUIRED, GW_PUBLIC_HOST: undefined });
    expect(res.status).not.toBe(0);
    expect(res.stderr).toContain('set GW_PUBLIC_HOST to the host name browsers and devices use');
  });

  test('published: HTTPS 443 (the proxy) and mqtts 8883 only; plain MQTT and HTTP on the compose network only', () => {
    const { services } = resolved();
    const published = Object.entries(services).flatMap(([name, s]) => ports(s).map((p) => ({ name, ...p })));
    expect(published).toEqual([
      { name: 'gatewatch', hostIp: null, published: 8883, target: 8883 },
      { name: 'proxy', hostIp: null, published: 443, target: 443 },
    ]);
    expect(services.gatewatch!.expose).toEqual(['1883', '3000']);
    expect(services.gatewatch!.environment).toMatchObject({ GW_MQTT_TLS_CERT: '/run/secrets/tls_cert.pem', GW_MQTT_TLS_KEY: '/run/secrets/tls_key.pem', GW_MQTTS_PORT: '8883' });
    // Behind the HTTPS proxy: Secure cookies, the client address from X-Forwarded-For.
    expect(services.gatewatch!.environment).toMatchObject({ GW_COOKIE_SECURE: 'true', GW_TRUST_PROXY: 'true' });
    expect(services.influxdb!.ports).toBeUndefined();
    expect(services.grafana!.ports).toBeUndefined();
  });

  test('every password and key is a compose secret from GW_SECRETS_DIR; none is an environment value', () => {
    const { services, secrets } = resolved();
    expect(Object.keys(secrets).sort()).toEqual(SECRET_NAMES);
    for (const [name, s] of Object.entries(secrets)) {
      expect(s.file).toBe(join(SECRETS_DIR, name));
      expect(existsSync(s.file), s.file).toBe(true);
    }
    const sources = (s: Service) => (s.secrets ?? []).map((x) => x.source).sort();
    expect(sources(services.influxdb!)).toEqual(['influx_admin_password', 'influx_grafana_password']);
    expect(sources(services.grafana!)).toEqual(['grafana_admin_password', 'influx_grafana_password']);
    expect(sources(services.gatewatch!)).toEqual(['influx_admin_password', 'sim_token', 'tls_cert.pem', 'tls_key.pem']);
    expect(sources(services.proxy!)).toEqual(['tls_cert.pem', 'tls_key.pem']);
    expect(sources(services.simulator!)).toEqual(['sim_token']);

    const values = SECRET_NAMES.slice(0, 4).map((n) => readFileSync(join(SECRETS_DIR, n), 'utf8'));
    for (const [name, s] of Object.entries(services)) {
      for (const [key, value] of Object.entries(s.environment ?? {})) {
        // A credential variable names a file, never holds the value.
        if (/PASSWORD|TOKEN|SECRET|KEY/.test(key) && !/_FILE$|__FILE$/.test(key)) expect(value, `${name} ${key}`).toMatch(/^\/run\/secrets\//);
        expect(values, `${name} ${key}`).not.toContain(value);
      }
    }
    expect(services.gatewatch!.environment).toMatchObject({
      GW_INFLUX_USER: 'admin', GW_INFLUX_PASSWORD_FILE: '/run/secrets/influx_admin_password', GW_BOOTSTRAP_ADMIN_TOKEN_FILE: '/run/secrets/sim_token',
    });
    expect(services.gatewatch!.environment?.GRAFANA_ADMIN_PASSWORD).toBeUndefined();
    expect(services.grafana!.environment?.GF_SECURITY_ADMIN_PASSWORD__FILE).toBe('/run/secrets/grafana_admin_password');
    expect(services.simulator!.environment).toEqual({ GW_SIM_TOKEN_FILE: '/run/secrets/sim_token' });

    // InfluxDB 1.8's image reads no _FILE variables: its entrypoint is wrapped to export them from the secrets.
    const influx = services.influxdb!;
    expect(influx.entrypoint?.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    const script = influx.entrypoint![2]!.replaceAll('$$', '$');
    expect(script).toContain('INFLUXDB_ADMIN_PASSWORD="$(cat /run/secrets/influx_admin_password)"');
    expect(script).toContain('INFLUXDB_READ_USER_PASSWORD="$(cat /run/secrets/influx_grafana_password)"');
    expect(script).toMatch(/; exec \/entrypoint\.sh influxd$/);
    expect(influx.environment).toMatchObject({ INFLUXDB_HTTP_AUTH_ENABLED: 'true', INFLUXDB_ADMIN_USER: 'admin', INFLUXDB_READ_USER: 'grafana' });
    expect(influx.environment?.INFLUXDB_ADMIN_PASSWORD).toBeUndefined();

    // Grafana's data source reads its password from the secret file too.
    const datasource = readFileSync(join(ROOT, 'dashboards/provisioning/datasources/influxdb.yaml'), 'utf8');
    expect(datasource).toMatch(/^ {4}user: grafana$/m);
    expect(datasource).toMatch(/^ {6}password: \$__file\{\/run\/secrets\/influx_grafana_password\}$/m);
  });

  test('the proxy: Caddy with deploy/Caddyfile, upstreams on the compose network, Grafana from /grafana/', () => {
    const { services } = resolved();
    const proxy = services.proxy!;
    expect(proxy.image).toMatch(/^caddy:2/);
    expect(mounts(proxy).find((m) => m.target === '/etc/caddy/Caddyfile')).toMatchObject({ type: 'bind', source: join(ROOT, 'deploy/Caddyfile'), read_only: true });
    expect(proxy.environment).toEqual({
      GW_PUBLIC_HOST: 'gatewatch.example.org', GW_HTTPS_PORT: '443', GW_TLS_CERT: '/run/secrets/tls_cert.pem', GW_TLS_KEY: '/run/secrets/tls_key.pem',
      GW_UPSTREAM: 'gatewatch:3000', GRAFANA_UPSTREAM: 'grafana:3000', GW_PROXY_HEALTH_PORT: '8080', CADDY_ADMIN: 'off',
    });
    expect(proxy.healthcheck?.test).toEqual(['CMD', 'wget', '-q', '-O', '/dev/null', 'http://127.0.0.1:8080/']);
    expect(services.grafana!.environment).toMatchObject({ GF_SERVER_ROOT_URL: 'https://gatewatch.example.org/grafana/', GF_SERVER_SERVE_FROM_SUB_PATH: 'true' });
    expect(services.gatewatch!.environment?.GRAFANA_URL).toBe('http://grafana:3000/grafana');
  });

  test('gatewatch and the simulator: the compiled JavaScript, read-only, no capabilities; the image runs as node', () => {
    const { services } = resolved();
    const gw = services.gatewatch!;
    expect(gw.image).toBe('gatewatch:local');
    expect(services.simulator!.image).toBe('gatewatch:local');
    expect(services.simulator!.command?.slice(0, 3)).toEqual(['node', 'dist/devices-sim/cli.js', 'run']);
    expect(services.simulator!.command).toEqual(expect.arrayContaining(['http://gatewatch:3000', 'mqtt://gatewatch:1883']));
    for (const s of [gw, services.simulator!]) {
      expect(s.read_only).toBe(true);
      expect(s.cap_drop).toEqual(['ALL']);
      expect(s.user).toBeUndefined(); // the image's USER node
    }
    expect(mounts(gw).find((v) => v.target === '/app/data')).toMatchObject({ type: 'volume', source: 'gatewatch-data', read_only: false });
    expect(gw.healthcheck?.test.join(' ')).toContain('/readyz');

    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    const stages = dockerfile.split(/^FROM /m).slice(1);
    expect(stages.map((s) => s.split('\n')[0])).toEqual(['node:24-bookworm-slim AS deps', 'deps AS build', 'node:24-bookworm-slim']);
    const final = stages[2]!;
    expect(final).toMatch(/^RUN npm ci --omit=dev --ignore-scripts\b/m);
    expect(final).toMatch(/^COPY --from=build \/app\/dist \.\/dist$/m);
    expect(final).toMatch(/^USER node$/m);
    expect(final).toMatch(/^CMD \["node", "dist\/services\/main\.js"\]$/m);
    expect(final).toMatch(/^VOLUME \["\/app\/data"\]$/m);
    // Only the build's own COPYs: no `COPY . .` that would bring tests, benchmarks or Node-RED.
    expect(dockerfile).not.toMatch(/^COPY (--\S+ )*\. /m);
    expect(stages[1]).toMatch(/^RUN node scripts\/build\.ts$/m);
  });

  test('.dockerignore: only the build inputs go to the build context', () => {
    const lines = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
    expect(lines[0]).toBe('*');
    expect(lines.filter((l) => l.startsWith('!')).sort()).toEqual([
      '!dashboards/generated/', '!devices-sim/', '!package-lock.json', '!package.json', '!schemas/json/', '!schemas/src/', '!scripts/build.ts', '!services/', '!tsconfig.build.json', '!tsconfig.json',
    ]);
    // Everything the Dockerfile copies is let in.
    const copied = [...new Set([...readFileSync(join(ROOT, 'Dockerfile'), 'utf8').matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1]!.split(' ')))];
    expect(copied.length).toBe(10);
    for (const path of copied) {
      const entry = statSync(join(ROOT, path)).isDirectory() ? `${path}/` : path;
      expect(lines, path).toContain(`!${entry}`);
    }
  });

  test('every bind mount and build context exists; provisioning is mounted read-only', () => {
    const { services } = resolved();
    const binds = Object.values(services).flatMap((s) => mounts(s).filter((v) => v.type === 'bind'));
    expect(binds.length).toBe(4);
    for (const b of binds) expect(existsSync(b.source), b.source).toBe(true);
    for (const s of Object.values(services)) if (s.build) expect(existsSync(join(s.build.context, 'Dockerfile'))).toBe(true);

    const grafana = services.grafana!;
    const byTarget = Object.fromEntries(mounts(grafana).map((v) => [v.target, v]));
    expect(byTarget['/etc/grafana/provisioning/datasources']).toMatchObject({ source: join(ROOT, 'dashboards/provisioning/datasources'), read_only: true });
    expect(byTarget['/etc/grafana/provisioning/dashboards']).toMatchObject({ source: join(ROOT, 'dashboards/provisioning/dashboards'), read_only: true });
    expect(byTarget['/etc/grafana/dashboards/gatewatch']).toMatchObject({ source: join(ROOT, 'dashboards/generated'), read_only: true });
    const provider = readFileSync(join(ROOT, 'dashboards/provisioning/dashboards/gatewatch.yaml'), 'utf8');
    expect(provider).toMatch(/^\s+path: \/etc\/grafana\/dashboards\/gatewatch$/m);
    expect(grafana.environment?.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH).toBe('/etc/grafana/dashboards/gatewatch/gatewatch-county.json');
  });

  test('services, health checks, restart policies, volumes, the sim profile', () => {
    const { services, volumes } = resolved();
    expect(Object.keys(services).sort()).toEqual(['gatewatch', 'grafana', 'influxdb', 'proxy', 'simulator']);
    expect(services.influxdb!.image).toBe('influxdb:1.8');
    expect(services.grafana!.image).toMatch(/^grafana\/grafana-oss:/);
    expect(services.gatewatch!.environment?.GW_INFLUX_URL).toBe('http://influxdb:8086');
    for (const name of ['influxdb', 'grafana', 'gatewatch', 'proxy']) {
      expect(services[name]!.healthcheck?.test.length, name).toBeGreaterThan(1);
      expect(services[name]!.restart, name).toBe('unless-stopped');
      expect(services[name]!.profiles, name).toBeUndefined();
    }
    expect(services.simulator!.profiles).toEqual(['sim']);
    expect(Object.keys(volumes).sort()).toEqual(['caddy-data', 'gatewatch-data', 'grafana-data', 'influxdb-data']);
  });
});
