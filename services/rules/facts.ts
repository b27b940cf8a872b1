/**
 * The contract between the rules engine (which produces daily facts) and the
 * checklist scoring (which reads them). One fact per community, local day,
 * rule and place. Figures are named here so both sides agree; a rule may add
 * figures, but never rename or drop one listed below.
 */

import type { Message } from '../../schemas/src/message.js';

export const RULE_IDS = [
  'fever',
  'staff-fever',
  'staff-ledger',
  'area-disinfection',
  'post-ventilation',
  'touch-points',
  'ventilation',
  'garbage',
  'gate-staffed',
  'entry-checks',
  'no-couriers',
  'contractors',
  'venues-closed',
  'broadcast',
  'device-health',
] as const;
export type RuleId = (typeof RULE_IDS)[number];

/**
 * pass / fail: the day at that place met / broke the rule.
 * no_data: the devices that could prove it were silent (SPEC device-health:
 * silence is never "compliant" nor "violation").
 */
export type FactStatus = 'pass' | 'fail' | 'no_data';

/** Community-wide facts use this place. */
export const WHOLE_COMMUNITY = '*';

export interface DailyFact {
  communityId: string;
  /** Local calendar day in the community's time zone, YYYY-MM-DD. */
  day: string;
  rule: RuleId;
  /** gateId, areaId, roomId, staffRef, deviceId, or WHOLE_COMMUNITY; see FIGURES. */
  place: string;
  status: FactStatus;
  figures: Record<string, number>;
  /**
   * One line of evidence, as a message (code `fact.<rule>`, the place, day and figures as parameters;
   * with unjudged time, `fact.unjudged` wrapping it: the unjudged hours and the covered part's verdict).
   */
  summaryMessage: Message;
  /** The same in English, e.g. "b2-lobby: 1 valid session on 2021-02-03, 2 required" (the API's plain-text summary). */
  summary: string;
  /** Journal ids (readings table) of the readings the fact rests on. */
  readingIds: number[];
}

/**
 * Figures every fact with unjudged time adds (README "Partial silence"): minutes
 * without data, how many unjudged spans, the first spans as minutes from the local
 * day's start, and the covered part's verdict (1 pass / 0 fail, absent when nothing
 * was covered). Absent on a fully covered day.
 */
/** Unjudged spans listed one by one in figures and summaries; the rest are counted. */
export const MAX_LISTED_SPANS = 6;

export const UNJUDGED_FIGURES: readonly string[] = [
  'noDataMinutes',
  'unjudgedSpans',
  ...Array.from({ length: MAX_LISTED_SPANS }, (_, i) => [`unjudgedFrom${i + 1}`, `unjudgedTo${i + 1}`]).flat(),
  'coveredPass',
];

/**
 * Figures each rule's facts carry, by place. Minutes are whole minutes of the
 * local day (1440 in a day; 1380 / 1500 on no day, China has no DST).
 */
export const FIGURES: Record<RuleId, { place: string; figures: readonly string[] }> = {
  // Fevers are the system working, not a compliance failure: status is pass when
  // anyone was measured at the gate, no_data otherwise. Item 1.4 reads alarms.
  fever: { place: 'gateId', figures: ['measured', 'fevers', 'implausible'] },
  // fail when the staff member had any duty event after a fever the same day.
  'staff-fever': { place: 'staffRef', figures: ['fevers', 'dutyEventsAfterFever'] },
  // pass when checks >= 1; no_data when none and a gate thermometer's time went unjudged.
  'staff-ledger': { place: 'staffRef', figures: ['checks'] },
  // pass when validSessions >= required (chlorine 250-500 mg/L inclusive).
  'area-disinfection': { place: 'areaId', figures: ['validSessions', 'invalidSessions', 'required'] },
  // pass when every valid session was followed by >= 15 min of ventilation.
  'post-ventilation': { place: 'areaId', figures: ['sessions', 'ventilatedSessions'] },
  // pass when validWipes >= required (chlorine 250-500 mg/L or 75 % alcohol).
  'touch-points': { place: 'areaId', figures: ['validWipes', 'invalidWipes', 'required'] },
  // pass when validPeriods (>= 30 min each) >= required.
  ventilation: { place: 'areaId', figures: ['validPeriods', 'shortPeriods', 'required'] },
  // pass when validSessions (>= 500 mg/L chlorine) >= required.
  garbage: { place: 'areaId', figures: ['validSessions', 'invalidSessions', 'required'] },
  // fail when unstaffedMinutes > 0; else no_data when noDataMinutes > 0 (issue 15).
  // offGateShifts (not a status input, evidence for 4.2) only when the registry posts attendants at gates.
  'gate-staffed': { place: 'gateId', figures: ['staffedMinutes', 'unstaffedMinutes', 'noDataMinutes'] },
  // fail when fullyChecked < entries.
  'entry-checks': {
    place: 'gateId',
    figures: ['entries', 'fullyChecked', 'missingTemperature', 'missingIdentity', 'missingItinerary'],
  },
  // fail when courierEntries > 0 (a courier or rider allowed in).
  'no-couriers': { place: 'gateId', figures: ['courierEntries', 'courierRefusals'] },
  // fail when maxOnSite > limit.
  contractors: { place: WHOLE_COMMUNITY, figures: ['maxOnSite', 'limit'] },
  // fail when openMinutes > 0.
  'venues-closed': { place: 'roomId', figures: ['openMinutes', 'openings'] },
  // fail when silentMinutes > 0 (not playing while the speaker reported); else no_data for any unreported time.
  broadcast: { place: 'deviceId', figures: ['playingMinutes', 'silentMinutes', 'noDataMinutes'] },
  // fail when offlineMinutes > 0.
  'device-health': { place: 'deviceId', figures: ['onlineMinutes', 'offlineMinutes'] },
};
