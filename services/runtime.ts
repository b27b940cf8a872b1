/**
 * Composition root: builds every component from the frozen config and wires
 * them. main.ts calls this; integration tests call it too, on free ports.
 */
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { ServiceConfig } from './config/service-config.js';
import { openDatabase, type Db } from './store/db.js';
import { createInbox } from './store/inbox.js';
import { createJournal } from './store/journal.js';
import { createAlarmsRepo } from './store/alarms-repo.js';
import { createRegistryRepo } from './store/registry-repo.js';
import { createTokensRepo } from './store/tokens-repo.js';
import { loadRegistryFile } from './store/registry-loader.js';
import { createMetrics } from './observability/metrics.js';
import type { Logger } from './observability/logger.js';
import { EventBus } from './events.js';
import { createPipeline } from './ingest/pipeline.js';
import { createInterimFeverRules } from './ingest/interim-fever-rules.js';
import { createBroker } from './broker/broker.js';
import { buildApp } from './api/app.js';

export interface Runtime {
  db: Db;
  http: FastifyInstance;
  mqttPort: number;
  httpPort: number;
  stop(): Promise<void>;
}

const TICK_MS = 5_000;

export async function startRuntime(config: ServiceConfig, logger: Logger): Promise<Runtime> {
  const db = openDatabase(join(config.GW_DATA_DIR, 'gatewatch.sqlite'), { synchronous: config.GW_SQLITE_SYNCHRONOUS });
  const metrics = createMetrics();
  const bus = new EventBus(logger);
  const journal = createJournal(db);
  const alarms = createAlarmsRepo(db);
  const registry = createRegistryRepo(db);
  const tokens = createTokensRepo(db);

  if (config.GW_REGISTRY_FILE) {
    const loaded = await loadRegistryFile(config.GW_REGISTRY_FILE, db, registry, Date.now());
    logger.info({ file: config.GW_REGISTRY_FILE, ...loaded }, 'registry file loaded');
  }
  if (config.GW_BOOTSTRAP_ADMIN_TOKEN) tokens.ensure('bootstrap-admin', 'admin', config.GW_BOOTSTRAP_ADMIN_TOKEN, Date.now());

  const pipeline = createPipeline({
    db, journal, alarms, metrics, logger, bus,
    rules: createInterimFeverRules(),
    limits: {
      maxLatenessMs: config.GW_MAX_LATENESS_HOURS * 3_600_000,
      maxClockSkewMs: config.GW_MAX_CLOCK_SKEW_SECONDS * 1000,
      maxPayloadBytes: config.GW_MAX_PAYLOAD_BYTES,
    },
  });
  const inbox = createInbox(db, {
    maxBatch: config.GW_INBOX_MAX_BATCH,
    onCommitted: (rows) => pipeline.process(rows),
    onBatch: (n) => metrics.commitBatchSize.observe(n),
  });
  replayUnprocessed(inbox, journal, pipeline, logger);
  metrics.alarmsOpen.set(alarms.countActive());

  const broker = await createBroker({ registry, inbox, logger, onDenied: (code) => metrics.messagesRejected.inc({ code }) });
  const mqttAddress = await broker.listen({ host: config.GW_MQTT_HOST, port: config.GW_MQTT_PORT });

  const http = await buildApp({
    logger, registry: metrics.registry, alarms, journal, tokens, bus, metricsPublic: config.GW_METRICS_PUBLIC,
    readiness: () => ({ database: db.open, mqtt: !broker.aedes.closed }),
  });
  await http.listen({ host: config.GW_HTTP_HOST, port: config.GW_HTTP_PORT });
  const httpPort = (http.server.address() as { port: number }).port;
  logger.info({ port: httpPort }, 'http listening');

  const ticker = setInterval(() => pipeline.tick(), TICK_MS);
  ticker.unref();

  return {
    db, http, mqttPort: mqttAddress.port, httpPort,
    async stop() {
      clearInterval(ticker);
      await http.close();
      await broker.close();
      inbox.flush();
      db.close();
    },
  };
}

/** After a crash: rows acknowledged (committed) but not yet processed are processed now, in order. */
function replayUnprocessed(
  inbox: ReturnType<typeof createInbox>,
  journal: ReturnType<typeof createJournal>,
  pipeline: ReturnType<typeof createPipeline>,
  logger: Logger,
): void {
  let replayed = 0;
  for (let rows = inbox.unprocessed(journal.checkpoint()); rows.length > 0; rows = inbox.unprocessed(journal.checkpoint())) {
    pipeline.process(rows);
    replayed += rows.length;
  }
  if (replayed) logger.info({ replayed }, 'replayed unprocessed inbox rows');
}
