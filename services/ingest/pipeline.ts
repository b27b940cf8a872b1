/**
 * Ingest: a pipeline of named steps over committed inbox rows, in id order:
 * decode -> admit event time -> journal (de-duplicate) -> rules -> alarms.
 * Each batch is one SQLite transaction that also advances the checkpoint, so
 * after a crash exactly the unprocessed rows are replayed.
 */
import { decodeDeviceMessage } from '../../schemas/src/decode.js';
import type { Db } from '../store/db.js';
import type { InboxRow } from '../store/inbox.js';
import type { Journal } from '../store/journal.js';
import type { Alarm, AlarmsRepo } from '../store/alarms-repo.js';
import type { Metrics } from '../observability/metrics.js';
import type { Logger } from '../observability/logger.js';
import type { EventBus } from '../events.js';
import { admitEventTime, type TimingLimits } from './timing.js';
import type { RuleOutcome, RulesPort } from './rules-port.js';

export interface PipelineDeps {
  db: Db;
  journal: Journal;
  alarms: AlarmsRepo;
  rules: RulesPort;
  metrics: Metrics;
  logger: Logger;
  bus: EventBus;
  limits: TimingLimits & { maxPayloadBytes: number };
  now?: () => number;
}

type AlarmChange = { alarm: Alarm; created: boolean };

export function createPipeline(deps: PipelineDeps) {
  const { journal, metrics } = deps;
  const now = deps.now ?? Date.now;
  const log = deps.logger.child({ component: 'ingest' });

  function deadLetter(row: InboxRow, code: string, reason: string): void {
    journal.deadLetter({ receivedAt: row.receivedAt, clientId: row.clientId, topic: row.topic, payload: row.payload.subarray(0, deps.limits.maxPayloadBytes), code, reason });
    metrics.messagesRejected.inc({ code });
    log.info({ topic: row.topic, code, reason }, 'dead-lettered');
  }

  function applyOutcomes(outcomes: RuleOutcome[], changes: AlarmChange[]): void {
    for (const o of outcomes) {
      if (o.type !== 'alarm') continue; // clears: alarms stay until a person resolves them
      const change = deps.alarms.raise(o, now());
      metrics.alarmsRaised.inc({ rule: o.rule, new: String(change.created) });
      changes.push(change);
    }
  }

  function processRow(row: InboxRow, changes: AlarmChange[]): void {
    const decoded = decodeDeviceMessage(row.topic, row.payload, deps.limits.maxPayloadBytes);
    if (!decoded.ok) return deadLetter(row, decoded.code, decoded.reason);
    const { message } = decoded;
    metrics.messagesIn.inc({ kind: message.kind });
    const eventTime = Date.parse(message.payload.ts);
    const timing = admitEventTime(eventTime, row.receivedAt, deps.limits);
    if (!timing.ok) return deadLetter(row, timing.code, timing.reason);
    const readingId = journal.appendReading({
      communityId: message.communityId, deviceId: message.deviceId, kind: message.kind, seq: message.payload.seq, eventTime, receivedAt: row.receivedAt, payload: message.payload,
    });
    if (readingId === null) {
      // A QoS 1 redelivery or a device resending: (device, seq) already journaled.
      metrics.messagesRejected.inc({ code: 'DUPLICATE' });
      return;
    }
    metrics.readingsAccepted.inc({ kind: message.kind });
    applyOutcomes(deps.rules.evaluate({ ...message, readingId, eventTime, receivedAt: row.receivedAt } as Parameters<RulesPort['evaluate']>[0]), changes);
  }

  // Nested better-sqlite3 transactions are savepoints: a row that throws (a bug,
  // not bad input) rolls back alone and is dead-lettered, and the batch goes on.
  const processOne = deps.db.transaction(processRow);
  const processBatch = deps.db.transaction((rows: InboxRow[], changes: AlarmChange[]) => {
    for (const row of rows) {
      const before = changes.length;
      try {
        processOne(row, changes);
      } catch (err) {
        changes.length = before;
        log.error({ err, topic: row.topic }, 'ingest step failed');
        deadLetter(row, 'INTERNAL_ERROR', `processing failed: ${(err as Error).message}`);
      }
    }
    const last = rows[rows.length - 1];
    if (last) journal.setCheckpoint(last.id);
  });

  function announce(changes: AlarmChange[]): void {
    for (const c of changes) deps.bus.emit(c.created ? 'alarm.created' : 'alarm.updated', c.alarm);
    if (changes.length) metrics.alarmsOpen.set(deps.alarms.countActive());
  }

  return {
    /** Processes committed inbox rows; rows at or below the checkpoint are skipped. */
    process(rows: InboxRow[]): void {
      const checkpoint = journal.checkpoint();
      const fresh = rows.filter((r) => r.id > checkpoint);
      if (fresh.length === 0) return;
      const changes: AlarmChange[] = [];
      processBatch(fresh, changes);
      const t = now();
      for (const r of fresh) metrics.ingestLatency.observe((t - r.receivedAt) / 1000);
      announce(changes);
    },
    /** Time-driven rule outcomes, e.g. every few seconds from a timer in main. */
    tick(): void {
      const changes: AlarmChange[] = [];
      deps.db.transaction(() => applyOutcomes(deps.rules.tick(now()), changes))();
      announce(changes);
    },
  };
}

export type Pipeline = ReturnType<typeof createPipeline>;
