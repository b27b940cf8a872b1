/**
 * Inputs and outputs of the scoring core. Pure data: the caller loads facts,
 * alarms and staff from the store and passes them in; nothing here does I/O.
 */
import type { Message } from '../../schemas/src/message.js';
import type { DailyFact, FactStatus, RuleId } from '../rules/facts.js';
import type { Fill } from './checklist.js';

/** Inclusive range of local days, 'YYYY-MM-DD'. */
export interface DayWindow {
  from: string;
  to: string;
}

/** The parts of an alarm row the checklist needs (store: alarms table). */
export interface AlarmSummary {
  id: number | string;
  rule: string;
  communityId: string;
  subject: string;
  severity: string;
  status: 'open' | 'acknowledged' | 'resolved';
  /** Device time of the first event, unix ms: decides the local day the alarm belongs to. */
  firstEventTime: number;
  /** Service clock, unix ms. */
  openedAt: number;
  /** Service clock, unix ms. */
  acknowledgedAt?: number;
}

/**
 * Who did a duty, from the raw readings (ShiftEvent.staffRef for a gate shift,
 * DisinfectionSession.operatorRef for a disinfection session). Facts carry
 * numbers only, so item 4.2 needs these to check names; see README.
 */
export interface DutyRecord {
  kind: 'gate_shift' | 'disinfection';
  day: string;
  /** gateId or areaId. */
  place: string;
  ref: string;
  readingIds?: number[];
}

export interface ScoreInput {
  communityId: string;
  /** The community's IANA zone (registry): which local day an alarm's instant falls on. */
  timeZone: string;
  window: DayWindow;
  facts: DailyFact[];
  alarms: AlarmSummary[];
  /** Registered, active staff refs of the community. */
  staffRefs?: string[];
  /** Named operators of shifts and disinfection sessions (item 4.2). */
  duties?: DutyRecord[];
}

export interface EvidenceLine {
  day: string;
  place: string;
  rule: RuleId;
  status: FactStatus;
  /** English; summaryMessage per language. */
  summary: string;
  summaryMessage: Message;
  figures: Record<string, number>;
}

/** A (day, place, rule) the item needed and found no fact for. */
export interface MissingCell {
  day: string;
  place: string;
  rule: RuleId;
}

export interface Evidence {
  rules: RuleId[];
  window: DayWindow;
  lines: EvidenceLine[];
  missing: MissingCell[];
  readingIds: number[];
  alarmIds: (number | string)[];
  /** Item 4.2: operator refs that are not registered active staff. */
  unknownRefs?: string[];
}

export type ItemStatus = 'scored' | 'insufficient_data';

export interface ItemScore {
  itemId: string;
  fill: Exclude<Fill, 'manual'>;
  /** The item's maximum. */
  points: number;
  /** null when status is insufficient_data. */
  score: number | null;
  status: ItemStatus;
  /** true for assisted items: the inspector confirms the proposal. */
  proposed: boolean;
  evidence: Evidence;
  /** Why this score, in English (the API's plain text). */
  explanation: string;
  /** Why this score, as a message formatted per language (services/i18n). */
  explanationMessage: Message;
}

/** What a policy decides; score.ts wraps it into an ItemScore. */
export interface Verdict {
  score: number | null;
  explanation: Message;
  /** Extra evidence beyond the facts of the item's rules. */
  alarmIds?: (number | string)[];
  unknownRefs?: string[];
  extraReadingIds?: number[];
}
