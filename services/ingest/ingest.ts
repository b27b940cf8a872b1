/**
 * Wires the ingest side: batches of device messages from the broker thread
 * (one transaction each, committed before their PUBACKs) -> pipeline ->
 * engine-backed rules -> alarms, the daily-facts materializer, and the periodic
 * work (rule ticks, facts of today, retention). What else a reading causes
 * (InfluxDB points, webhooks) is an in-commit participant (services/events.ts).
 */
import type { Db } from '../store/db.js';
import type { ReceivedMessage } from '../domain/received-message.js';
import type { LegacyInbox } from '../store/inbox.js';
import type { Journal } from '../store/journal.js';
import type { AlarmsRepo } from '../store/alarms-repo.js';
import type { RegistryRepo } from '../store/registry-repo.js';
import type { FactsRepo } from '../store/facts-repo.js';
import type { AuditRepo } from '../store/audit-repo.js';
import type { RulesConfig } from '../rules/index.js';
import type { Metrics } from '../observability/metrics.js';
import type { Logger } from '../observability/logger.js';
import type { EventBus, InCommit } from '../events.js';
import { DAY_MS } from '../time/durations.js';
import { createPipeline } from './pipeline.js';
import { createEngineRules } from './engine-rules.js';
import { createFactsMaterializer } from './facts-materializer.js';
import { createBackfill } from './backfill.js';

export interface IngestDeps {
  db: Db;
  journal: Journal;
  alarms: AlarmsRepo;
  registry: RegistryRepo;
  facts: FactsRepo;
  audit: AuditRepo;
  legacyInbox: LegacyInbox;
  rulesConfig: RulesConfig;
  metrics: Metrics;
  logger: Logger;
  /** After each commit: alarm.created / alarm.updated. */
  bus: EventBus;
  /** Inside each transaction: reading.accepted, alarm.changed, day.recomputed (InfluxDB, alarm webhook). */
  inCommit: InCommit;
  maxPayloadBytes: number;
  factsRefreshMs: number;
  retentionDays: number;
  now?: () => number;
}

const TICK_MS = 5_000;
const RETENTION_EVERY_MS = 3_600_000;

export function createIngest(deps: IngestDeps) {
  const now = deps.now ?? Date.now;
  const log = deps.logger.child({ component: 'ingest' });
  const rules = createEngineRules({ config: deps.rulesConfig, registry: deps.registry, journal: deps.journal, now });
  const pipeline = createPipeline({ ...deps, rules, now });
  const { facts, legacyInbox } = deps;
  const materializer = createFactsMaterializer({ db: deps.db, rules, facts, inCommit: deps.inCommit, todayEveryMs: deps.factsRefreshMs });
  const backfill = createBackfill({
    db: deps.db, journal: deps.journal, registry: deps.registry, pipeline, materializer, audit: deps.audit,
    dayOf: rules.dayOf, refreshLayouts: rules.refreshLayouts, retentionDays: deps.retentionDays, now,
  });
  let lastRetention = -Infinity;
  /** `all`: recompute every due day now (an explicit call); the timer works in time slices. */
  function periodic(all = false): void {
    const t = now();
    rules.refreshLayouts();
    pipeline.tick();
    materializer.flush(t, all);
    if (t - lastRetention >= RETENTION_EVERY_MS) {
      lastRetention = t;
      const pruned = deps.journal.prune(t - deps.retentionDays * DAY_MS);
      if (pruned.readings || pruned.inbox) log.info(pruned, 'retention: pruned journal');
    }
  }

  let timer: NodeJS.Timeout | undefined;
  return {
    /** One batch of received messages in one transaction; throws when it did not commit (then nothing of it is acknowledged). */
    processBatch(messages: ReceivedMessage[]): void {
      pipeline.process(messages);
      deps.metrics.commitBatchSize.observe(messages.length);
    },
    pipeline,
    rules,
    materializer,
    backfill,
    /** After an upgrade: rows an earlier version acknowledged into the inbox but had not processed, in order. */
    replayUnprocessed(): number {
      let replayed = 0;
      for (let rows = legacyInbox.unprocessed(deps.journal.checkpoint()); rows.length > 0; rows = legacyInbox.unprocessed(deps.journal.checkpoint())) {
        pipeline.processInboxRows(rows);
        replayed += rows.length;
      }
      if (replayed) log.info({ replayed }, 'replayed unprocessed inbox rows of an earlier version');
      return replayed;
    },
    /** Runs the periodic work once now, every due day included (tests, and right after start). */
    runPeriodic: () => periodic(true),
    start(): void {
      timer = setInterval(() => {
        try {
          periodic();
        } catch (err) {
          log.error({ err }, 'periodic ingest work failed');
        }
      }, TICK_MS);
      timer.unref();
    },
    stop(): void {
      if (timer) clearInterval(timer);
      materializer.flush(now(), true);
    },
  };
}

export type Ingest = ReturnType<typeof createIngest>;
