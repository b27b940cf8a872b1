/**
 * An operator's action on an alarm (acknowledge, resolve), in one transaction with its audit entry and
 * its in-commit 'alarm.changed' event (InfluxDB point, webhook). One function for both places it runs:
 * the API's thread over the one database, and, with partitions, the thread of the partition that owns
 * the alarm (the single writer of its file), asked by the API (services/partitions/).
 */
import type { Db } from '../store/db.js';
import type { AlarmsRepo } from '../store/alarms-repo.js';
import type { AuditRepo } from '../store/audit-repo.js';
import type { InCommit } from '../events.js';
import type { Alarm } from '../domain/alarm.js';
import { alarmToBody } from './alarm-body.js';

export interface AlarmActionRequest {
  id: number;
  action: 'acknowledge' | 'resolve';
  /** Who, as stored on the alarm (`role:name`). */
  actor: string;
  /** Who, as the audit log records people. */
  auditActor: string;
  note: string | null;
}

export type AlarmActionResult = Alarm | 'not_found' | 'conflict';

export interface AlarmActionDeps {
  db: Db;
  alarms: AlarmsRepo;
  audit: AuditRepo;
  inCommit: InCommit;
  now: () => number;
}

export function applyAlarmAction(deps: AlarmActionDeps, r: AlarmActionRequest): AlarmActionResult {
  return deps.db.transaction(() => {
    const before = deps.alarms.get(r.id);
    const at = deps.now();
    const after = deps.alarms[r.action](r.id, r.actor, r.note, at);
    if (typeof after === 'string') return after;
    deps.audit.record(
      { actor: r.auditActor, action: `alarm.${r.action}`, objectType: 'alarm', objectId: after.id, communityId: after.communityId, before: before && alarmToBody(before), after: alarmToBody(after) },
      at,
    );
    deps.inCommit.dispatch('alarm.changed', after, r.action === 'acknowledge' ? 'acknowledged' : 'resolved');
    return after;
  })();
}
