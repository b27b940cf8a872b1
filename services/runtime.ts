/**
 * Composition root: builds every component from the frozen config and wires
 * them. main.ts calls this; integration tests call it too, on free ports.
 */
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { loadServiceConfig, type ServiceConfig } from './config/service-config.js';
import { DEFAULT_BUSY_TIMEOUT_MS, openDatabase, type Db } from './store/db.js';
import { createStorageHealth } from './store/errors.js';
import { createRepositories, type Repositories } from './store/repositories.js';
import { startInOrder, type Component } from './lifecycle/start.js';
import { loadRegistryFile } from './store/registry-loader.js';
import { createMetrics } from './observability/metrics.js';
import type { Logger } from './observability/logger.js';
import { EventBus, InCommit } from './events.js';
import type { InspectionsService } from './inspections/service.js';
import { createIngest, type Ingest } from './ingest/ingest.js';
import { loadRulesConfig } from './config/rules-config.js';
import { createInfluxSink, createReadingsProjection, influxProjection, parseInfluxConfig, type InfluxConfig } from './influx/index.js';
import type { RulesConfig } from './rules/index.js';
import { createWebhookOutbox } from './notify/webhook-outbox.js';
import { alarmNotifier } from './notify/alarm-notifier.js';
import { ANNOUNCEMENTS, inspectionAnnouncer } from './notify/announcer.js';
import { startBrokerThread, type BrokerThread } from './broker/thread.js';
import { brokerLimitsFrom, brokerListenFrom } from './broker/settings.js';
import { buildApp } from './api/app.js';
import { createRabbitmqControl, withRabbitmqDisconnect } from './rabbitmq/control.js';
import { createInspectionsService } from './inspections/service.js';

export { StartError } from './lifecycle/start.js';

export interface Runtime {
  db: Db;
  http: FastifyInstance;
  mqttPort: number;
  /** Set when the mqtts / WebSocket listeners are configured. */
  mqttsPort?: number;
  mqttWsPort?: number;
  httpPort: number;
  /** After-commit subscribers (device.presence, alarm.*), for tests and tools (services/events.ts). */
  bus: EventBus;
  /** In-commit participants (InfluxDB, alarm webhook, announcements), for tests and tools (services/events.ts). */
  inCommit: InCommit;
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

/**
 * The main thread's busy_timeout, ms. Long enough for ingest's own commits of another connection (the
 * broker thread's presence reset, the CLI's short writes) to pass, short enough that a 7 s lock held elsewhere
 * never stops the event loop for more than this per attempt.
 */
export const MAIN_BUSY_TIMEOUT_MS = 20;

export interface RuntimeHooks {
  /** The broker thread died on its own (MQTT is down); main.ts exits so the supervisor restarts the service. */
  onBrokerDied?: (code: number) => void;
}

export async function startRuntime(startup: StartupConfig, logger: Logger, hooks: RuntimeHooks = {}): Promise<Runtime> {
  const config = startup.service;
  const dbPath = join(config.GW_DATA_DIR, 'gatewatch.sqlite');
  const metrics = createMetrics();
  const bus = new EventBus(logger);
  // Whether the last ingest batch failed for a full disk or an I/O error: /readyz says so until one commits.
  const storage = createStorageHealth();
  // Built by the components below, in order; each later one uses what the earlier ones built.
  let db!: Db;
  let repos!: Repositories;
  let inspections!: InspectionsService;
  let ingest!: Ingest;
  let broker!: BrokerThread;
  let http!: FastifyInstance;
  const inCommit = new InCommit(() => db.inTransaction);
  const createWebhooks = () =>
    createWebhookOutbox({
      db, logger, registry: metrics.registry,
      targets: {
        alarms: config.GW_ALARM_WEBHOOK_URL ? { url: config.GW_ALARM_WEBHOOK_URL, dingtalkSecret: config.GW_ALARM_WEBHOOK_DINGTALK_SECRET } : undefined,
        [ANNOUNCEMENTS]: config.GW_ANNOUNCE_WEBHOOK_URL ? { url: config.GW_ANNOUNCE_WEBHOOK_URL, dingtalkSecret: config.GW_ANNOUNCE_WEBHOOK_DINGTALK_SECRET } : undefined,
      },
    });

  // Each in isolation (lifecycle/): a throw in one start stops the ones before it, in reverse;
  // the runtime stops them in reverse of this order, each whatever the others did.
  const components: Component[] = [
    {
      name: 'database',
      start: () => {
        // A short wait for another connection's write lock: the wait blocks this thread, which also answers
        // /healthz, /readyz and the API. A batch that hits the lock is sent again by the broker thread (its
        // backoff does the waiting); an API write answers 503 DATABASE_BUSY (api/errors.ts).
        db = openDatabase(dbPath, { synchronous: config.GW_SQLITE_SYNCHRONOUS, busyTimeoutMs: MAIN_BUSY_TIMEOUT_MS });
        try {
          // Every shared repository, built once here and passed down.
          repos = createRepositories(db);
        } catch (err) {
          db.close();
          throw err;
        }
        return () => void db.close();
      },
    },
    {
      name: 'registry',
      start: async () => {
        if (config.GW_REGISTRY_FILE) {
          const loaded = await loadRegistryFile(config.GW_REGISTRY_FILE, db, repos.registry, Date.now());
          logger.info({ file: config.GW_REGISTRY_FILE, ...loaded }, 'registry file loaded');
        }
        if (config.GW_BOOTSTRAP_ADMIN_TOKEN) repos.tokens.ensure('bootstrap-admin', 'admin', config.GW_BOOTSTRAP_ADMIN_TOKEN, Date.now());
        return () => {};
      },
    },
    {
      name: 'inspections',
      start: () => {
        inspections = createInspectionsService({
          db, inCommit, rectificationDays: config.GW_RECTIFICATION_DAYS, countyTimeZone: startup.rules.defaultTimeZone,
          audit: repos.audit, registry: repos.registry, inspections: repos.inspections, facts: repos.facts,
        });
        return () => {};
      },
    },
    {
      // The alarm webhook and the announcements: queued in the transaction of what they announce.
      name: 'webhooks',
      start: () => {
        const outbox = createWebhooks();
        const removers = [
          outbox.configured('alarms')
            ? inCommit.add(alarmNotifier({ outbox, registry: repos.registry, format: config.GW_ALARM_WEBHOOK_FORMAT, minSeverity: config.GW_ALARM_WEBHOOK_MIN_SEVERITY, language: config.GW_NOTIFY_LANGUAGE }))
            : undefined,
          outbox.configured(ANNOUNCEMENTS) ? inCommit.add(inspectionAnnouncer({ outbox, format: config.GW_ANNOUNCE_WEBHOOK_FORMAT, language: config.GW_NOTIFY_LANGUAGE })) : undefined,
        ];
        outbox.start();
        return async () => {
          for (const remove of removers) remove?.();
          await outbox.stop();
        };
      },
    },
    {
      // Alarm changes, recomputed days and signed inspections, queued in their transactions;
      // readings by their own processor over the journal (influx/readings.ts).
      name: 'influx',
      start: () => {
        if (!startup.influx) return () => {};
        const sink = createInfluxSink({ db, config: startup.influx, logger, registry: metrics.registry });
        const remove = inCommit.add(influxProjection(sink, inspections));
        const readings = createReadingsProjection({ db, journal: repos.journal, checkpoints: repos.checkpoints, sink, config: startup.influx, logger, registry: metrics.registry });
        sink.start();
        readings.runner.start();
        return async () => {
          remove();
          await readings.runner.stop();
          await sink.stop();
        };
      },
    },
    {
      name: 'ingest',
      start: () => {
        const { journal, alarms, registry, facts, audit, legacyInbox, layoutVersions, reevaluation, checkpoints } = repos;
        ingest = createIngest({
          db, journal, alarms, registry, facts, audit, legacyInbox, layoutVersions, reevaluation, checkpoints, metrics, logger, bus, inCommit,
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
        ingest.start();
        return () => ingest.stop();
      },
    },
    {
      // The broker runs on its own thread (services/broker/thread.ts); its batches are processed here.
      name: 'broker',
      start: async () => {
        broker = await startBrokerThread({
          init: {
            dbPath, logLevel: logger.level, limits: brokerLimitsFrom(config), listen: brokerListenFrom(config),
            serviceAccounts: config.GW_MQTT_SERVICE_ACCOUNTS, maxBatch: config.GW_INBOX_MAX_BATCH,
          },
          process: (messages) => {
            try {
              ingest.processBatch(messages);
            } catch (err) {
              storage.failed(err);
              throw err;
            }
            storage.succeeded();
          },
          mayProcess: () => !ingest.backlogged(),
          presence: repos.presence, bus, logger,
          onDenied: (code) => metrics.messagesRejected.inc({ code }),
          onDied: hooks.onBrokerDied,
        });
        return () => broker.close();
      },
    },
    {
      name: 'http',
      start: async () => {
        http = await buildHttp();
        try {
          await http.listen({ host: config.GW_HTTP_HOST, port: config.GW_HTTP_PORT });
        } catch (err) {
          // Built but not listening: closing it removes what the app subscribed (the live feed).
          await http.close();
          throw err;
        }
        return () => http.close();
      },
    },
  ];

  function buildHttp(): Promise<FastifyInstance> {
    const { alarms, journal, tokens, registry, facts, accounts, audit, scope } = repos;
    // Devices on RabbitMQ too: a disable or a rotation closes their connections there as well.
    const management = config.GW_RABBITMQ_MANAGEMENT_URLS;
    const deviceControl = management?.length
      ? withRabbitmqDisconnect(broker, createRabbitmqControl({ urls: management, user: config.GW_RABBITMQ_MANAGEMENT_USER!, password: config.GW_RABBITMQ_MANAGEMENT_PASSWORD! }, logger))
      : broker;
    return buildApp({
      logger, registry: metrics.registry, alarms, journal, tokens, bus, inCommit, metricsPublic: config.GW_METRICS_PUBLIC,
      registryRepo: registry, deviceControl, backfill: ingest.backfill,
      inspections, db,
      ...(config.GW_RABBITMQ_AUTH === 'on' && { rabbitmqAuth: { serviceAccounts: config.GW_MQTT_SERVICE_ACCOUNTS } }),
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
      facts, accounts, audit, scope,
      readiness: () => {
        const problem = storage.problem();
        return {
          database: db.open,
          mqtt: broker.isOpen(),
          storage: problem ? { ready: false, reason: `the last ingest write failed: ${problem.code} (since ${problem.since})` } : true,
        };
      },
      extraMetrics: () => broker.metrics(),
    });
  }

  const started = await startInOrder(components, logger);
  const httpPort = (http.server.address() as { port: number }).port;
  logger.info({ port: httpPort }, 'http listening');
  const mqttAddress = broker.addresses;
  return {
    enabledAdmins: () => repos.accounts.countEnabledAdmins(),
    db, http, mqttPort: mqttAddress.tcp.port, mqttsPort: mqttAddress.tls?.port, mqttWsPort: mqttAddress.ws?.port, httpPort, bus, inCommit, ingest,
    stop: () => {
      // Stopping, the HTTP server closes first and nothing waits on this thread's answers: the final writes
      // (the last batches, facts flushed, outboxes) wait out another connection's lock instead of failing fast.
      if (db.open) db.pragma(`busy_timeout = ${DEFAULT_BUSY_TIMEOUT_MS}`);
      return started.stop();
    },
  };
}
