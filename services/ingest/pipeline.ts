/**
 * Ingest: a pipeline of named steps over received device messages, in order:
 * decode -> admit event time -> journal (de-duplicate) -> rules -> alarms
 * (-> InfluxDB outbox). Each batch is one SQLite transaction, committed
 * before the broker acknowledges any of its messages (broker/handover.ts), so outbox
 * points commit together with what they describe. Rows of the legacy inbox
 * (store/inbox.ts) carry an id: their batch also advances the checkpoint.
 *
 * Journal and rules never disagree: a rule that throws does not throw here (the
 * rules port flags the journaled reading for re-evaluation and leaves it out of
 * its state, engine-rules.ts), and when a rollback undoes readings the rules had
 * taken (a later step of the row threw, or the batch did not commit), the
 * rules' state of their communities is resynced from the journal.
 */
import { decodeDeviceMessage } from '../../schemas/src/decode.js';
import { deadLetterPayload, MAX_DEAD_LETTER_REASON_CHARS, MAX_DEAD_LETTER_TOPIC_CHARS, scrubNumbers, truncateText } from '../../schemas/src/redact.js';
import { classifyTiming, type RulesConfig } from '../rules/index.js';
import type { Db } from '../store/db.js';
import { isInfrastructureError } from '../store/errors.js';
import type { ReceivedMessage } from '../domain/received-message.js';
import type { InboxRow } from '../store/inbox.js';
import type { Journal } from '../store/journal.js';
import type { Alarm } from '../domain/alarm.js';
import type { AlarmsRepo } from '../store/alarms-repo.js';
import type { AuditRepo } from '../store/audit-repo.js';
import { alarmToBody } from '../alarms/alarm-body.js';
import type { Metrics } from '../observability/metrics.js';
import type { Logger } from '../observability/logger.js';
import type { AlarmEventKind, EventBus, InCommit } from '../events.js';
import type { RuleOutcome, RulesPort } from './rules-port.js';

export interface PipelineDeps {
  db: Db;
  journal: Journal;
  alarms: AlarmsRepo;
  rules: RulesPort;
  rulesConfig: RulesConfig;
  metrics: Metrics;
  logger: Logger;
  /** After the commit: alarm.created / alarm.updated. */
  bus: EventBus;
  maxPayloadBytes: number;
  /**
   * Inside the batch's transaction: 'reading.accepted' and 'alarm.changed' go
   * to its participants (the InfluxDB outbox, the alarm webhook), so what they
   * queue commits or rolls back with the reading itself.
   */
  inCommit: InCommit;
  /** Where alarms resolved as `system` are recorded. */
  audit: AuditRepo;
  now?: () => number;
}

type AlarmChange = { alarm: Alarm; created: boolean };

/**
 * How event time is admitted. Live (MQTT): within the lateness window
 * (GW_MAX_LATENESS_HOURS) and no more than the allowed skew ahead. Backfill
 * (an import, a re-admitted dead letter): any past time down to `oldestMs`
 * (the journal's retention), never ahead of the service clock's skew; and the
 * device must be registered in the topic's community, which the broker
 * guarantees for live messages but nothing does for a file.
 */
export type Admission = { kind: 'live' } | { kind: 'backfill'; oldestMs: number; isRegistered: (communityId: string, deviceId: string) => boolean };
const LIVE: Admission = { kind: 'live' };

/** What became of one message. */
export type RowOutcome =
  | { status: 'accepted'; readingId: number; communityId: string; eventTime: number }
  | { status: 'duplicate' }
  | { status: 'rejected'; code: string; reason: string };


/** The one who resolves alarms whose condition ended by itself (device back, gate staffed again). */
export const SYSTEM_ACTOR = 'system';

export function createPipeline(deps: PipelineDeps) {
  const { journal, metrics } = deps;
  const now = deps.now ?? Date.now;
  const log = deps.logger.child({ component: 'ingest' });
  const { inCommit } = deps;
  // prom-client hashes a label object on every inc(); the labelled children are kept per kind instead.
  const perKind = new Map<string, { in: { inc(): void }; accepted: { inc(): void } }>();
  const countersOf = (kind: string) => {
    let c = perKind.get(kind);
    if (!c) perKind.set(kind, (c = { in: metrics.messagesIn.labels({ kind }), accepted: metrics.readingsAccepted.labels({ kind }) }));
    return c;
  };
  const notifyAlarm = (alarm: Alarm, event: AlarmEventKind) => inCommit.dispatch('alarm.changed', alarm, event);
  const { audit } = deps;

  /**
   * An alarm the pipeline resolved goes into the audit log like one resolved
   * through the API (same action, before and after as the API shows them),
   * in the same transaction. Rare (a condition ending), so no cost per
   * reading: resolveActive sets only the status and resolved_* columns, and
   * an active alarm is acknowledged exactly when it has an acknowledgement
   * time, so the state before is the one after with those as they were.
   */
  function recordSystemResolution(after: Alarm): void {
    const before: Alarm = { ...after, status: after.acknowledgedAt === null ? 'open' : 'acknowledged', resolvedAt: null, resolvedBy: null, resolveNote: null };
    audit.record(
      { actor: SYSTEM_ACTOR, action: 'alarm.resolve', objectType: 'alarm', objectId: after.id, communityId: after.communityId, before: alarmToBody(before), after: alarmToBody(after) },
      after.resolvedAt ?? now(),
    );
  }

  /**
   * Stored and logged without the refused values (schemas/src/redact.ts): a
   * refused field's value is replaced, numbers shaped like an ID or phone
   * number are scrubbed from the topic and the reason, which are then cut to
   * MAX_DEAD_LETTER_TOPIC_CHARS (256) and MAX_DEAD_LETTER_REASON_CHARS (1024).
   */
  function deadLetter(row: ReceivedMessage, code: string, reason: string): number {
    const topic = truncateText(scrubNumbers(row.topic), MAX_DEAD_LETTER_TOPIC_CHARS);
    const safeReason = truncateText(scrubNumbers(reason), MAX_DEAD_LETTER_REASON_CHARS);
    const payload = Buffer.from(deadLetterPayload(row.topic, row.payload.subarray(0, deps.maxPayloadBytes).toString('utf8')), 'utf8');
    const id = journal.deadLetter({ receivedAt: row.receivedAt, clientId: row.clientId, topic, payload, code, reason: safeReason });
    metrics.messagesRejected.inc({ code });
    log.info({ topic, code, reason: safeReason }, 'dead-lettered');
    return id;
  }

  function timingRejection(eventTime: number, receivedAt: number, admission: Admission): { code: string; reason: string } | undefined {
    if (admission.kind === 'backfill') {
      if (classifyTiming(eventTime, now(), deps.rulesConfig) === 'from_future') {
        const s = Math.round((eventTime - now()) / 1000);
        return { code: 'EVENT_FROM_FUTURE', reason: `event time is ${s} s ahead of the service clock (allowed ${deps.rulesConfig.futureSkewMinutes} min)` };
      }
      if (eventTime < admission.oldestMs) {
        return { code: 'EVENT_BEYOND_RETENTION', reason: `event time is older than the journal keeps (${new Date(admission.oldestMs).toISOString()})` };
      }
      return undefined;
    }
    const verdict = classifyTiming(eventTime, receivedAt, deps.rulesConfig);
    if (verdict === 'from_future') {
      const s = Math.round((eventTime - receivedAt) / 1000);
      return { code: 'EVENT_FROM_FUTURE', reason: `event time is ${s} s ahead of the service clock (allowed ${deps.rulesConfig.futureSkewMinutes} min)` };
    }
    if (verdict === 'too_late') {
      const h = ((receivedAt - eventTime) / 3_600_000).toFixed(1);
      return { code: 'EVENT_TOO_LATE', reason: `event time is ${h} h old (allowed ${deps.rulesConfig.lateAfterHours} h)` };
    }
    return undefined;
  }

  function applyOutcomes(outcomes: RuleOutcome[], changes: AlarmChange[]): void {
    for (const o of outcomes) {
      if (o.type === 'clear') {
        const resolved = deps.alarms.resolveActive(o.communityId, o.rule, o.subject, SYSTEM_ACTOR, 'condition ended', now());
        if (resolved) {
          recordSystemResolution(resolved);
          notifyAlarm(resolved, 'resolved');
          changes.push({ alarm: resolved, created: false });
        }
        continue;
      }
      const change = deps.alarms.raise(o, now());
      metrics.alarmsRaised.inc({ rule: o.rule, new: String(change.created) });
      notifyAlarm(change.alarm, change.created ? 'opened' : 'repeated');
      changes.push(change);
    }
  }

  /** Decode, admit, journal (de-duplicate), rules: the one path of every message, live or backfilled. */
  function admitRow(row: ReceivedMessage, changes: AlarmChange[], admission: Admission): RowOutcome {
    const decoded = decodeDeviceMessage(row.topic, row.payload, deps.maxPayloadBytes);
    if (!decoded.ok) return { status: 'rejected', code: decoded.code, reason: decoded.reason };
    const { message } = decoded;
    const counters = countersOf(message.kind);
    counters.in.inc();
    if (admission.kind === 'backfill' && !admission.isRegistered(message.communityId, message.deviceId)) {
      return { status: 'rejected', code: 'DEVICE_UNKNOWN', reason: `device ${message.deviceId} is not registered in community ${message.communityId}` };
    }
    const eventTime = Date.parse(message.payload.ts);
    const rejected = timingRejection(eventTime, row.receivedAt, admission);
    if (rejected) return { status: 'rejected', ...rejected };
    const readingId = journal.appendReading({
      communityId: message.communityId, deviceId: message.deviceId, kind: message.kind, seq: message.payload.seq, eventTime, receivedAt: row.receivedAt, payload: message.payload,
    });
    if (readingId === null) {
      // A QoS 1 redelivery or a device resending: (device, seq) already journaled.
      metrics.messagesRejected.inc({ code: 'DUPLICATE' });
      return { status: 'duplicate' };
    }
    counters.accepted.inc();
    // Checked first: with no participant (no InfluxDB), no object is built per reading.
    if (inCommit.wants('reading.accepted')) inCommit.dispatch('reading.accepted', { ...message, readingId, seq: message.payload.seq, eventTime });
    rowCommunity = message.communityId;
    batchCommunities.add(message.communityId);
    applyOutcomes(deps.rules.evaluate({ ...message, readingId, eventTime, receivedAt: row.receivedAt }), changes);
    return { status: 'accepted', readingId, communityId: message.communityId, eventTime };
  }

  function processRow(row: ReceivedMessage, changes: AlarmChange[]): void {
    const outcome = admitRow(row, changes, LIVE);
    if (outcome.status === 'rejected') void deadLetter(row, outcome.code, outcome.reason);
  }

  /**
   * Whose rules' state took a reading of the current row, and of the current batch.
   * When a rollback undoes journal rows the rules had taken (a step after the rules
   * threw, or the batch did not commit), those communities are resynced from the
   * journal, so memory never holds a reading the journal lost.
   */
  let rowCommunity: string | undefined;
  const batchCommunities = new Set<string>();
  /** One row in its savepoint; on a throw, after its rollback, its community is resynced. */
  function inSavepoint<A extends unknown[], R>(fn: (...args: A) => R) {
    const savepoint = deps.db.transaction(fn);
    return (...args: A): R => {
      rowCommunity = undefined;
      try {
        return savepoint(...args);
      } catch (err) {
        if (rowCommunity !== undefined) deps.rules.resync(rowCommunity);
        throw err;
      }
    };
  }
  /** The batch's transaction; when it does not commit, every community it touched is resynced. */
  function inTransaction<A extends unknown[], R>(fn: (...args: A) => R) {
    const tx = deps.db.transaction(fn);
    return (...args: A): R => {
      batchCommunities.clear();
      try {
        return tx(...args);
      } catch (err) {
        for (const id of batchCommunities) deps.rules.resync(id);
        throw err;
      } finally {
        batchCommunities.clear();
      }
    };
  }

  // Nested better-sqlite3 transactions are savepoints: a row that throws (a bug,
  // not bad input) rolls back alone and is dead-lettered, and the batch goes on.
  const processOne = inSavepoint(processRow);
  const processBatch = inTransaction((rows: (ReceivedMessage | InboxRow)[], changes: AlarmChange[]) => {
    for (const row of rows) {
      const before = changes.length;
      try {
        processOne(row, changes);
      } catch (err) {
        // A locked database or a full disk is not the message's fault: the whole batch fails, unacknowledged, and is retried.
        if (isInfrastructureError(err)) throw err;
        changes.length = before;
        log.error({ err, topic: truncateText(scrubNumbers(row.topic), MAX_DEAD_LETTER_TOPIC_CHARS) }, 'ingest step failed');
        void deadLetter(row, 'INTERNAL_ERROR', `processing failed: ${(err as Error).message}`);
      }
    }
    const last = rows[rows.length - 1];
    if (last && 'id' in last) journal.setCheckpoint(last.id);
  });

  function announce(changes: AlarmChange[]): void {
    for (const c of changes) deps.bus.emit(c.created ? 'alarm.created' : 'alarm.updated', c.alarm);
    if (changes.length) metrics.alarmsOpen.set(deps.alarms.countActive());
  }

  function run(messages: (ReceivedMessage | InboxRow)[]): void {
    const changes: AlarmChange[] = [];
    processBatch(messages, changes);
    const t = now();
    for (const m of messages) metrics.ingestLatency.observe((t - m.receivedAt) / 1000);
    announce(changes);
  }

  // A backfilled row that throws rolls back alone, like a live one, and is reported as INTERNAL_ERROR.
  const admitOne = inSavepoint(admitRow);
  const admitBatch = inTransaction((rows: ReceivedMessage[], changes: AlarmChange[], admission: Admission): RowOutcome[] =>
    rows.map((row) => {
      const before = changes.length;
      try {
        return admitOne(row, changes, admission);
      } catch (err) {
        if (isInfrastructureError(err)) throw err;
        changes.length = before;
        log.error({ err, topic: row.topic }, 'backfill step failed');
        return { status: 'rejected' as const, code: 'INTERNAL_ERROR', reason: `processing failed: ${(err as Error).message}` };
      }
    }),
  );

  return {
    /**
     * Backfill: messages that did not arrive live (an import, re-admitted dead letters), through the same
     * decode / admit / journal / de-duplicate / rules path, in one transaction. Rejections are returned,
     * not dead-lettered: the caller decides (an import dead-letters them, a re-admission keeps the old one).
     */
    admit(messages: ReceivedMessage[], admission: Exclude<Admission, { kind: 'live' }>): RowOutcome[] {
      const changes: AlarmChange[] = [];
      const outcomes = admitBatch(messages, changes, admission);
      announce(changes);
      return outcomes;
    },
    /** Dead-letters a message that never reached ingest as a device message (an import's rejected line). */
    deadLetter: (row: ReceivedMessage, code: string, reason: string): number => deadLetter(row, code, reason),
    /** Processes received messages in one transaction; throws when it did not commit. */
    process(messages: ReceivedMessage[]): void {
      if (messages.length > 0) run(messages);
    },
    /** Processes rows of the legacy inbox; rows at or below the checkpoint are skipped. */
    processInboxRows(rows: InboxRow[]): void {
      const checkpoint = journal.checkpoint();
      const fresh = rows.filter((r) => r.id > checkpoint);
      if (fresh.length > 0) run(fresh);
    },
    /** Outcomes of readings evaluated again (flagged ones, after a fix), applied in one transaction. */
    reevaluate<R extends { outcomes: RuleOutcome[] }>(evaluateAgain: () => R): Omit<R, 'outcomes'> {
      const changes: AlarmChange[] = [];
      const { outcomes: _applied, ...rest } = deps.db.transaction(() => {
        const r = evaluateAgain();
        applyOutcomes(r.outcomes, changes);
        return r;
      })();
      announce(changes);
      return rest;
    },
    /** Time-driven rule outcomes, with the service clock, e.g. every few seconds from a timer. */
    tick(): void {
      const changes: AlarmChange[] = [];
      deps.db.transaction(() => applyOutcomes(deps.rules.tick(now()), changes))();
      announce(changes);
    },
  };
}

export type Pipeline = ReturnType<typeof createPipeline>;
