/**
 * Read access per property company (`npm run admin -- influx-tenants`): for
 * each company of the registry, its InfluxDB database (tenants.ts), a
 * read-only InfluxDB user with READ on that database and nothing else, and,
 * given a Grafana URL, a Grafana organisation named after the company with
 * the InfluxDB data source (the company's user, its database, the uid every
 * dashboard refers to) and the community dashboard, through Grafana's HTTP
 * API (file provisioning cannot create organisations).
 *
 * Idempotent: run it again after adding a company or community. A user's
 * password is generated (never a default) when the user is created, when
 * asked to rotate it, or when its Grafana data source must be created and
 * the old one is not known; it is returned once, for the caller to show.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { parseEnv } from '../config/env.js';
import type { InfluxConfig } from './config.js';
import { tenantDatabase, tenantReader } from './tenants.js';
import { quoteIdent } from './writer.js';

/** The uid of the InfluxDB data source every generated dashboard queries (dashboards/common.ts). */
export const DATASOURCE_UID = 'gatewatch-influxdb';
export const FOLDER_UID = 'gatewatch';

export const GrafanaEnvSchema = z.object({
  GRAFANA_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL, e.g. http://127.0.0.1:3001' }).optional(),
  GRAFANA_ADMIN_USER: z.string().min(1).default('admin'),
  GRAFANA_ADMIN_PASSWORD: z.string().min(1).optional(),
  GRAFANA_INFLUX_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL, e.g. http://influxdb:8086' }).optional(),
});

export interface GrafanaConfig {
  url: string;
  user: string;
  password: string;
  /** InfluxDB as Grafana's server reaches it (GRAFANA_INFLUX_URL, else GW_INFLUX_URL). */
  influxUrl: string;
}

/** GRAFANA_URL with a server admin's user and password (organisations need one); null when GRAFANA_URL is unset. */
export function parseGrafanaConfig(env: NodeJS.ProcessEnv, influxUrl: string): GrafanaConfig | null {
  const e = parseEnv(GrafanaEnvSchema, env, 'Grafana');
  if (e.GRAFANA_URL === undefined) return null;
  if (e.GRAFANA_ADMIN_PASSWORD === undefined) {
    throw new Error('Invalid Grafana configuration:\n  GRAFANA_ADMIN_PASSWORD: required when GRAFANA_URL is set (a Grafana server admin creates organisations)');
  }
  return { url: e.GRAFANA_URL.replace(/\/+$/, ''), user: e.GRAFANA_ADMIN_USER, password: e.GRAFANA_ADMIN_PASSWORD, influxUrl: (e.GRAFANA_INFLUX_URL ?? influxUrl).replace(/\/+$/, '') };
}

export interface ProvisionInput {
  /** Communities of the registry: id and property company. */
  communities: ReadonlyArray<{ id: string; propertyCompany: string }>;
  /** InfluxDB with an admin user (GW_INFLUX_URL, GW_INFLUX_USER, GW_INFLUX_PASSWORD). */
  influx: InfluxConfig;
  /** Prefix of company databases (GW_INFLUX_TENANT_DB_PREFIX). */
  prefix: string;
  grafana: GrafanaConfig | null;
  /** Dashboards to load into each company's organisation (the generated JSON). */
  dashboards: ReadonlyArray<Record<string, unknown>>;
  /** Companies whose password is set anew; 'all' for every one. */
  rotate?: ReadonlySet<string> | 'all';
  /** Password generator; 24 random bytes, base64url, by default. */
  newPassword?: () => string;
}

export interface TenantProvisioned {
  company: string;
  communities: string[];
  database: string;
  user: string;
  /** Set only when a password was created or changed now: show it once. */
  password: string | null;
  /** The company's Grafana organisation, when GRAFANA_URL was given. */
  grafanaOrgId: number | null;
}

export async function provisionTenants(input: ProvisionInput): Promise<TenantProvisioned[]> {
  const influx = influxAdmin(input.influx);
  const grafana = input.grafana && grafanaApi(input.grafana);
  const newPassword = input.newPassword ?? (() => randomBytes(24).toString('base64url'));
  const byCompany = new Map<string, string[]>();
  for (const c of input.communities) byCompany.set(c.propertyCompany, [...(byCompany.get(c.propertyCompany) ?? []), c.id]);

  const users = new Set((await influx.rows('SHOW USERS')).map((r) => String(r[0])));
  const out: TenantProvisioned[] = [];
  for (const [company, communities] of [...byCompany].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const database = tenantDatabase(input.prefix, company);
    const user = tenantReader(input.prefix, company);
    await influx.exec(`CREATE DATABASE ${quoteIdent(database)}`);

    const org = grafana ? await grafana.ensureOrg(company) : null;
    const datasourceExists = grafana && org !== null ? await grafana.datasourceExists(org) : false;
    const rotate = input.rotate === 'all' || (input.rotate?.has(company) ?? false);
    let password: string | null = null;
    if (!users.has(user)) {
      password = newPassword();
      await influx.exec(`CREATE USER ${quoteIdent(user)} WITH PASSWORD ${quoteString(password)}`);
    } else if (rotate || (grafana && !datasourceExists)) {
      password = newPassword();
      await influx.exec(`SET PASSWORD FOR ${quoteIdent(user)} = ${quoteString(password)}`);
    }
    await readOnlyOn(influx, user, database);

    if (grafana && org !== null) {
      await grafana.saveDatasource(org, datasourceExists, {
        name: `gatewatch InfluxDB (${company})`, database, user, password, influxUrl: input.grafana!.influxUrl,
      });
      await grafana.ensureFolder(org);
      for (const dashboard of input.dashboards) await grafana.saveDashboard(org, dashboard);
    }
    out.push({ company, communities, database, user, password, grafanaOrgId: org });
  }
  return out;
}

/** Exactly READ on `database`: no admin privilege, no grant on any other database. */
async function readOnlyOn(influx: InfluxAdmin, user: string, database: string): Promise<void> {
  await influx.exec(`REVOKE ALL PRIVILEGES FROM ${quoteIdent(user)}`);
  for (const [db, privilege] of await influx.rows(`SHOW GRANTS FOR ${quoteIdent(user)}`)) {
    if (db !== database || privilege !== 'READ') await influx.exec(`REVOKE ALL ON ${quoteIdent(String(db))} FROM ${quoteIdent(user)}`);
  }
  await influx.exec(`GRANT READ ON ${quoteIdent(database)} TO ${quoteIdent(user)}`);
}

/** InfluxQL string literal: single-quoted, `\` and `'` escaped. */
function quoteString(s: string): string {
  return `'${s.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

interface InfluxAdmin {
  exec(q: string): Promise<void>;
  rows(q: string): Promise<unknown[][]>;
}

function influxAdmin(config: InfluxConfig): InfluxAdmin {
  const headers: Record<string, string> = {};
  if (config.auth.kind === 'basic') headers.Authorization = `Basic ${Buffer.from(`${config.auth.user}:${config.auth.password}`, 'utf8').toString('base64')}`;
  if (config.auth.kind === 'token') headers.Authorization = `Token ${config.auth.token}`;
  async function run(q: string): Promise<unknown[][]> {
    const res = await fetch(`${config.url}/query`, { method: 'POST', headers, body: new URLSearchParams({ q }), signal: AbortSignal.timeout(config.timeoutMs) });
    const text = await res.text();
    // Never echo the statement: it may hold a password.
    const what = q.replace(/PASSWORD.*$/i, 'PASSWORD …');
    if (!res.ok) throw new Error(`InfluxDB refused ${what}: HTTP ${res.status} ${text.slice(0, 500)}`);
    const body = JSON.parse(text) as { results?: Array<{ error?: string; series?: Array<{ values?: unknown[][] }> }>; error?: string };
    const error = body.error ?? body.results?.[0]?.error;
    if (error) throw new Error(`InfluxDB refused ${what}: ${error}`);
    return body.results?.[0]?.series?.[0]?.values ?? [];
  }
  return { exec: async (q) => void (await run(q)), rows: run };
}

interface DatasourceSpec {
  name: string;
  database: string;
  user: string;
  password: string | null;
  influxUrl: string;
}

function grafanaApi(g: GrafanaConfig) {
  const auth = `Basic ${Buffer.from(`${g.user}:${g.password}`, 'utf8').toString('base64')}`;
  async function call(method: string, path: string, org: number | null, body?: unknown): Promise<{ status: number; json: Record<string, unknown> | null }> {
    const headers: Record<string, string> = { Authorization: auth, Accept: 'application/json' };
    if (org !== null) headers['X-Grafana-Org-Id'] = String(org);
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(`${g.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
    const text = await res.text();
    let json: Record<string, unknown> | null = null;
    try {
      json = text ? (JSON.parse(text) as Record<string, unknown>) : null;
    } catch {
      json = { body: text.slice(0, 500) };
    }
    return { status: res.status, json };
  }
  async function must(method: string, path: string, org: number | null, body?: unknown): Promise<Record<string, unknown>> {
    const res = await call(method, path, org, body);
    if (res.status < 200 || res.status >= 300) throw new Error(`Grafana ${method} ${path}: HTTP ${res.status} ${JSON.stringify(res.json).slice(0, 500)}`);
    return res.json ?? {};
  }
  return {
    /** The organisation named after the company, created when missing; its id. */
    async ensureOrg(name: string): Promise<number> {
      const found = await call('GET', `/api/orgs/name/${encodeURIComponent(name)}`, null);
      if (found.status === 200) return Number(found.json?.id);
      if (found.status !== 404) throw new Error(`Grafana GET /api/orgs/name: HTTP ${found.status} ${JSON.stringify(found.json).slice(0, 500)}`);
      // The server admin who creates it becomes its Admin, so the calls below may name it in X-Grafana-Org-Id.
      return Number((await must('POST', '/api/orgs', null, { name })).orgId);
    },
    async datasourceExists(org: number): Promise<boolean> {
      const res = await call('GET', `/api/datasources/uid/${DATASOURCE_UID}`, org);
      if (res.status === 200) return true;
      if (res.status === 404) return false;
      throw new Error(`Grafana GET /api/datasources/uid/${DATASOURCE_UID}: HTTP ${res.status}`);
    },
    /** The same settings as dashboards/provisioning/datasources/influxdb.yaml, with the company's database and user. */
    async saveDatasource(org: number, exists: boolean, ds: DatasourceSpec): Promise<void> {
      const body = {
        name: ds.name, uid: DATASOURCE_UID, type: 'influxdb', access: 'proxy', url: ds.influxUrl, isDefault: true,
        user: ds.user, database: ds.database,
        jsonData: { version: 'InfluxQL', dbName: ds.database, httpMode: 'GET', timeInterval: '10s' },
        // Left out on an update without a new password: Grafana keeps the one it has.
        ...(ds.password === null ? {} : { secureJsonData: { password: ds.password } }),
      };
      if (exists) await must('PUT', `/api/datasources/uid/${DATASOURCE_UID}`, org, body);
      else await must('POST', '/api/datasources', org, body);
    },
    async ensureFolder(org: number): Promise<void> {
      const res = await call('GET', `/api/folders/${FOLDER_UID}`, org);
      if (res.status === 200) return;
      await must('POST', '/api/folders', org, { uid: FOLDER_UID, title: 'gatewatch' });
    },
    async saveDashboard(org: number, dashboard: Record<string, unknown>): Promise<void> {
      await must('POST', '/api/dashboards/db', org, { dashboard: { ...dashboard, id: null }, folderUid: FOLDER_UID, overwrite: true, message: 'gatewatch influx-tenants' });
    },
  };
}
