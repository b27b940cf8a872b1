/**
 * The components that run over one store and its journal (webhooks, InfluxDB, ingest), built the same way
 * by both composition roots that run them: runtime.ts over the one database (GW_PARTITIONS = 1) and each
 * partition's thread over its own file (worker.ts). With partitions, the main thread keeps only what is
 * not a partition's: the announcements of signed inspections and their InfluxDB points.
 */
import type { Component } from '../lifecycle/start.js';
import type { Db } from '../store/db.js';
import type { Repositories } from '../store/repositories.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { EventBus, InCommit } from '../events.js';
import type { ServiceConfig } from '../config/service-config.js';
import type { RulesConfig } from '../rules/index.js';
import type { InfluxConfig } from '../influx/index.js';
import type { InspectionsService } from '../inspections/service.js';
import { createIngest, type Ingest } from '../ingest/ingest.js';
import { startFactsThread } from '../ingest/facts-thread.js';
import type { StorageHealth } from '../store/errors.js';
import { createInfluxSink, createReadingsProjection, influxProjection } from '../influx/index.js';
import { createWebhookOutbox } from '../notify/webhook-outbox.js';
import { alarmNotifier } from '../notify/alarm-notifier.js';
import { ANNOUNCEMENTS, inspectionAnnouncer } from '../notify/announcer.js';
import { startRabbitmqIntake } from '../rabbitmq/intake.js';
import type { ReceivedMessage } from '../domain/received-message.js';

/** The parsed configuration (runtime.ts's StartupConfig). */
export interface StoreConfig {
  service: ServiceConfig;
  rules: RulesConfig;
  /** null: the InfluxDB sink is off. */
  influx: InfluxConfig | null;
}

/** What the components use, filled in by the components started before them (the database first). */
export interface StoreContext {
  startup: StoreConfig;
  logger: Logger;
  metrics: Metrics;
  bus: EventBus;
  inCommit: InCommit;
  db: Db;
  repos: Repositories;
  inspections: InspectionsService;
  /** A partition's: the shared file, where its InfluxDB sink reads the communities (company routing). */
  registryDb?: Db;
}

/**
 * The alarm webhook (`alarms`) and the announcements (`announcements`): queued in the transaction of what they
 * announce. The options are read at start (the runtime knows its partitions only once its database is open).
 */
export function webhooksComponent(ctx: StoreContext, channelsAtStart: () => { alarms: boolean; announcements: boolean }): Component {
  return {
    name: 'webhooks',
    start: () => {
      const channels = channelsAtStart();
      const config = ctx.startup.service;
      const outbox = createWebhookOutbox({
        db: ctx.db, logger: ctx.logger, registry: ctx.metrics.registry,
        targets: {
          alarms: channels.alarms && config.GW_ALARM_WEBHOOK_URL ? { url: config.GW_ALARM_WEBHOOK_URL, dingtalkSecret: config.GW_ALARM_WEBHOOK_DINGTALK_SECRET } : undefined,
          [ANNOUNCEMENTS]: channels.announcements && config.GW_ANNOUNCE_WEBHOOK_URL ? { url: config.GW_ANNOUNCE_WEBHOOK_URL, dingtalkSecret: config.GW_ANNOUNCE_WEBHOOK_DINGTALK_SECRET } : undefined,
        },
      });
      const removers = [
        outbox.configured('alarms')
          ? ctx.inCommit.add(alarmNotifier({ outbox, registry: ctx.repos.registry, format: config.GW_ALARM_WEBHOOK_FORMAT, minSeverity: config.GW_ALARM_WEBHOOK_MIN_SEVERITY, language: config.GW_NOTIFY_LANGUAGE }))
          : undefined,
        outbox.configured(ANNOUNCEMENTS) ? ctx.inCommit.add(inspectionAnnouncer({ outbox, format: config.GW_ANNOUNCE_WEBHOOK_FORMAT, language: config.GW_NOTIFY_LANGUAGE })) : undefined,
      ];
      outbox.start();
      return async () => {
        for (const remove of removers) remove?.();
        await outbox.stop();
      };
    },
  };
}

/**
 * Alarm changes, recomputed days and signed inspections, queued in their transactions; `readings`: the
 * journal's readings by their own processor (influx/readings.ts), where this store has a journal.
 */
export function influxComponent(ctx: StoreContext, optionsAtStart: () => { readings: boolean }): Component {
  return {
    name: 'influx',
    start: () => {
      const options = optionsAtStart();
      const influx = ctx.startup.influx;
      if (!influx) return () => {};
      const sink = createInfluxSink({
        db: ctx.db, config: influx, logger: ctx.logger, registry: ctx.metrics.registry,
        ...(ctx.registryDb && { registryDb: ctx.registryDb, communityNames: false }),
      });
      const remove = ctx.inCommit.add(influxProjection(sink, ctx.inspections));
      const readings = options.readings
        ? createReadingsProjection({ db: ctx.db, journal: ctx.repos.journal, checkpoints: ctx.repos.checkpoints, sink, config: influx, logger: ctx.logger, registry: ctx.metrics.registry })
        : undefined;
      sink.start();
      readings?.runner.start();
      return async () => {
        remove();
        await readings?.runner.stop();
        await sink.stop();
      };
    },
  };
}

/** Ingest over this store: what an earlier version left in the inbox, flagged readings, the periodic work. */
export function ingestComponent(ctx: StoreContext, built: (ingest: Ingest) => void): Component {
  return {
    name: 'ingest',
    start: () => {
      const config = ctx.startup.service;
      const { journal, alarms, registry, facts, audit, legacyInbox, layoutVersions, reevaluation, checkpoints } = ctx.repos;
      // The periodic facts recompute runs there, not on this store's ingest thread (issue 18 item 3).
      const factsThread = startFactsThread({ logger: ctx.logger });
      const ingest = createIngest({
        db: ctx.db, journal, alarms, registry, facts, audit, legacyInbox, layoutVersions, reevaluation, checkpoints,
        metrics: ctx.metrics, logger: ctx.logger, bus: ctx.bus, inCommit: ctx.inCommit,
        rulesConfig: ctx.startup.rules,
        maxPayloadBytes: config.GW_MAX_PAYLOAD_BYTES,
        factsRefreshMs: config.GW_FACTS_REFRESH_SECONDS * 1000,
        retentionDays: config.GW_READINGS_RETENTION_DAYS,
        factsThread,
      });
      built(ingest);
      ingest.replayUnprocessed();
      // Readings a rule threw on before a restart (a fix deployed since): evaluated again now.
      ingest.reevaluateFlagged();
      ingest.runPeriodic();
      ctx.metrics.alarmsOpen.set(alarms.countActive());
      ingest.start();
      return async () => {
        try {
          ingest.stop();
        } finally {
          await factsThread.close();
        }
      };
    },
  };
}

/**
 * With GW_RABBITMQ_AMQP_URL: this store's partition queue on RabbitMQ into its ingest, beside the embedded
 * broker's batches (services/rabbitmq/intake.ts). Its communities are bound to the queue at start. `only`,
 * read at start: whether this root runs it (the runtime with one partition; each partition's thread with more).
 */
export function rabbitmqIntakeComponent(
  ctx: StoreContext,
  o: { partition: number; partitions: number; process: (messages: ReceivedMessage[]) => void; mayProcess: () => boolean; only?: () => boolean },
): Component {
  return {
    name: 'rabbitmq-intake',
    start: async () => {
      const url = ctx.startup.service.GW_RABBITMQ_AMQP_URL;
      if (!url || o.only?.() === false) return () => {};
      const { partition, partitions, process, mayProcess } = o;
      const intake = await startRabbitmqIntake({
        url, partition, partitions, process, mayProcess, maxBatch: ctx.startup.service.GW_INBOX_MAX_BATCH, logger: ctx.logger,
        communities: () => ctx.repos.registry.listCommunities().map((c) => c.id),
      });
      return () => intake.close();
    },
  };
}

/**
 * One batch into ingest in one transaction (throws when nothing of it committed), its outcome kept in `storage`
 * for /readyz; `changed` after each (a partition's thread reports it to the main thread). `ingest` is read per
 * batch: it is built by a later component than the ones that take this.
 */
export function committing(ingest: () => Ingest, storage: StorageHealth, changed: () => void = () => {}): (messages: ReceivedMessage[]) => void {
  return (messages) => {
    try {
      ingest().processBatch(messages);
    } catch (err) {
      storage.failed(err);
      changed();
      throw err;
    }
    storage.succeeded();
    changed();
  };
}
