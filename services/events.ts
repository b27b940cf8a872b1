/**
 * The two mechanisms downstream work hangs off (services/lifecycle/README.md):
 *
 * - InCommit: named participants called inside the SQLite transaction that
 *   makes a change (an ingest batch, a recomputed day, a signature, an API
 *   alarm action). What they write (outbox rows) commits or rolls back with
 *   the change; a participant that throws rolls the change back with it.
 * - AfterCommit: subscribers told once the change is committed (live SSE
 *   streams, gauges). Each is isolated: one that throws is logged, the others
 *   and the change are unaffected.
 *
 * Whoever registers or subscribes owns the function returned and calls it on
 * stop, so a stopped component hears nothing and restarts add no listeners.
 */
import { EventEmitter } from 'node:events';
import type { DeviceMessage } from '../schemas/src/device-messages.js';
import type { InspectionBody } from '../schemas/src/checklist.js';
import type { Alarm } from './domain/alarm.js';
import type { DailyFact } from './rules/facts.js';
import type { InspectionTotal } from './scoring/inspection.js';
import type { Logger } from './observability/logger.js';

export type AlarmEventKind = 'opened' | 'repeated' | 'acknowledged' | 'resolved';

/** A reading just journaled (not a duplicate). */
export type AcceptedReading = DeviceMessage & { readingId: number; seq: number; eventTime: number };

/** What commits with a change, by event: each entry is a handler's arguments. */
export interface InCommitEvents {
  /** The rules processor takes a journaled reading (live or backfilled), in its step's transaction, before its rules run. */
  'reading.accepted': [reading: AcceptedReading];
  /** An alarm was opened, repeated, acknowledged or resolved (by the rules or through the API). */
  'alarm.changed': [alarm: Alarm, event: AlarmEventKind];
  /** A day's facts were rewritten (ingest's facts materializer); `timeZone` is the one they were computed in. */
  'day.recomputed': [day: { communityId: string; day: string; timeZone: string; facts: readonly DailyFact[] }];
  /** An inspection was signed. */
  'inspection.signed': [signed: InspectionBody, result: InspectionTotal];
}

export type InCommitEvent = keyof InCommitEvents;
type Handler<K extends InCommitEvent> = (...args: InCommitEvents[K]) => void;

/**
 * A participant: a name (logs, and the checkpoint a processor will carry
 * once the journal comes first, issue 18) and a synchronous handler for each
 * event it takes part in. Handlers do SQLite writes only: no I/O, no await.
 */
export type CommitParticipant = { readonly name: string } & { readonly [K in InCommitEvent]?: Handler<K> };

export class InCommitError extends Error {
  constructor(event: InCommitEvent) {
    super(`in-commit event ${event} dispatched outside a transaction`);
  }
}

export class InCommit {
  private readonly participants: CommitParticipant[] = [];
  // Per event, the handlers in registration order: dispatch runs once per reading.
  private handlers: { [K in InCommitEvent]: Handler<K>[] } = InCommit.index([]);

  /** `inTransaction`: whether the caller is inside the transaction (the database's own flag); dispatch refuses otherwise. */
  constructor(private readonly inTransaction: () => boolean) {}

  /** Registers a participant; the function returned removes it. */
  add(participant: CommitParticipant): () => void {
    this.participants.push(participant);
    this.handlers = InCommit.index(this.participants);
    return () => {
      const i = this.participants.indexOf(participant);
      if (i < 0) return;
      this.participants.splice(i, 1);
      this.handlers = InCommit.index(this.participants);
    };
  }

  /** Calls every participant of the event, in registration order; a throw propagates (the transaction rolls back). */
  dispatch<K extends InCommitEvent>(event: K, ...args: InCommitEvents[K]): void {
    const handlers = this.handlers[event];
    if (handlers.length === 0) return;
    if (!this.inTransaction()) throw new InCommitError(event);
    for (const h of handlers) h(...args);
  }

  /** Whether any participant takes part in the event (callers skip building its arguments otherwise). */
  wants(event: InCommitEvent): boolean {
    return this.handlers[event].length > 0;
  }

  /** Participants registered (0 once every component stopped). */
  get size(): number {
    return this.participants.length;
  }

  /** Names of the registered participants, in order. */
  names(): string[] {
    return this.participants.map((p) => p.name);
  }

  private static index(participants: readonly CommitParticipant[]): { [K in InCommitEvent]: Handler<K>[] } {
    const of = <K extends InCommitEvent>(event: K): Handler<K>[] =>
      participants.flatMap((p) => {
        const h = p[event] as Handler<K> | undefined;
        return h ? [h.bind(p) as Handler<K>] : [];
      });
    return { 'reading.accepted': of('reading.accepted'), 'alarm.changed': of('alarm.changed'), 'day.recomputed': of('day.recomputed'), 'inspection.signed': of('inspection.signed') };
  }
}

/** What subscribers hear after a commit. */
export interface AfterCommitEvents {
  'alarm.created': [alarm: Alarm];
  'alarm.updated': [alarm: Alarm];
  /** A device's MQTT presence changed (services/broker/sessions.ts); `at` is unix ms. */
  'device.presence': [presence: { deviceId: string; communityId: string; online: boolean; at: number; reason: string }];
}

/** The after-commit bus. Each listener is wrapped so that one failing feature cannot take the process down. */
export class EventBus {
  private readonly emitter = new EventEmitter();
  constructor(private readonly logger: Logger) {
    // Subscribers are components (a handful each), never one per client or request:
    // the default limit (10) stays, so a leak shows as MaxListenersExceededWarning.
  }
  /** Adds a listener; the function returned removes it (whoever subscribes owns the removal). */
  on<K extends keyof AfterCommitEvents>(event: K, listener: (...args: AfterCommitEvents[K]) => void | Promise<void>): () => void {
    const wrapped = (...args: AfterCommitEvents[K]) => {
      try {
        const result = listener(...args);
        if (result instanceof Promise) result.catch((err: unknown) => this.logger.error({ err, event }, 'event listener failed'));
      } catch (err) {
        this.logger.error({ err, event }, 'event listener failed');
      }
    };
    this.emitter.on(event, wrapped);
    return () => void this.emitter.off(event, wrapped);
  }
  emit<K extends keyof AfterCommitEvents>(event: K, ...args: AfterCommitEvents[K]): void {
    this.emitter.emit(event, ...args);
  }
  /** Listeners subscribed, over every event (0 once every component stopped). */
  get size(): number {
    return this.emitter.eventNames().reduce((n, e) => n + this.emitter.listenerCount(e), 0);
  }
}
