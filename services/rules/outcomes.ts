/**
 * What the engine tells the adapters. The alarms store keeps one open alarm
 * per (community, rule, subject), so subjects are stable keys:
 * `gate:g1`, `person:p-7f3a9c`, `area:b2-lobby`, `device:therm-g1`,
 * `device:therm-g1:fault`, `community:hc-001`.
 */
import type { Message } from '../../schemas/src/message.js';
import type { RuleId } from './facts.js';

export type Severity = 'critical' | 'high' | 'medium' | 'low';

export type AlarmDetails = Record<string, string | number | boolean | null>;

export interface AlarmOutcome {
  type: 'alarm';
  rule: RuleId;
  communityId: string;
  subject: string;
  severity: Severity;
  /** ms; the reading's event time, or for time-driven alarms the event time they fell due at (README "Time-driven alarms"). */
  eventTime: number;
  /** What operators read, as a message formatted per language (services/i18n). */
  titleMessage: Message;
  /** The same in English (the API's plain-text title, for integrations). */
  title: string;
  details: AlarmDetails;
  readingIds: number[];
}

/** A condition ended (gate staffed again, device back, door closed...). */
export interface ClearOutcome {
  type: 'clear';
  rule: RuleId;
  communityId: string;
  subject: string;
  eventTime: number;
}

export type Outcome = AlarmOutcome | ClearOutcome;

export const subjects = {
  gate: (id: string) => `gate:${id}`,
  person: (ref: string) => `person:${ref}`,
  area: (id: string) => `area:${id}`,
  device: (id: string) => `device:${id}`,
  deviceFault: (id: string) => `device:${id}:fault`,
  community: (id: string) => `community:${id}`,
};

export const alarmKey = (rule: RuleId, subject: string): string => `${rule}|${subject}`;
