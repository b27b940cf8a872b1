/**
 * How silence turns into a status (SPEC device-health: silence is "no data",
 * never silently compliant nor a violation). Positive evidence decides first:
 * a seen violation is a fail, enough valid sessions are a pass. Otherwise a
 * shortfall that a silent device could explain is no_data, and a window in
 * which the devices never reported at all is no_data. Partial gaps are shown
 * in the noDataMinutes figure.
 */
import type { FactStatus } from './facts.js';
import { total } from './intervals.js';
import type { DayView } from './view.js';

/** "At least N a day" rules (disinfection, wipes, ventilation, garbage). */
export function existenceStatus(view: DayView, valid: number, required: number, devices: readonly string[]): FactStatus {
  if (valid >= required) return 'pass';
  if (view.windowMs <= 0 || total(view.coverage(devices)) < view.windowMs) return 'no_data';
  return 'fail';
}

/** "Never" rules (unchecked entries, couriers, contractors over the limit, open rooms, duty after fever). */
export function absenceStatus(view: DayView, violations: number, devices: readonly string[]): FactStatus {
  if (violations > 0) return 'fail';
  if (view.windowMs <= 0 || total(view.coverage(devices)) === 0) return 'no_data';
  return 'pass';
}
