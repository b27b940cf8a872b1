/**
 * What ingest needs from the rules: given an accepted reading, the alarm
 * outcomes it causes. The engine in services/rules is pure; this port holds
 * its state between calls and is the only stateful piece around it.
 */
import type { DeviceMessage } from '../../schemas/src/device-messages.js';
import type { Severity } from '../store/alarms-repo.js';

export type RuleInput = DeviceMessage & { readingId: number; eventTime: number; receivedAt: number };

export type RuleOutcome =
  | {
      type: 'alarm';
      rule: string;
      communityId: string;
      subject: string;
      severity: Severity;
      eventTime: number;
      title: string;
      details: Record<string, unknown>;
      readingIds: number[];
    }
  | { type: 'clear'; rule: string; communityId: string; subject: string; eventTime: number };

export interface RulesPort {
  evaluate(input: RuleInput): RuleOutcome[];
  /** Time-driven conditions (silence, unstaffed gates), with the service clock passed in. */
  tick(now: number): RuleOutcome[];
}
