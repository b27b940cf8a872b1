/**
 * Composition root: builds every component from the frozen config and wires
 * them. main.ts calls this; integration tests call it too, on free ports.
 */
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { loadServiceConfig, type ServiceConfig } from './config/service-config.js';
import { openDatabase, type Db } from './store/db.js';
import { createRepositories } from './store/repositories.js';
import { stopInOrder } from './lifecycle/stop.js';
import { loadRegistryFile } from './store/registry-loader.js';
import { createMetrics } from './observability/metrics.js';
import type { Logger } from './observability/logger.js';
import { EventBus } from './events.js';
import { createIngest, type Ingest } from './ingest/ingest.js';
import { loadRulesConfig } from './config/rules-config.js';
import { createInfluxSink, parseInfluxConfig, type InfluxConfig } from './influx/index.js';
import { inspectionToLines, telemetryScoreToLines } from './influx/checklist-points.js';
import type { RulesConfig } from './rules/index.js';
import { createWebhookOutbox } from './notify/webhook-outbox.js';
import { alarmNotifier } from './notify/alarm-notifier.js';
import { ANNOUNCEMENTS, inspectionAnnouncer } from './notify/announcer.js';
import { startBrokerThread } from './broker/thread.js';
import { brokerLimitsFrom, brokerListenFrom } from './broker/settings.js';
import { buildApp } from './api/app.js';
import { createInspectionsService } from './inspections/service.js';

export interface Runtime {
  db: Db;
  http: FastifyInstance;
  mqttPort: number;
  /** Set when the mqtts / WebSocket listeners are configured. */
  mqttsPort?: number;
  mqttWsPort?: number;
  httpPort: number;
  /** The in-process event bus (device.presence, alarm.*), for tests and tools. */
  bus: EventBus;
  /** The ingest side, for tests and tools that must run its periodic work now. */
  ingest: Ingest;
  /** Enabled admin accounts (main.ts asks for the first one when there is none). */
  enabledAdmins(): number;
  stop(): Promise<void>;
}

/** Everything read from the environment at start, parsed and frozen before anything starts. */
export interface StartupConfig {
  service: ServiceConfig;
  rules: RulesConfig;
  /** null: the InfluxDB sink is off. */
  influx: InfluxConfig | null;
}

/** Parses every configuration section; a wrong value throws a ConfigError naming the variable. */
export function loadStartupConfig(env: NodeJS.ProcessEnv): StartupConfig {
  const service = loadServiceConfig(env);
  return { service, rules: loadRulesConfig(service), influx: parseInfluxConfig(env) };
}

export interface RuntimeHooks {
  /** The broker thread died on its own (MQTT is down); main.ts exits so the supervisor restarts the service. */
  onBrokerDied?: (code: number) => void;
}

export async function startRuntime(startup: StartupConfig, logger: Logger, hooks: RuntimeHooks = {}): Promise<Runtime> {
  const config = startup.service;
  const dbPath = join(config.GW_DATA_DIR, 'gatewatch.sqlite');
  const db = openDatabase(dbPath, { synchronous: config.GW_SQLITE_SYNCHRONOUS });
  const metrics = createMetrics();
  const bus = new EventBus(logger);
  // Every shared repository, built once here and passed down.
  const repos = createRepositories(db);
  const { journal, alarms, registry, tokens, accounts, audit, facts } = repos;

  if (config.GW_REGISTRY_FILE) {
    const loaded = await loadRegistryFile(config.GW_REGISTRY_FILE, db, registry, Date.now());
    logger.info({ file: config.GW_REGISTRY_FILE, ...loaded }, 'registry file loaded');
  }
  if (config.GW_BOOTSTRAP_ADMIN_TOKEN) tokens.ensure('bootstrap-admin', 'admin', config.GW_BOOTSTRAP_ADMIN_TOKEN, Date.now());

  const influx = startup.influx ? createInfluxSink({ db, config: startup.influx, logger, registry: metrics.registry }) : undefined;
  const webhooks = createWebhookOutbox({
    db, logger, registry: metrics.registry,
    targets: {
      alarms: config.GW_ALARM_WEBHOOK_URL ? { url: config.GW_ALARM_WEBHOOK_URL, dingtalkSecret: config.GW_ALARM_WEBHOOK_DINGTALK_SECRET } : undefined,
      [ANNOUNCEMENTS]: config.GW_ANNOUNCE_WEBHOOK_URL ? { url: config.GW_ANNOUNCE_WEBHOOK_URL, dingtalkSecret: config.GW_ANNOUNCE_WEBHOOK_DINGTALK_SECRET } : undefined,
    },
  });
  const observers = webhooks.configured('alarms')
    ? [alarmNotifier({ outbox: webhooks, registry, format: config.GW_ALARM_WEBHOOK_FORMAT, minSeverity: config.GW_ALARM_WEBHOOK_MIN_SEVERITY, language: config.GW_NOTIFY_LANGUAGE })]
    : [];
  const announce = webhooks.configured(ANNOUNCEMENTS) ? inspectionAnnouncer({ outbox: webhooks, format: config.GW_ANNOUNCE_WEBHOOK_FORMAT, language: config.GW_NOTIFY_LANGUAGE }) : undefined;
  const inspections = createInspectionsService({
    db,
    rectificationDays: config.GW_RECTIFICATION_DAYS,
    countyTimeZone: startup.rules.defaultTimeZone,
    audit,
    registry,
    inspections: repos.inspections,
    facts,
    // Inside the signing transaction: the points and the group-chat announcement commit with the signature.
    onSigned: (signed, result) => {
      influx?.enqueue(inspectionToLines(signed.communityId, signed.date, result, inspections.zoneOf(signed.communityId)), signed.communityId);
      announce?.(signed);
    },
  });
  const ingest = createIngest({
    db, journal, alarms, registry, facts, audit, legacyInbox: repos.legacyInbox, layoutVersions: repos.layoutVersions, reevaluation: repos.reevaluation,
    metrics, logger, bus, influx, observers,
    // Telemetry's checklist sub-scores of each recomputed day, for the county dashboard.
    onDay: influx ? (communityId, day) => influx.enqueue(telemetryScoreToLines(communityId, day, inspections.itemScores(communityId, day, day), inspections.zoneOf(communityId)), communityId) : undefined,
    rulesConfig: startup.rules,
    maxPayloadBytes: config.GW_MAX_PAYLOAD_BYTES,
    factsRefreshMs: config.GW_FACTS_REFRESH_SECONDS * 1000,
    retentionDays: config.GW_READINGS_RETENTION_DAYS,
  });
  ingest.replayUnprocessed();
  // Readings a rule threw on before a restart (a fix deployed since): evaluated again now.
  ingest.reevaluateFlagged();
  ingest.runPeriodic();
  metrics.alarmsOpen.set(alarms.countActive());
  influx?.start();
  webhooks.start();

  // The broker runs on its own thread (services/broker/thread.ts); its batches are processed here.
  const { presence } = repos;
  const broker = await startBrokerThread({
    init: {
      dbPath, logLevel: logger.level, limits: brokerLimitsFrom(config), listen: brokerListenFrom(config),
      serviceAccounts: config.GW_MQTT_SERVICE_ACCOUNTS, maxBatch: config.GW_INBOX_MAX_BATCH,
    },
    process: (messages) => ingest.processBatch(messages),
    presence, bus, logger,
    onDenied: (code) => metrics.messagesRejected.inc({ code }),
    onDied: hooks.onBrokerDied,
  });
  const mqttAddress = broker.addresses;

  const http = await buildApp({
    logger, registry: metrics.registry, alarms, journal, tokens, bus, metricsPublic: config.GW_METRICS_PUBLIC,
    registryRepo: registry, deviceControl: broker, backfill: ingest.backfill,
    inspections, db,
    auth: {
      cookieSecure: config.GW_COOKIE_SECURE,
      trustProxy: config.GW_TRUST_PROXY,
      policy: {
        idleMs: config.GW_SESSION_IDLE_MINUTES * 60_000,
        absoluteMs: config.GW_SESSION_MAX_HOURS * 3_600_000,
        maxFailures: config.GW_LOGIN_MAX_FAILURES,
        lockBaseMs: config.GW_LOGIN_LOCK_SECONDS * 1000,
        lockMaxMs: Math.max(15 * 60_000, config.GW_LOGIN_LOCK_SECONDS * 1000),
      },
    },
    facts, accounts, audit, scope: repos.scope,
    readiness: () => ({ database: db.open, mqtt: broker.isOpen() }),
    extraMetrics: () => broker.metrics(),
  });
  await http.listen({ host: config.GW_HTTP_HOST, port: config.GW_HTTP_PORT });
  const httpPort = (http.server.address() as { port: number }).port;
  logger.info({ port: httpPort }, 'http listening');

  ingest.start();

  return {
    enabledAdmins: () => accounts.countEnabledAdmins(),
    db, http, mqttPort: mqttAddress.tcp.port, mqttsPort: mqttAddress.tls?.port, mqttWsPort: mqttAddress.ws?.port, httpPort, bus, ingest,
    // Each in isolation: a component that fails to stop does not keep the others running (lifecycle/stop.ts).
    stop: () =>
      stopInOrder(
        [
          { name: 'http', stop: () => http.close() },
          { name: 'broker', stop: () => broker.close() },
          { name: 'ingest', stop: () => ingest.stop() },
          { name: 'influx', stop: async () => influx?.stop() },
          { name: 'webhooks', stop: () => webhooks.stop() },
          { name: 'database', stop: () => void db.close() },
        ],
        logger,
      ),
  };
}
