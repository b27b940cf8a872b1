/**
 * The (day x place) grid of one rule's facts over a window. Every policy asks
 * the same questions of it: which cells failed, which had no data, and which
 * had no fact at all. Places are every place the rule reported in the window
 * (plus any the caller knows must be there, e.g. registered staff): a gate
 * that reported on Monday and is absent on Tuesday is a gap, not a pass.
 */
import type { Message } from '../../schemas/src/message.js';
import { DEFAULT_TIME_ZONE, msg, ruleName } from '../i18n/index.js';
import type { DailyFact, FactStatus, RuleId } from '../rules/facts.js';
import { dayBounds, localInstant } from '../time/local-day.js';
import type { MissingCell } from './types.js';

export interface RuleGrid {
  rule: RuleId;
  days: readonly string[];
  places: string[];
  /** One fact per (day, place), sorted by day then place. */
  facts: DailyFact[];
  fails: DailyFact[];
  noData: DailyFact[];
  /** The no_data facts whose place was only partly silent: their covered part has a verdict (README "Partial silence"). */
  partial: DailyFact[];
  missing: MissingCell[];
  /** The community's zone: unjudged spans are minutes of its local day. */
  timeZone: string;
}

/** A fact whose covered part has its own verdict: the place was silent for only part of the day. */
export const isPartlySilent = (f: DailyFact): boolean => f.figures.coveredPass !== undefined && (f.figures.unjudgedSpans ?? 0) > 0;

// Duplicates break the one-fact-per-cell contract; if they happen, the worst wins
// so a duplicate pass can never hide a fail.
const SEVERITY: Record<FactStatus, number> = { pass: 0, no_data: 1, fail: 2 };

const cellKey = (day: string, place: string): string => `${day}\u0000${place}`;

function worstPerCell(facts: readonly DailyFact[]): Map<string, DailyFact> {
  const cells = new Map<string, DailyFact>();
  for (const fact of facts) {
    const key = cellKey(fact.day, fact.place);
    const seen = cells.get(key);
    if (!seen || SEVERITY[fact.status] > SEVERITY[seen.status]) cells.set(key, fact);
  }
  return cells;
}

/** Build the grid from facts already narrowed to one community and the window's days. */
export function buildGrid(
  facts: readonly DailyFact[],
  rule: RuleId,
  days: readonly string[],
  requiredPlaces: readonly string[] = [],
  timeZone: string = DEFAULT_TIME_ZONE,
): RuleGrid {
  const cells = worstPerCell(facts.filter((f) => f.rule === rule));
  const places = [...new Set([...requiredPlaces, ...[...cells.values()].map((f) => f.place)])].sort();
  const ordered: DailyFact[] = [];
  const missing: MissingCell[] = [];
  for (const day of days) {
    for (const place of places) {
      const fact = cells.get(cellKey(day, place));
      if (fact) ordered.push(fact);
      else missing.push({ day, place, rule });
    }
  }
  return {
    rule,
    days,
    places,
    facts: ordered,
    fails: ordered.filter((f) => f.status === 'fail'),
    noData: ordered.filter((f) => f.status === 'no_data'),
    partial: ordered.filter((f) => f.status === 'no_data' && isPartlySilent(f)),
    missing,
    timeZone,
  };
}

/**
 * The unjudged hours of a fact from its figures (unjudgedFrom<i> / unjudgedTo<i>,
 * minutes of its local day) as clock-time spans; "and N more" past the listed ones.
 */
export function unjudgedHours(fact: DailyFact, timeZone: string): Message[] {
  const spans: Message[] = [];
  const dayEnd = dayBounds(fact.day, timeZone)[1];
  for (let i = 1; fact.figures[`unjudgedFrom${i}`] !== undefined; i++) {
    const from = localInstant(fact.day, fact.figures[`unjudgedFrom${i}`] ?? 0, timeZone);
    const to = localInstant(fact.day, fact.figures[`unjudgedTo${i}`] ?? 0, timeZone);
    // As the rules write it (rules/view.ts spanMessage): a span to the day's end ends at "24:00".
    spans.push(to >= dayEnd ? msg('fact.spanToMidnight', { from }) : msg('fact.span', { from, to }));
  }
  const more = (fact.figures.unjudgedSpans ?? 0) - spans.length;
  return more > 0 ? [...spans, msg('score.andMore', { count: more })] : spans;
}

/** "day place: hours" for up to `limit` facts with unjudged time, then "and N more". */
export function listUnjudged(facts: readonly DailyFact[], timeZone: string, limit = 3): Message[] {
  const shown = facts.slice(0, limit).map((f) => msg('gap.unjudgedFact', { day: f.day, place: f.place, hours: unjudgedHours(f, timeZone) }));
  return facts.length > limit ? [...shown, msg('score.andMore', { count: facts.length - limit })] : shown;
}

/** The grid with its partly silent facts taken as judged (policies that allow a partial judgement). */
export function judgedPartly(grid: RuleGrid): RuleGrid {
  return { ...grid, noData: grid.noData.filter((f) => !isPartlySilent(f)), partial: [] };
}

/** Number of cells the grid could not vouch for: no_data facts, absent facts, or no place at all. */
export function gapCount(grid: RuleGrid): number {
  return grid.places.length === 0 ? grid.days.length : grid.noData.length + grid.missing.length;
}

/** The gaps of a grid, for explanations: one message per kind of gap. */
export function describeGaps(grid: RuleGrid): Message[] {
  const rule = ruleName(grid.rule);
  if (grid.places.length === 0) return [msg('gap.noFacts', { rule })];
  const parts: Message[] = [];
  const wholly = grid.noData.length - grid.partial.length;
  if (wholly > 0) parts.push(msg('gap.silent', { rule, count: wholly }));
  if (grid.partial.length > 0) {
    parts.push(msg('gap.partlySilent', { rule, count: grid.partial.length, facts: listUnjudged(grid.partial, grid.timeZone) }));
  }
  if (grid.missing.length > 0) parts.push(msg('gap.missing', { rule, count: grid.missing.length }));
  return parts;
}

/** "day place: summary" for up to `limit` facts, then "and N more". */
export function listFacts(facts: readonly DailyFact[], limit = 3): Message[] {
  const shown = facts.slice(0, limit).map((f) => msg('score.factRef', { day: f.day, place: f.place, summary: f.summaryMessage }));
  return facts.length > limit ? [...shown, msg('score.andMore', { count: facts.length - limit })] : shown;
}
