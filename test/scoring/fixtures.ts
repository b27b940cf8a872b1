/** Hand-built facts and alarms for scoring tests. */
import type { DailyFact, FactStatus, RuleId } from '../../services/rules/facts.js';
import { telemetryItems } from '../../services/scoring/checklist.js';
import { scoreItems } from '../../services/scoring/score.js';
import type { AlarmSummary, ItemScore, ScoreInput } from '../../services/scoring/types.js';
import { legacyText } from '../../services/i18n/index.js';

export const COMMUNITY = 'c1';
/** The fixtures' community keeps Beijing time, like the county (at() writes +08:00). */
export const ZONE = 'Asia/Shanghai';
export const D1 = '2021-02-03';
export const D2 = '2021-02-04';
export const D3 = '2021-02-05';

let nextReading = 1;

export function fact(
  rule: RuleId,
  day: string,
  place: string,
  status: FactStatus,
  figures: Record<string, number> = {},
): DailyFact {
  return {
    communityId: COMMUNITY,
    day,
    rule,
    place,
    status,
    figures,
    summary: `${place}: ${rule} ${status} on ${day}`,
    summaryMessage: legacyText(`${place}: ${rule} ${status} on ${day}`),
    readingIds: [nextReading++],
  };
}

/** The same fact for each day and place. */
export function facts(
  rule: RuleId,
  days: readonly string[],
  places: readonly string[],
  status: FactStatus = 'pass',
  figures: Record<string, number> = {},
): DailyFact[] {
  return days.flatMap((day) => places.map((place) => fact(rule, day, place, status, figures)));
}

/** Unix ms of a local (UTC+8) time on a day, e.g. at(D1, '08:15'). */
export function at(day: string, hhmm: string): number {
  return Date.parse(`${day}T${hhmm}:00+08:00`);
}

export function alarm(id: number, firstEventTime: number, ackAfterMin?: number, rest: Partial<AlarmSummary> = {}): AlarmSummary {
  const openedAt = firstEventTime + 2_000;
  return {
    id,
    rule: 'fever',
    communityId: COMMUNITY,
    subject: 'gate:g1',
    severity: 'critical',
    status: ackAfterMin === undefined ? 'open' : 'acknowledged',
    firstEventTime,
    openedAt,
    ...(ackAfterMin === undefined ? {} : { acknowledgedAt: openedAt + ackAfterMin * 60_000 }),
    ...rest,
  };
}

/** Score and return one item. */
export function scoreOf(itemId: string, input: Partial<ScoreInput> & Pick<ScoreInput, 'facts'>): ItemScore {
  const all = scoreItems({
    communityId: COMMUNITY,
    timeZone: ZONE,
    window: { from: D1, to: D1 },
    alarms: [],
    ...input,
  });
  const found = all.find((s) => s.itemId === itemId);
  if (!found) throw new Error(`item ${itemId} not scored`);
  return found;
}

/** Telemetry item scores as scoreItems returns them: full points except the given ones (null = insufficient data). */
export function telemetryScores(except: Record<string, number | null> = {}, day = D1): ItemScore[] {
  return telemetryItems().map((item) => {
    const score = item.id in except ? (except[item.id] ?? null) : item.points;
    return {
      itemId: item.id,
      fill: item.fill === 'auto' ? 'auto' : 'assisted',
      points: item.points,
      score,
      status: score === null ? 'insufficient_data' : 'scored',
      proposed: item.fill === 'assisted',
      evidence: { rules: [...item.rules], window: { from: day, to: day }, lines: [], missing: [], readingIds: [], alarmIds: [] },
      explanation: 'test',
      explanationMessage: legacyText('test'),
    } satisfies ItemScore;
  });
}
