/**
 * Configuration of the gatewatch service process: one zod schema, read from
 * the environment once at start, frozen, and passed in explicitly.
 */
import { z } from 'zod';
import { existsSync } from 'node:fs';
import { parseEnv } from './env.js';

const port = z.coerce.number().int().min(0).max(65535);
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const file = z.string().min(1).refine((p) => existsSync(p), 'no such file');

/**
 * MQTT service accounts (services/broker/README.md): "name:sha256hex,name2:sha256hex".
 * Only the SHA-256 of each secret is configured, never the secret; the secret
 * is 192 random bits from `npm run admin -- service-secret --name <name>`, so a
 * fast hash suffices (as for API tokens).
 */
export interface ServiceAccount {
  name: string;
  secretSha256: string;
}
const SERVICE_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const serviceAccounts = z.string().transform((value, ctx): ServiceAccount[] => {
  const accounts: ServiceAccount[] = [];
  for (const entry of value.split(',').map((e) => e.trim()).filter(Boolean)) {
    const [name = '', hash = '', ...extra] = entry.split(':');
    if (!SERVICE_NAME.test(name) || !/^[0-9a-fA-F]{64}$/.test(hash) || extra.length > 0) {
      ctx.addIssue({ code: 'custom', message: `each entry must be <name>:<sha256 hex of the secret> (name: a-z 0-9 _ -), see npm run admin -- service-secret; bad entry starting "${name.slice(0, 64)}"` });
      return z.NEVER;
    }
    if (accounts.some((a) => a.name === name)) {
      ctx.addIssue({ code: 'custom', message: `service account "${name}" is listed twice` });
      return z.NEVER;
    }
    accounts.push({ name, secretSha256: hash.toLowerCase() });
  }
  return accounts;
});

export const ServiceConfigSchema = z.object({
  GW_MQTT_HOST: z.string().min(1).default('0.0.0.0').describe('Address the MQTT listener binds to'),
  GW_MQTT_PORT: port.default(1883),
  GW_MQTT_TLS_CERT: file.optional().describe('PEM certificate (chain) file: with GW_MQTT_TLS_KEY, turns on the mqtts listener'),
  GW_MQTT_TLS_KEY: file.optional().describe('PEM private key file of GW_MQTT_TLS_CERT'),
  GW_MQTTS_PORT: port.default(8883).describe('mqtts listener port (when a certificate is configured)'),
  GW_MQTT_WS_PORT: port.optional().describe('Optional MQTT-over-WebSocket listener port; off when unset'),
  GW_MQTT_MAX_PACKET_BYTES: z.coerce.number().int().min(1024).max(16_777_216).default(65_536).describe('Largest MQTT packet; a larger one closes the connection unread'),
  GW_MQTT_RATE_PER_DEVICE: z.coerce.number().positive().max(1_000_000).default(100).describe('Sustained messages/s per device (token bucket)'),
  GW_MQTT_BURST_PER_DEVICE: z.coerce.number().int().min(1).max(10_000_000).default(3000).describe('Messages a device may send at once (bucket size)'),
  GW_MQTT_MAX_CONNECTIONS: z.coerce.number().int().min(1).max(1_000_000).default(10_000).describe('Open MQTT connections, all listeners together'),
  GW_MQTT_MAX_CONNECTIONS_PER_DEVICE: z.coerce.number().int().min(1).max(100).default(1).describe('Live connections per device; one more takes over the oldest'),
  GW_MQTT_OVERLOAD_LAG_MS: z.coerce.number().int().min(0).max(60_000).default(200).describe('Event-loop lag above which QoS 0 is shed; 0 = never'),
  GW_MQTT_SERVICE_ACCOUNTS: serviceAccounts
    .default([])
    .describe('Internal services that send device commands over MQTT: comma-separated name:sha256hex-of-secret; MQTT username service:<name>. None by default'),
  GW_RABBITMQ_AUTH: z
    .enum(['on', 'off'])
    .default('off')
    .describe("on: serve RabbitMQ's HTTP auth backend at /internal/rabbitmq/{user,vhost,resource,topic} (devices and service accounts of the registry; deploy/cluster/README.md). Off by default"),
  GW_RABBITMQ_MANAGEMENT_URLS: z
    .string()
    .transform((v, ctx) => {
      const urls = v.split(',').map((u) => u.trim()).filter((u) => u !== '');
      for (const u of urls) {
        if (!/^https?:\/\/[^/\s]+\/?$/.test(u)) ctx.addIssue({ code: 'custom', message: `not an http(s)://host:port URL: ${JSON.stringify(u)}` });
      }
      return urls;
    })
    .optional()
    .describe("Comma list of RabbitMQ management URLs (http://host:15672), tried in order: disabling a device or rotating its secret closes its RabbitMQ connections too. Off when unset"),
  GW_RABBITMQ_AMQP_URL: z
    .string()
    .regex(/^amqps?:\/\/\S+$/, 'an amqp:// or amqps:// URL')
    .optional()
    .describe("Consume device messages from RabbitMQ too (its MQTT plugin with mqtt.exchange = gatewatch.mqtt): each partition its own quorum queue (services/rabbitmq/README.md). Off when unset"),
  GW_RABBITMQ_MANAGEMENT_USER: z.string().min(1).optional().describe('Management API user of GW_RABBITMQ_MANAGEMENT_URLS: an internal RabbitMQ user (administrator tag)'),
  GW_RABBITMQ_MANAGEMENT_PASSWORD: z.string().min(1).optional().describe('Its password (or GW_RABBITMQ_MANAGEMENT_PASSWORD_FILE)'),
  GW_HTTP_HOST: z.string().min(1).default('0.0.0.0'),
  GW_HTTP_PORT: port.default(3000),
  GW_DATA_DIR: z.string().min(1).default('./data').describe('Where the SQLite system of record lives'),
  GW_SQLITE_SYNCHRONOUS: z.enum(['NORMAL', 'FULL']).default('NORMAL'),
  GW_PARTITIONS: z.coerce
    .number()
    .int()
    .min(1)
    .max(8)
    .optional()
    .describe(
      'Partitions by community, each on its own thread and SQLite file (services/partitions/README.md). Fixed when the data directory is created; unset: what it was created with, or for a new one 1 on up to 3 cores, else cores - 2 (at most 8)',
    ),
  GW_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  GW_MAX_PAYLOAD_BYTES: z.coerce.number().int().min(256).max(1_048_576).default(16_384),
  GW_INBOX_MAX_BATCH: z.coerce.number().int().min(1).max(100_000).default(2000),
  GW_READINGS_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(400),
  GW_MAX_LATENESS_HOURS: z.coerce.number().int().min(1).max(24 * 30).default(24).describe('Readings older than this are dead-lettered'),
  GW_MAX_CLOCK_SKEW_MINUTES: z.coerce.number().int().min(0).max(1440).default(5).describe('Readings further ahead of the service clock are dead-lettered'),
  GW_RULES_CONFIG_FILE: z.string().optional().describe('Optional JSON file overriding rule thresholds (services/rules/config.ts)'),
  GW_FACTS_REFRESH_SECONDS: z.coerce.number().int().min(1).max(3600).default(60).describe("How often today's facts are recomputed as the clock moves"),
  GW_BOOTSTRAP_ADMIN_TOKEN: z
    .string()
    .min(32, 'must be at least 32 characters')
    .optional()
    .describe('Optional: an admin API token to create at start (for automation); otherwise use `npm run admin -- create-token`'),
  GW_REGISTRY_FILE: z.string().optional().describe('Optional JSON registry (communities, devices with secrets) loaded at start'),
  GW_ALARM_WEBHOOK_URL: z.url().optional().describe('Where new alarms are POSTed (JSON, or a WeCom / DingTalk group robot)'),
  GW_ALARM_WEBHOOK_FORMAT: z.enum(['json', 'wecom', 'dingtalk']).default('json'),
  GW_ALARM_WEBHOOK_MIN_SEVERITY: z.enum(['low', 'medium', 'high', 'critical']).default('low'),
  GW_ALARM_WEBHOOK_DINGTALK_SECRET: z.string().optional().describe('DingTalk robot signing secret (加签)'),
  GW_METRICS_PUBLIC: bool.default(true).describe('Serve /metrics without a token'),
  GW_RECTIFICATION_DAYS: z.coerce.number().int().min(1).max(365).default(15).describe('Days from a failed inspection to its rectification deadline'),
  GW_COOKIE_SECURE: bool.default(false).describe('Mark the session cookie Secure (and name it __Host-gw_session): set true when the page is served over HTTPS'),
  GW_TRUST_PROXY: bool.default(false).describe('Take the client address from X-Forwarded-For (behind a reverse proxy), for per-address sign-in limits'),
  GW_SESSION_IDLE_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(30).describe('A session unused this long ends'),
  GW_SESSION_MAX_HOURS: z.coerce.number().int().min(1).max(24 * 30).default(12).describe('A session ends this long after sign-in, used or not'),
  GW_LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).max(100).default(5).describe('Failed sign-ins of one username before it is locked'),
  GW_LOGIN_LOCK_SECONDS: z.coerce.number().int().min(1).max(3600).default(60).describe('First lock after too many failures; each further failure doubles it (at most 15 min)'),
  GW_ANNOUNCE_WEBHOOK_URL: z.url().optional().describe('Where signed inspection results are announced (group-chat robot: WeCom / DingTalk, or JSON)'),
  GW_ANNOUNCE_WEBHOOK_FORMAT: z.enum(['json', 'wecom', 'dingtalk']).default('json'),
  GW_ANNOUNCE_WEBHOOK_DINGTALK_SECRET: z.string().optional().describe('DingTalk robot signing secret (加签) of the announcement webhook'),
  GW_NOTIFY_LANGUAGE: z.enum(['zh', 'en']).default('zh').describe('Language of the WeCom / DingTalk messages (alarms and announcements): zh (default) or en'),
}).superRefine((c, ctx) => {
  // Settings that only make sense together (the issue names the variable to fix).
  if (Boolean(c.GW_MQTT_TLS_CERT) !== Boolean(c.GW_MQTT_TLS_KEY)) {
    ctx.addIssue({ code: 'custom', path: [c.GW_MQTT_TLS_CERT ? 'GW_MQTT_TLS_KEY' : 'GW_MQTT_TLS_CERT'], message: 'set both GW_MQTT_TLS_CERT and GW_MQTT_TLS_KEY, or neither' });
  }
  if (c.GW_RABBITMQ_MANAGEMENT_URLS?.length) {
    if (!c.GW_RABBITMQ_MANAGEMENT_USER) ctx.addIssue({ code: 'custom', path: ['GW_RABBITMQ_MANAGEMENT_USER'], message: 'required with GW_RABBITMQ_MANAGEMENT_URLS' });
    if (!c.GW_RABBITMQ_MANAGEMENT_PASSWORD) ctx.addIssue({ code: 'custom', path: ['GW_RABBITMQ_MANAGEMENT_PASSWORD'], message: 'required with GW_RABBITMQ_MANAGEMENT_URLS' });
  }
  if (c.GW_MQTT_MAX_PACKET_BYTES < c.GW_MAX_PAYLOAD_BYTES + 1024) {
    ctx.addIssue({ code: 'custom', path: ['GW_MQTT_MAX_PACKET_BYTES'], message: `must be at least GW_MAX_PAYLOAD_BYTES + 1024 (${c.GW_MAX_PAYLOAD_BYTES + 1024})` });
  }
});

export type ServiceConfig = Readonly<z.infer<typeof ServiceConfigSchema>>;

export function loadServiceConfig(env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  return parseEnv(ServiceConfigSchema, env, 'service');
}
