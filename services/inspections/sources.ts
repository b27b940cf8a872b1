/**
 * The adapter between the store and the pure scoring core: loads what
 * scoreItems needs for one community and window (facts, fever alarms, staff,
 * duty records from the readings journal) and answers "has anything changed
 * since?" for signed inspections.
 */
import type { FactsRepo } from '../store/facts-repo.js';
import type { RegistryRepo } from '../store/registry-repo.js';
import type { ScoringSourcesRepo } from '../store/scoring-sources-repo.js';
import type { AlarmSummary, DayWindow, DutyRecord, ScoreInput } from '../scoring/types.js';
import { addDays, dayStart, localDay } from '../time/local-day.js';

export interface SourcesDeps {
  queries: ScoringSourcesRepo;
  facts: FactsRepo;
  registry: RegistryRepo;
  /** The community's IANA zone: which instants its local days hold. */
  zoneOf: (communityId: string) => string;
}

export function createSources(deps: SourcesDeps) {
  const { queries, zoneOf } = deps;
  /** [local midnight of the first day, local midnight after the last) in the community's zone. */
  const bounds = (communityId: string, w: DayWindow) => ({ start: dayStart(w.from, zoneOf(communityId)), end: dayStart(addDays(w.to, 1), zoneOf(communityId)) });

  function feverAlarms(communityId: string, window: DayWindow): AlarmSummary[] {
    const { start, end } = bounds(communityId, window);
    return queries.feverAlarms(communityId, start, end).map((r) => ({
      id: r.id, rule: r.rule, communityId: r.community_id, subject: r.subject, severity: r.severity, status: r.status,
      firstEventTime: r.first_event_time, openedAt: r.opened_at,
      ...(r.acknowledged_at === null ? {} : { acknowledgedAt: r.acknowledged_at }),
    }));
  }

  /**
   * Who did gate duty and disinfection (item 4.2), from ShiftEvent.staffRef and
   * DisinfectionSession.operatorRef. When the journal holds no reading of the
   * window at all (pruned by retention, or facts from elsewhere) there is
   * nothing to check names against: undefined, and scoring falls back to the
   * facts and says so.
   */
  function duties(communityId: string, window: DayWindow): DutyRecord[] | undefined {
    const { start, end } = bounds(communityId, window);
    if (queries.readingCount(communityId, start, end) === 0) return undefined;
    const records: DutyRecord[] = [];
    const zone = zoneOf(communityId);
    for (const r of queries.dutyReadings(communityId, start, end)) {
      const p = JSON.parse(r.payload) as { gateId?: string; staffRef?: string; areaId?: string; operatorRef?: string };
      const day = localDay(r.event_time, zone);
      if (r.kind === 'shift' && p.gateId && p.staffRef) records.push({ kind: 'gate_shift', day, place: p.gateId, ref: p.staffRef, readingIds: [r.id] });
      if (r.kind === 'disinfection' && p.areaId && p.operatorRef) {
        records.push({ kind: 'disinfection', day, place: p.areaId, ref: p.operatorRef, readingIds: [r.id] });
      }
    }
    return records;
  }

  return {
    /** Everything scoreItems needs for one community and window. */
    scoreInput(communityId: string, window: DayWindow): ScoreInput {
      // An empty staff list would make every operator "unregistered": without
      // registered staff, registration is not checked (scoring README, 4.2).
      const staff = deps.registry.staff(communityId).filter((s) => s.active).map((s) => s.ref);
      const found = duties(communityId, window);
      return {
        communityId,
        timeZone: zoneOf(communityId),
        window,
        facts: deps.facts.range(communityId, window.from, window.to),
        alarms: feverAlarms(communityId, window),
        ...(staff.length > 0 ? { staffRefs: staff } : {}),
        ...(found ? { duties: found } : {}),
      };
    },
    factsComputedAt: (communityId: string, window: DayWindow): number | null => deps.facts.lastComputedAt(communityId, window.from, window.to),
    /** The latest change to the window's facts or fever alarms, if it came after `since`. */
    changedSince(communityId: string, window: DayWindow, since: number): number | null {
      const { start, end } = bounds(communityId, window);
      const facts = deps.facts.lastComputedAt(communityId, window.from, window.to) ?? 0;
      const alarms = queries.feverAlarmsChangedAt(communityId, start, end) ?? 0;
      const latest = Math.max(facts, alarms);
      return latest > since ? latest : null;
    },
    /** Open and active (open or acknowledged) alarm counts per community. */
    alarmCounts(): Map<string, { open: number; active: number }> {
      const rows = queries.activeAlarmCounts();
      return new Map(rows.map((r) => [r.community_id, { open: r.open, active: r.active }]));
    },
    /** Journal rows by id, for evidence links. */
    readings(ids: readonly number[]) {
      const rows = queries.readingsByIds(ids);
      return rows.map((r) => ({
        id: r.id, communityId: r.community_id, deviceId: r.device_id, kind: r.kind,
        eventTime: new Date(r.event_time).toISOString(), receivedAt: new Date(r.received_at).toISOString(),
        payload: JSON.parse(r.payload) as unknown,
      }));
    },
  };
}

export type Sources = ReturnType<typeof createSources>;
