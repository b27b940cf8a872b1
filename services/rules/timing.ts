/**
 * Is a reading's event time believable? Readings later than lateAfterHours
 * would reopen days already scored; readings from beyond the clock-skew
 * allowance cannot have happened yet. The adapter dead-letters both.
 */
import type { RulesConfig } from './config.js';
import { HOUR_MS, MINUTE_MS } from '../time/durations.js';

export type Timing = 'ok' | 'too_late' | 'from_future';

export function classifyTiming(eventTime: number, receivedAt: number, config: RulesConfig): Timing {
  if (eventTime > receivedAt + config.futureSkewMinutes * MINUTE_MS) return 'from_future';
  if (receivedAt - eventTime > config.lateAfterHours * HOUR_MS) return 'too_late';
  return 'ok';
}
