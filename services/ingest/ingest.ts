/**
 * Wires the ingest side, journal first: batches of device messages from the
 * broker thread (one short transaction each, committed before their PUBACKs:
 * journal, dead letters, de-duplication) -> the rules processor over the
 * journal (rules, alarms, and the in-commit events of readings and alarm
 * changes: InfluxDB points, webhooks; rules-processor.ts), kicked after each
 * commit -> the daily-facts materializer, and the periodic work (rule ticks,
 * facts of today, retention).
 */
import type { Db } from '../store/db.js';
import type { ReceivedMessage } from '../domain/received-message.js';
import type { LegacyInbox } from '../store/inbox.js';
import type { Journal } from '../store/journal.js';
import type { AlarmsRepo } from '../store/alarms-repo.js';
import type { RegistryRepo } from '../store/registry-repo.js';
import type { FactsRepo } from '../store/facts-repo.js';
import type { AuditRepo } from '../store/audit-repo.js';
import type { LayoutVersionsRepo } from '../store/layout-versions-repo.js';
import type { CheckpointsRepo } from '../store/checkpoints-repo.js';
import type { ReevaluationRepo } from '../store/reevaluation-repo.js';
import type { RuleModule, RulesConfig } from '../rules/index.js';
import type { RuleOutcome } from './rules-port.js';
import type { Metrics } from '../observability/metrics.js';
import type { Logger } from '../observability/logger.js';
import type { EventBus, InCommit } from '../events.js';
import { DAY_MS } from '../time/durations.js';
import { createPipeline, type Admission } from './pipeline.js';
import { createAlarmOutcomes, type AlarmChange } from './alarm-outcomes.js';
import { createRulesProcessor, RULES_PROCESSOR } from './rules-processor.js';
import { createProcessorRunner } from '../processors/runner.js';
import { createEngineRules } from './engine-rules.js';
import { createFactsMaterializer } from './facts-materializer.js';
import type { FactsThread } from './facts-thread.js';
import { createBackfill } from './backfill.js';
import { createBackfillAlarms } from './backfill-alarms.js';
import { RULES } from '../rules/index.js';

export interface IngestDeps {
  db: Db;
  journal: Journal;
  alarms: AlarmsRepo;
  registry: RegistryRepo;
  facts: FactsRepo;
  layoutVersions: LayoutVersionsRepo;
  reevaluation: ReevaluationRepo;
  checkpoints: CheckpointsRepo;
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
  /** The rules to run (default: the registry, RULES). A test seam: a rule that throws. */
  rules?: readonly RuleModule[];
  /** Where the periodic facts recompute runs (facts-thread.ts); absent, on this thread in FACTS_STEP_MS steps. */
  factsThread?: FactsThread;
}

const TICK_MS = 5_000;
const RETENTION_EVERY_MS = 3_600_000;
/** Most journaled readings waiting for the rules processor before the broker holds further batches. */
const MAX_BACKLOG = 10_000;
/** Most readings retention deletes per community in one step. */
const RETENTION_CHUNK_ROWS = 2_000;
/** Most time one facts step spends recomputing days (one day may take longer: it is not split). */
const FACTS_STEP_MS = 5;
/**
 * Most time the facts recompute spends per period (TICK_MS), in FACTS_STEP_MS steps. Every reading marks
 * its day due, and a day's facts are computed from the whole day, so at a steady load the due days would
 * take all the thread has. Measured (npm run bench, BENCHMARKS.md): steps without a budget gave 292 µs of CPU
 * per reading at 8,000/s and a QoS 1 maximum of 8,000/s; with it, 118 µs at 10,000/s and 27,500/s.
 * What is left waits for the next period (as the 100 ms slice per period did before). With a facts thread the
 * budget is that thread's compute time per period: the same share of a core, no longer taken from ingest.
 */
const FACTS_BUDGET_MS = 100;

export function createIngest(deps: IngestDeps) {
  const now = deps.now ?? Date.now;
  const log = deps.logger.child({ component: 'ingest' });
  // Built after the rules (it evaluates into them); until then the rules are built up to its committed checkpoint.
  const processed = { upTo: (): number => deps.checkpoints.position(RULES_PROCESSOR) };
  const rules = createEngineRules({
    config: deps.rulesConfig, registry: deps.registry, journal: deps.journal, facts: deps.facts, layoutVersions: deps.layoutVersions, reevaluation: deps.reevaluation,
    now, rules: deps.rules, processedUpTo: () => processed.upTo(),
    // Ids and the error's class only: the reading stays in the journal, flagged (safe-replay.ts).
    onRuleFailure: (f) => {
      deps.metrics.ruleExceptions.inc({ kind: f.kind });
      log.error(f, 'a rule threw: reading kept in the journal and flagged for re-evaluation');
    },
    onTickFailure: (communityId, error) => {
      deps.metrics.ruleExceptions.inc({ kind: 'tick' });
      log.error({ communityId, code: 'RULE_EXCEPTION', error }, "a rule threw in a community's tick: its time-driven alarms wait for the next tick");
    },
  });
  const outcomes = createAlarmOutcomes({ alarms: deps.alarms, audit: deps.audit, metrics: deps.metrics, bus: deps.bus, inCommit: deps.inCommit, now });
  const processor = createRulesProcessor({ db: deps.db, journal: deps.journal, checkpoints: deps.checkpoints, rules, outcomes, inCommit: deps.inCommit, now });
  processed.upTo = processor.position;
  const runner = createProcessorRunner(processor, { logger: deps.logger, onFailure: (name) => deps.metrics.processorFailures.inc({ processor: name }) });
  const pipeline = createPipeline({ ...deps, now, onJournaled: () => runner.kick(), journalEnd: deps.checkpoints.journalEnd });
  /** Outcomes applied in one transaction, then announced. */
  function applyInTransaction(produce: () => readonly RuleOutcome[]): void {
    const changes: AlarmChange[] = [];
    try {
      deps.db.transaction(() => outcomes.apply(produce(), changes))();
    } catch (err) {
      // The rules' state took the outcomes (a tick tracks the alarms it opened) that the rollback undid (a full
      // disk, an I/O error): every community goes back to what the journal says, so the next tick raises them again.
      for (const id of new Set([...rules.communityIds(), ...rules.stateCommunityIds()])) rules.resync(id);
      throw err;
    }
    outcomes.announce(changes);
  }
  /** A backfill's rows journaled, then evaluated at once (its report counts their alarms and days). */
  const admitAndEvaluate = (messages: ReceivedMessage[], admission: Exclude<Admission, { kind: 'live' }>) => {
    const result = pipeline.admit(messages, admission);
    runner.drain();
    return result;
  };
  const { facts, legacyInbox } = deps;
  /** Each periodic task's duration: how long it held this thread (and ingest's next batch). */
  const timed = <T>(task: string, fn: () => T): T => {
    const end = deps.metrics.periodicWork.startTimer({ task });
    try {
      return fn();
    } finally {
      end();
    }
  };
  const materializer = createFactsMaterializer({
    db: deps.db, rules, facts, inCommit: deps.inCommit, todayEveryMs: deps.factsRefreshMs, sliceMs: FACTS_STEP_MS,
    thread: deps.factsThread, backgroundBudgetMs: FACTS_BUDGET_MS,
    onBackgroundError: (err) => log.error({ err, task: 'facts' }, 'periodic facts recompute failed: its day stays due'),
    timed: (fn) => timed('facts', fn),
  });
  const backfillAlarms = createBackfillAlarms({
    db: deps.db, journal: deps.journal, alarms: deps.alarms, audit: deps.audit, registry: deps.registry, config: deps.rulesConfig, rules: deps.rules ?? RULES,
    inCommit: deps.inCommit, bus: deps.bus, now,
    onFailure: (communityId, error) => {
      deps.metrics.ruleExceptions.inc({ kind: 'backfill' });
      log.error({ communityId, code: 'RULE_EXCEPTION', error }, "a rule threw while re-judging a backfill's time-driven alarms: that community's window is not re-judged");
    },
  });
  const backfillCore = createBackfill({
    db: deps.db, journal: deps.journal, registry: deps.registry, pipeline: { ...pipeline, admit: admitAndEvaluate }, materializer, alarms: backfillAlarms, audit: deps.audit,
    dayOf: rules.dayOf, refreshLayouts: rules.refreshLayouts, withCurrentLayout: rules.withCurrentLayout, retentionDays: deps.retentionDays, now,
  });
  /**
   * Evaluates again the readings a rule threw on (at start, after a fix; or an admin's action),
   * applies their alarms, and recomputes their days. Those that still throw stay flagged.
   */
  function reevaluateFlagged(): { reevaluated: number; stillFailing: number } {
    runner.drain();
    let result!: { reevaluated: number; stillFailing: number };
    applyInTransaction(() => {
      const { outcomes: produced, ...counts } = rules.reevaluateFlagged();
      result = counts;
      return produced;
    });
    if (result.reevaluated || result.stillFailing) log.info(result, 're-evaluated flagged readings');
    materializer.flush(now(), true);
    return result;
  }
  /** The admin's re-evaluation (API, CLI) sits with the other deliberate ingest actions, audited as they are (objectType backfill). */
  const backfill = {
    ...backfillCore,
    reevaluate(actor: string) {
      const result = reevaluateFlagged();
      deps.audit.record({ actor, action: 'readings.reevaluate', objectType: 'backfill', objectId: now(), communityId: null, before: null, after: { request: {}, ...result } }, now());
      return result;
    },
  };

  let lastRetention = -Infinity;
  let stopped = false;
  /**
   * Periodic work that may be long (facts of many days, a large retention)
   * goes in bounded steps on later turns of the event loop, so a batch of
   * device messages waits for one step at most, never for all of it.
   */
  const stepping = new Set<string>();
  function inSteps(task: string, step: () => boolean): void {
    if (stepping.has(task)) return;
    stepping.add(task);
    const next = () => {
      let more = false;
      try {
        more = !stopped && timed(task, step);
      } catch (err) {
        log.error({ err, task }, 'periodic ingest work failed');
      }
      if (more) setImmediate(next);
      else stepping.delete(task);
    };
    setImmediate(next);
  }
  const pruneBefore = () => now() - deps.retentionDays * DAY_MS;
  const pruneStep = (): boolean => {
    const pruned = deps.journal.prune(pruneBefore(), RETENTION_CHUNK_ROWS);
    if (pruned.readings || pruned.inbox) log.info(pruned, 'retention: pruned journal');
    return pruned.more;
  };
  /** `all`: recompute every due day and prune everything due now (an explicit call); the timer works in steps. */
  function periodic(all = false): void {
    const t = now();
    rules.refreshLayouts();
    timed('tick', () => applyInTransaction(() => rules.tick(now())));
    if (!all && deps.factsThread) {
      timed('facts', () => materializer.flushInBackground(now));
    } else {
      factsHere(t, all);
    }
    if (t - lastRetention >= RETENTION_EVERY_MS) {
      lastRetention = t;
      if (all) while (pruneStep());
      else inSteps('retention', pruneStep);
    }
  }
  /** The facts recompute on this thread: everything due when `all`, else in steps within FACTS_BUDGET_MS. */
  function factsHere(t: number, all: boolean): void {
    const started = performance.now();
    timed('facts', () => materializer.flush(t, all));
    if (!all && materializer.pending() > 0) {
      inSteps('facts', () => {
        materializer.flush(now());
        return materializer.pending() > 0 && performance.now() - started < FACTS_BUDGET_MS;
      });
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
    /** Journaled readings the rules processor has not taken yet. */
    backlog: (): number => pipeline.lastJournaled() - processor.position(),
    /**
     * The journal ran ahead of the rules by more than MAX_BACKLOG readings: the broker holds the next
     * batches (and their PUBACKs) until the processor catches up, so an alarm never trails its reading's
     * PUBACK by more than the time the processor takes for MAX_BACKLOG readings (about a second here).
     */
    backlogged: (): boolean => pipeline.lastJournaled() - processor.position() > MAX_BACKLOG,
    /** The rules processor's runner: `drain()` evaluates everything journaled, now; `idle()` waits for it. */
    processors: runner,
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
    /** At start: the readings a rule threw on before (a fix deployed since), evaluated again. */
    reevaluateFlagged,
    /** Time-driven rule outcomes now, after what is journaled is evaluated (tests, tools). */
    tick(): void {
      runner.drain();
      applyInTransaction(() => rules.tick(now()));
    },
    /** Evaluates what is journaled, then runs the periodic work once now, every due day included (tests, and right after start). */
    runPeriodic: () => {
      runner.drain();
      periodic(true);
    },
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
      stopped = true;
      if (timer) clearInterval(timer);
      // What the broker's last batches journaled is evaluated now (its alarms reach the outboxes before they
      // stop); if that fails, the next start takes it from the checkpoint.
      try {
        runner.drain();
      } catch (err) {
        log.error({ err }, 'rules processor could not catch up at stop: the next start takes the rest from its checkpoint');
      }
      runner.stop();
      materializer.flush(now(), true);
    },
  };
}

export type Ingest = ReturnType<typeof createIngest>;
