/**
 * Configuration of the InfluxDB sink: one zod schema over the environment,
 * parsed once at start (services/config/env.ts), frozen, passed in
 * explicitly. A wrong value throws a ConfigError that names the variable.
 * Unset or empty variables take their default; without GW_INFLUX_URL the
 * sink is off (parse returns null), but every other variable is still checked.
 */
import { z } from 'zod';
import { ConfigError, parseEnv } from '../config/env.js';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const bool = z.enum(['true', 'false', '1', '0'], { error: 'must be true or false' }).transform((v) => v === 'true' || v === '1');

export const InfluxEnvSchema = z.object({
  GW_INFLUX_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL, e.g. http://127.0.0.1:8086' })
    .optional()
    .describe('Base URL of the InfluxDB HTTP API; the sink is off when unset'),
  GW_INFLUX_DB: z.string().min(1).max(255).default('gatewatch').describe('Database (1.x) or v1-mapped bucket (2.x/3.x)'),
  GW_INFLUX_RP: z.string().min(1).max(255).optional().describe('Retention policy; the server default when unset'),
  GW_INFLUX_USER: z.string().min(1).optional().describe('Basic auth user (1.x)'),
  GW_INFLUX_PASSWORD: z.string().min(1).optional(),
  GW_INFLUX_TOKEN: z.string().min(1).optional().describe('Sent as "Authorization: Token ..." (2.x/3.x v1 compatibility)'),
  GW_INFLUX_BATCH_SIZE: int(1, 100_000).default(5000).describe('Lines per POST'),
  GW_INFLUX_FLUSH_MS: int(10, 3_600_000).default(1000).describe('Flush interval, ms'),
  GW_INFLUX_MAX_BACKOFF_MS: int(100, 3_600_000).default(30_000).describe('Longest wait between retries, ms'),
  GW_INFLUX_TIMEOUT_MS: int(100, 600_000).default(10_000).describe('Timeout of one HTTP request, ms'),
  GW_INFLUX_TENANT_DATABASES: bool
    .default(true)
    .describe("Also write each community's points into its property company's own database (tenants.ts)"),
  GW_INFLUX_TENANT_DB_PREFIX: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'letters, digits and _, not starting with a digit, at most 64')
    .default('gatewatch_co_')
    .describe("Prefix of a company's database name: <prefix><company key>"),
});

type InfluxEnv = z.infer<typeof InfluxEnvSchema>;

export type InfluxAuth = { kind: 'none' } | { kind: 'basic'; user: string; password: string } | { kind: 'token'; token: string };

export interface InfluxConfig {
  /** Base URL without a trailing slash. */
  readonly url: string;
  readonly database: string;
  readonly retentionPolicy: string | undefined;
  readonly auth: InfluxAuth;
  readonly batchSize: number;
  readonly flushMs: number;
  readonly maxBackoffMs: number;
  readonly timeoutMs: number;
  /** Per-company databases: null when off, else the prefix of their names (see tenants.ts). */
  readonly tenantDbPrefix: string | null;
}

/** Reads the GW_INFLUX_* variables. Returns null when GW_INFLUX_URL is unset (sink off). */
export function parseInfluxConfig(env: NodeJS.ProcessEnv): InfluxConfig | null {
  const e = parseEnv(InfluxEnvSchema, env, 'InfluxDB');
  const auth = authOf(e);
  if (e.GW_INFLUX_URL === undefined) return null;
  return Object.freeze({
    url: e.GW_INFLUX_URL.replace(/\/+$/, ''),
    database: e.GW_INFLUX_DB,
    retentionPolicy: e.GW_INFLUX_RP,
    auth: Object.freeze(auth),
    batchSize: e.GW_INFLUX_BATCH_SIZE,
    flushMs: e.GW_INFLUX_FLUSH_MS,
    maxBackoffMs: e.GW_INFLUX_MAX_BACKOFF_MS,
    timeoutMs: e.GW_INFLUX_TIMEOUT_MS,
    tenantDbPrefix: e.GW_INFLUX_TENANT_DATABASES ? e.GW_INFLUX_TENANT_DB_PREFIX : null,
  });
}

function authOf(e: InfluxEnv): InfluxAuth {
  const { GW_INFLUX_USER: user, GW_INFLUX_PASSWORD: password, GW_INFLUX_TOKEN: token } = e;
  if (token !== undefined && (user !== undefined || password !== undefined)) {
    throw new ConfigError('Invalid InfluxDB configuration:\n  GW_INFLUX_TOKEN: set either GW_INFLUX_TOKEN or GW_INFLUX_USER/GW_INFLUX_PASSWORD, not both');
  }
  if (token !== undefined) return { kind: 'token', token };
  if ((user === undefined) !== (password === undefined)) {
    const missing = user === undefined ? 'GW_INFLUX_USER' : 'GW_INFLUX_PASSWORD';
    throw new ConfigError(`Invalid InfluxDB configuration:\n  ${missing}: required when ${missing === 'GW_INFLUX_USER' ? 'GW_INFLUX_PASSWORD' : 'GW_INFLUX_USER'} is set`);
  }
  if (user !== undefined && password !== undefined) return { kind: 'basic', user, password };
  return { kind: 'none' };
}
