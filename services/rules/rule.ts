/**
 * The shape of one rule module (one file per rule under rules/). facts() reads
 * a DayView; onReading() and onTick() may raise or clear alarms. All pure.
 */
import type { RulesConfig } from './config.js';
import type { DailyFact, RuleId } from './facts.js';
import type { CommunityLayout } from './layout.js';
import type { Outcome } from './outcomes.js';
import type { CommunityState, ReadingInput } from './state.js';
import type { DayView } from './view.js';

export interface RuleContext {
  communityId: string;
  /** undefined when the registry does not know the community yet. */
  layout: CommunityLayout | undefined;
  config: RulesConfig;
  timeZone: string;
  /** The community's state, with the current reading already recorded. */
  cs: CommunityState;
  isOpen(rule: RuleId, subject: string): boolean;
}

export interface ReadingContext extends RuleContext {
  input: ReadingInput;
}

export interface TickContext extends RuleContext {
  nowMs: number;
  /**
   * How far event time has got for this community at nowMs (watermark.ts eventNow): the watermark
   * plus the service-clock time since it last moved. Conditions due in event time are due at the
   * timer once this passes them; during a late upload it stays with the upload, not with the clock.
   */
  eventNowMs: number;
  /** The same for what one device reports (a gate's shifts, a speaker's broadcasts): on its own watermark. */
  eventNowOf(deviceId: string): number;
}

/**
 * The reading's device's own event-time watermark moved from `from` to `to` (watermark.ts): the
 * conditions on that device (its silence, what it reports) due in (from, to]. A small object of
 * its own, not a copy of the rule context: this runs for nearly every reading.
 */
export interface WatermarkSpan {
  deviceId: string;
  from: number;
  to: number;
}

export interface RuleModule {
  id: RuleId;
  facts(view: DayView): DailyFact[];
  onReading?(ctx: ReadingContext): Outcome[];
  onTick?(ctx: TickContext): Outcome[];
  /** Time-driven alarms due in event time (from, to], raised with the event time they fell due at. */
  onWatermark?(ctx: RuleContext, span: WatermarkSpan): Outcome[];
}
