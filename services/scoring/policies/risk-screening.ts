/**
 * Item 1.4 (1-3 by judgement): risk screening and timely reporting. Telemetry
 * sees one part of it, the fever alarms at the gates and how fast the property
 * company acknowledged them; the inspector judges the rest (returnees, mahjong
 * parlours, gatherings) and confirms.
 */
import { msg } from '../../i18n/index.js';
import { listUnjudged, type RuleGrid } from '../grid.js';
import type { Message } from '../../../schemas/src/message.js';
import type { AlarmSummary, Verdict } from '../types.js';

export type AckOutcome = 'in_time' | 'late' | 'unacknowledged';

/**
 * How one alarm was handled. The delay is acknowledgedAt - openedAt: both are
 * service-clock times, so a device clock that is off, or an ingest backlog
 * after an outage, is not blamed on the property company. A resolved alarm
 * without an acknowledgement time was handled at an unknown time: late.
 */
export function ackOutcome(alarm: AlarmSummary, withinMs: number): AckOutcome {
  if (alarm.acknowledgedAt === undefined) return alarm.status === 'resolved' ? 'late' : 'unacknowledged';
  return alarm.acknowledgedAt - alarm.openedAt <= withinMs ? 'in_time' : 'late';
}

/**
 * 3 if every fever alarm was acknowledged in time, 2 if all were acknowledged
 * but some late, 1 if any is still unacknowledged. With no fever alarms, 3 only
 * if a gate thermometer measured someone on every day of the window (a quiet
 * day and a dead thermometer look the same otherwise); else insufficient data.
 */
export function scoreRiskScreening(
  alarms: readonly AlarmSummary[],
  feverGrid: RuleGrid,
  withinMinutes: number,
): Verdict {
  const alarmIds = alarms.map((a) => a.id);
  // A partial judgement: the hours a gate thermometer was silent (a fever there went unseen) are named.
  const unjudged = feverGrid.facts.filter((f) => (f.figures.unjudgedSpans ?? 0) > 0);
  const withHours = (explanation: Message): Message =>
    unjudged.length > 0 ? msg('score.withUnjudged', { explanation, facts: listUnjudged(unjudged, feverGrid.timeZone, 10) }) : explanation;
  if (alarms.length > 0) {
    const outcomes = alarms.map((a) => ackOutcome(a, withinMinutes * 60_000));
    const late = outcomes.filter((o) => o === 'late').length;
    const open = outcomes.filter((o) => o === 'unacknowledged').length;
    const score = open > 0 ? 1 : late > 0 ? 2 : 3;
    const counts = { count: alarms.length, inTime: alarms.length - late - open, within: withinMinutes, late, open, score };
    return { score, alarmIds, explanation: withHours(msg('score.riskAlarms', counts)) };
  }
  const measured = new Set(feverGrid.facts.filter((f) => f.status === 'pass').map((f) => f.day));
  const silentDays = feverGrid.days.filter((d) => !measured.has(d));
  if (silentDays.length > 0) {
    return {
      score: null,
      alarmIds,
      explanation: msg('score.riskSilent', { days: silentDays.join(', ') }),
    };
  }
  return { score: 3, alarmIds, explanation: withHours(msg('score.riskOk')) };
}
