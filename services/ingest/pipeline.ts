/**
 * Ingest, journal first: a pipeline of named steps over received device
 * messages, in order: decode -> admit event time -> journal (de-duplicate) or
 * dead-letter. Nothing else: each batch is one short SQLite transaction,
 * committed before the broker acknowledges any of its messages
 * (broker/handover.ts). Everything else a reading causes (rules, alarms,
 * InfluxDB points, webhooks, facts) is a processor over the journal with its
 * own checkpoint (services/processors/, rules-processor.ts), kicked after the
 * commit. Rows of the legacy inbox (store/inbox.ts) carry an id: their batch
 * also advances the inbox checkpoint.
 */
import { decodeDeviceMessage } from '../../schemas/src/decode.js';
import { deadLetterPayload, MAX_DEAD_LETTER_REASON_CHARS, MAX_DEAD_LETTER_TOPIC_CHARS, scrubNumbers, truncateText } from '../../schemas/src/redact.js';
import { classifyTiming, type RulesConfig } from '../rules/index.js';
import type { Db } from '../store/db.js';
import { isInfrastructureError } from '../store/errors.js';
import type { ReceivedMessage } from '../domain/received-message.js';
import type { InboxRow } from '../store/inbox.js';
import type { Journal } from '../store/journal.js';
import type { Metrics } from '../observability/metrics.js';
import type { Logger } from '../observability/logger.js';

export interface PipelineDeps {
  db: Db;
  journal: Journal;
  rulesConfig: RulesConfig;
  metrics: Metrics;
  logger: Logger;
  maxPayloadBytes: number;
  /** After each commit that journaled readings: the processors take them (rules-processor.ts). */
  onJournaled?: () => void;
  /** The journal's newest id at start. */
  journalEnd?: () => number;
  now?: () => number;
}

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


export function createPipeline(deps: PipelineDeps) {
  const { journal, metrics } = deps;
  const now = deps.now ?? Date.now;
  const log = deps.logger.child({ component: 'ingest' });
  // prom-client hashes a label object on every inc(); the labelled children are kept per kind instead.
  const perKind = new Map<string, { in: { inc(): void }; accepted: { inc(): void } }>();
  const countersOf = (kind: string) => {
    let c = perKind.get(kind);
    if (!c) perKind.set(kind, (c = { in: metrics.messagesIn.labels({ kind }), accepted: metrics.readingsAccepted.labels({ kind }) }));
    return c;
  };
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

  /** Decode, admit, journal (de-duplicate): the one path of every message, live or backfilled. */
  function admitRow(row: ReceivedMessage, admission: Admission): RowOutcome {
    if (row.unrouted) return { status: 'rejected', code: 'TOPIC_UNROUTED', reason: 'no partition queue on RabbitMQ is bound to this topic (its community is not bound): not stored as a reading' };
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
    journaled++;
    if (readingId > lastJournaled) lastJournaled = readingId;
    return { status: 'accepted', readingId, communityId: message.communityId, eventTime };
  }

  function processRow(row: ReceivedMessage): void {
    const outcome = admitRow(row, LIVE);
    if (outcome.status === 'rejected') void deadLetter(row, outcome.code, outcome.reason);
  }

  /** Readings journaled by the current transaction: the processors are kicked only when it committed some. */
  let journaled = 0;
  /** The highest journal id this pipeline wrote (or the journal's end at start): how far the processors have to go. */
  let lastJournaled = deps.journalEnd?.() ?? 0;
  function committed(): void {
    if (journaled > 0) deps.onJournaled?.();
    journaled = 0;
  }
  /** The batch's transaction: nothing of it stays when it does not commit. */
  function inTransaction<A extends unknown[], R>(fn: (...args: A) => R) {
    const tx = deps.db.transaction(fn);
    return (...args: A): R => {
      journaled = 0;
      try {
        const result = tx(...args);
        committed();
        return result;
      } finally {
        journaled = 0;
      }
    };
  }

  // A row writes one statement (its journal row, or its dead letter), atomic on its own: a row that
  // throws (a bug, not bad input) left nothing behind, is dead-lettered, and the batch goes on. (A
  // savepoint per row, needed while rules and alarms ran here, cost more than the insert.)
  const processBatch = inTransaction((rows: (ReceivedMessage | InboxRow)[]) => {
    for (const row of rows) {
      try {
        processRow(row);
      } catch (err) {
        // A locked database or a full disk is not the message's fault: the whole batch fails, unacknowledged, and is retried.
        if (isInfrastructureError(err)) throw err;
        log.error({ err, topic: truncateText(scrubNumbers(row.topic), MAX_DEAD_LETTER_TOPIC_CHARS) }, 'ingest step failed');
        void deadLetter(row, 'INTERNAL_ERROR', `processing failed: ${(err as Error).message}`);
      }
    }
    const last = rows[rows.length - 1];
    if (last && 'id' in last) journal.setCheckpoint(last.id);
  });

  function run(messages: (ReceivedMessage | InboxRow)[]): void {
    processBatch(messages);
    const t = now();
    for (const m of messages) metrics.ingestLatency.observe((t - m.receivedAt) / 1000);
  }

  // A backfilled row that throws left nothing behind, like a live one, and is reported as INTERNAL_ERROR.
  const admitBatch = inTransaction((rows: ReceivedMessage[], admission: Admission): RowOutcome[] =>
    rows.map((row) => {
      try {
        return admitRow(row, admission);
      } catch (err) {
        if (isInfrastructureError(err)) throw err;
        log.error({ err, topic: row.topic }, 'backfill step failed');
        return { status: 'rejected' as const, code: 'INTERNAL_ERROR', reason: `processing failed: ${(err as Error).message}` };
      }
    }),
  );

  return {
    /**
     * Backfill: messages that did not arrive live (an import, re-admitted dead letters), through the same
     * decode / admit / journal / de-duplicate path, in one transaction. Rejections are returned,
     * not dead-lettered: the caller decides (an import dead-letters them, a re-admission keeps the old one).
     */
    admit: (messages: ReceivedMessage[], admission: Exclude<Admission, { kind: 'live' }>): RowOutcome[] => admitBatch(messages, admission),
    /** Dead-letters a message that never reached ingest as a device message (an import's rejected line). */
    deadLetter: (row: ReceivedMessage, code: string, reason: string): number => deadLetter(row, code, reason),
    /** Processes received messages in one transaction; throws when it did not commit. */
    process(messages: ReceivedMessage[]): void {
      if (messages.length > 0) run(messages);
    },
    /** The newest journal id written (the processors' target). */
    lastJournaled: (): number => lastJournaled,
    /** Processes rows of the legacy inbox; rows at or below the checkpoint are skipped. */
    processInboxRows(rows: InboxRow[]): void {
      const checkpoint = journal.checkpoint();
      const fresh = rows.filter((r) => r.id > checkpoint);
      if (fresh.length > 0) run(fresh);
    },
  };
}

export type Pipeline = ReturnType<typeof createPipeline>;
