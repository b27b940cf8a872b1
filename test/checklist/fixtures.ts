/** Hand-built daily facts for the test community, inserted the way the rules engine materialises them. */
import type { DailyFact, FactStatus, RuleId } from '../../services/rules/facts.js';
import { createFactsRepo } from '../../services/store/facts-repo.js';
import type { Db } from '../../services/store/db.js';
import { TEST_COMMUNITY } from '../support/service.js';
import { legacyText } from '../../services/i18n/index.js';

export const DAY = '2021-02-03';
export const BAD_DAY = '2021-02-04';

let nextReading = 1000;

export function fact(rule: RuleId, day: string, place: string, status: FactStatus, figures: Record<string, number>, communityId = TEST_COMMUNITY): DailyFact {
  return { communityId, day, rule, place, status, figures, summary: `${place}: ${rule} ${status} on ${day}`, summaryMessage: legacyText(`${place}: ${rule} ${status} on ${day}`), readingIds: [nextReading++] };
}

/**
 * A good day at 阳光花园 with one shortcoming: the garbage bins were disinfected
 * once instead of twice. Telemetry scores: 3.1 8, 3.2 2, 4.1 10, 4.3 4, 6.1 2,
 * 7.2 2 (auto, 28); proposals 1.4 3, 2.1 8, 3.3 10, 4.2 5, 7.3 2 (assisted, 28).
 */
export function goodDay(day: string, communityId = TEST_COMMUNITY): DailyFact[] {
  const f = (rule: RuleId, place: string, status: FactStatus, figures: Record<string, number>) => fact(rule, day, place, status, figures, communityId);
  return [
    f('fever', 'g1', 'pass', { measured: 412, fevers: 0, implausible: 0 }),
    f('gate-staffed', 'g1', 'pass', { staffedMinutes: 1440, unstaffedMinutes: 0, noDataMinutes: 0 }),
    f('entry-checks', 'g1', 'pass', { entries: 380, fullyChecked: 380, missingTemperature: 0, missingIdentity: 0, missingItinerary: 0 }),
    f('no-couriers', 'g1', 'pass', { courierEntries: 0, courierRefusals: 12 }),
    f('area-disinfection', 'b2-lobby', 'pass', { validSessions: 2, invalidSessions: 0, required: 2 }),
    f('post-ventilation', 'b2-lobby', 'pass', { sessions: 2, ventilatedSessions: 2 }),
    f('garbage', 'bins-1', 'fail', { validSessions: 1, invalidSessions: 0, required: 2 }),
    f('venues-closed', 'club', 'pass', { openMinutes: 0, openings: 0 }),
    f('staff-ledger', 's-001', 'pass', { checks: 2 }),
    f('staff-fever', 's-001', 'pass', { fevers: 0, dutyEventsAfterFever: 0 }),
    f('broadcast', 'speaker-1', 'pass', { playingMinutes: 1440, silentMinutes: 0, noDataMinutes: 0 }),
  ];
}

/**
 * A bad day: gate g1 unstaffed for 95 minutes with unchecked entries, the lobby
 * disinfected once, garbage once. Telemetry: 3.1 0, 3.2 2, 4.1 0, 4.3 4, 6.1 2,
 * 7.2 2 (auto, 10); proposals 1.4 3, 2.1 8, 3.3 6 (95 min: 4 started half hours), 4.2 5, 7.3 2.
 */
export function badDay(day: string): DailyFact[] {
  const replaced: Partial<Record<RuleId, DailyFact>> = {
    'gate-staffed': fact('gate-staffed', day, 'g1', 'fail', { staffedMinutes: 1345, unstaffedMinutes: 95, noDataMinutes: 0 }),
    'entry-checks': fact('entry-checks', day, 'g1', 'fail', { entries: 300, fullyChecked: 280, missingTemperature: 0, missingIdentity: 20, missingItinerary: 20 }),
    'area-disinfection': fact('area-disinfection', day, 'b2-lobby', 'fail', { validSessions: 1, invalidSessions: 1, required: 2 }),
  };
  return goodDay(day).map((f) => replaced[f.rule] ?? f);
}

export function insertFacts(db: Db, day: string, facts: DailyFact[], computedAt: number, communityId = TEST_COMMUNITY): void {
  createFactsRepo(db).replaceDay(communityId, day, facts, computedAt);
}

/** Scores by item id, from an ItemScore list. */
export const scoreMap = (items: { itemId: string; score: number | null }[]): Record<string, number | null> =>
  Object.fromEntries(items.map((i) => [i.itemId, i.score]));

/** The ten manual items of the form. */
export const MANUAL_ITEMS = ['1.1', '1.2', '1.3', '2.2', '5.1', '5.2', '6.2', '7.1', '8.1', '8.2'];
export const ASSISTED_ITEMS = ['1.4', '2.1', '3.3', '4.2', '7.3'];
export const AUTO_ITEMS = ['3.1', '3.2', '4.1', '4.3', '6.1', '7.2'];
