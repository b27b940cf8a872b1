/**
 * How silence turns into a status (SPEC device-health: silence is "no data",
 * never silently compliant nor a violation). An interval of the judged window
 * that no device of the place covered is unjudged. Positive evidence decides
 * first: a violation seen in covered time is a fail (fail beats no data), and
 * for "at least N" rules N valid sessions are a pass. A "never" rule cannot
 * pass over unjudged time: its fact is no_data, with the covered part's own
 * verdict and the unjudged spans kept as evidence (see README, "Partial
 * silence"). The per-rule policy is in README.md.
 */
import type { FactStatus } from './facts.js';
import { subtract, total, union, type Interval } from './intervals.js';
import type { DayView, Unjudged } from './view.js';

/** What a rule concluded for one place: its status and the evidence of unjudged time. */
export interface Judgement {
  status: FactStatus;
  unjudged: Unjudged;
}

/** The part of `within` (the whole judged window by default) that none of the devices covered. */
export function unjudgedOf(view: DayView, devices: readonly string[], within?: readonly Interval[]): Interval[] {
  const window: Interval[] = within ? union(within) : view.windowMs > 0 ? [[view.dayStart, view.end]] : [];
  return subtract(window, view.coverage(devices));
}

/**
 * "At least N a day" rules (disinfection, wipes, ventilation, garbage, staff
 * ledger): N valid seen is a pass whatever the silence; a shortfall is a fail
 * only if the devices covered the whole window (a silent device could explain
 * it), else no_data.
 */
export function judgeExistence(view: DayView, valid: number, required: number, devices: readonly string[]): Judgement {
  const spans = unjudgedOf(view, devices);
  const coveredPass = valid >= required;
  const status: FactStatus = coveredPass ? 'pass' : view.windowMs <= 0 || spans.length > 0 ? 'no_data' : 'fail';
  return { status, unjudged: { spans, covered: coveredOf(view.windowMs, spans, coveredPass) } };
}

/** The covered part's own verdict; 'none' when the unjudged spans fill the judged time. */
function coveredOf(judgedMs: number, spans: readonly Interval[], pass: boolean): Unjudged['covered'] {
  if (judgedMs <= 0 || total(spans) >= judgedMs) return 'none';
  return pass ? 'pass' : 'fail';
}

/**
 * "Never" rules (unchecked entries, couriers, contractors over the limit, open
 * rooms, duty after fever, the gate always staffed, broadcast all day, every
 * session ventilated): a violation seen is a fail; otherwise any unjudged time
 * (or an empty window) is no_data; only a fully covered window passes.
 * `spans` is the rule's unjudged time (usually unjudgedOf); judgedMs is the
 * time judged (the whole window by default; only the broadcast hours for broadcast).
 */
export function judgeAbsence(view: DayView, violations: number, spans: readonly Interval[], judgedMs = view.windowMs): Judgement {
  const coveredPass = violations === 0;
  const status: FactStatus = !coveredPass ? 'fail' : judgedMs <= 0 || total(spans) > 0 ? 'no_data' : 'pass';
  return { status, unjudged: { spans, covered: coveredOf(judgedMs, spans, coveredPass) } };
}
