/**
 * Applies rule outcomes to the alarms store: raise (or repeat) an alarm, or
 * resolve it as `system` when its condition ended, each an in-commit
 * 'alarm.changed' event (InfluxDB, the alarm webhook) in the caller's
 * transaction; after the commit, `announce` tells the after-commit bus (live
 * feed). Used by the rules processor, the tick, and re-evaluations.
 */
import type { Alarm } from '../domain/alarm.js';
import type { AlarmsRepo } from '../store/alarms-repo.js';
import type { AuditRepo } from '../store/audit-repo.js';
import { alarmToBody } from '../alarms/alarm-body.js';
import type { Metrics } from '../observability/metrics.js';
import type { EventBus, InCommit } from '../events.js';
import type { RuleOutcome } from './rules-port.js';

export type AlarmChange = { alarm: Alarm; created: boolean };

/** The one who resolves alarms whose condition ended by itself (device back, gate staffed again). */
export const SYSTEM_ACTOR = 'system';

export interface AlarmOutcomesDeps {
  alarms: AlarmsRepo;
  audit: AuditRepo;
  metrics: Metrics;
  bus: EventBus;
  inCommit: InCommit;
  now: () => number;
}

export function createAlarmOutcomes(deps: AlarmOutcomesDeps) {
  const { metrics, inCommit, now } = deps;

  /**
   * An alarm resolved here goes into the audit log like one resolved through
   * the API (same action, before and after as the API shows them), in the same
   * transaction. Rare (a condition ending), so no cost per reading:
   * resolveActive sets only the status and resolved_* columns, and an active
   * alarm is acknowledged exactly when it has an acknowledgement time, so the
   * state before is the one after with those as they were.
   */
  function recordSystemResolution(after: Alarm): void {
    const before: Alarm = { ...after, status: after.acknowledgedAt === null ? 'open' : 'acknowledged', resolvedAt: null, resolvedBy: null, resolveNote: null };
    deps.audit.record(
      { actor: SYSTEM_ACTOR, action: 'alarm.resolve', objectType: 'alarm', objectId: after.id, communityId: after.communityId, before: alarmToBody(before), after: alarmToBody(after) },
      after.resolvedAt ?? now(),
    );
  }

  return {
    /** Inside the caller's transaction. */
    apply(outcomes: readonly RuleOutcome[], changes: AlarmChange[]): void {
      for (const o of outcomes) {
        if (o.type === 'clear') {
          const resolved = deps.alarms.resolveActive(o.communityId, o.rule, o.subject, SYSTEM_ACTOR, 'condition ended', now());
          if (resolved) {
            recordSystemResolution(resolved);
            inCommit.dispatch('alarm.changed', resolved, 'resolved');
            changes.push({ alarm: resolved, created: false });
          }
          continue;
        }
        const change = deps.alarms.raise(o, now());
        metrics.alarmsRaised.inc({ rule: o.rule, new: String(change.created) });
        inCommit.dispatch('alarm.changed', change.alarm, change.created ? 'opened' : 'repeated');
        changes.push(change);
      }
    },
    /** After the commit. */
    announce(changes: readonly AlarmChange[]): void {
      for (const c of changes) deps.bus.emit(c.created ? 'alarm.created' : 'alarm.updated', c.alarm);
      if (changes.length) metrics.alarmsOpen.set(deps.alarms.countActive());
    },
  };
}

export type AlarmOutcomes = ReturnType<typeof createAlarmOutcomes>;
