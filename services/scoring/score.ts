/**
 * scoreItems: the telemetry sub-scores of the checklist for one community and
 * a window of local days. Pure: facts, alarms and staff come in, ItemScores
 * go out; the same input always gives the same output.
 */
import { english } from '../i18n/index.js';
import type { DailyFact, RuleId } from '../rules/facts.js';
import { telemetryItems, type ChecklistItem } from './checklist.js';
import { buildGrid, type RuleGrid } from './grid.js';
import { scoreAllOrNothing } from './policies/all-or-nothing.js';
import { scoreProperConduct } from './policies/conduct.js';
import { scoreFailingCells, scoreUnstaffedTime } from './policies/deductions.js';
import { scoreNamedPeople } from './policies/named-people.js';
import { scoreRiskScreening } from './policies/risk-screening.js';
import { DEFAULT_SCORING_POLICY, type ScoringPolicy } from './policy.js';
import type { AlarmSummary, DutyRecord, ItemScore, ScoreInput, Verdict } from './types.js';
import { localDay } from '../time/local-day.js';
import { daysOf } from './window.js';

interface ScoringContext {
  input: ScoreInput;
  policy: ScoringPolicy;
  /** The rule's grid over the window, built once. */
  grid(rule: RuleId): RuleGrid;
  /** Fever alarms of this community whose first event falls in the window. */
  feverAlarms: AlarmSummary[];
  /** Duty records in the window, or undefined when the caller has none. */
  duties: DutyRecord[] | undefined;
}

type ItemPolicy = (ctx: ScoringContext, item: ChecklistItem) => Verdict;

const allRules: ItemPolicy = (ctx, item) => scoreAllOrNothing(item.rules.map(ctx.grid), item.points);

/** Which policy scores which item; every auto or assisted item must be here. */
const ITEM_POLICIES: Record<string, ItemPolicy> = {
  '1.4': (ctx) => scoreRiskScreening(ctx.feverAlarms, ctx.grid('fever'), ctx.policy.feverAckWithinMinutes),
  '2.1': allRules,
  '3.1': allRules,
  '3.2': allRules,
  '3.3': (ctx, item) => scoreUnstaffedTime(ctx.grid('gate-staffed'), item.points, ctx.policy.unstaffedMinutesPerPoint),
  '4.1': allRules,
  '4.2': (ctx, item) =>
    scoreNamedPeople(
      { gate: ctx.grid('gate-staffed'), disinfection: ctx.grid('area-disinfection') },
      ctx.duties,
      ctx.input.staffRefs,
      { points: item.points, ...ctx.policy },
    ),
  '4.3': (ctx, item) => scoreFailingCells(ctx.grid('garbage'), item.points),
  '6.1': allRules,
  '7.2': allRules,
  '7.3': (ctx, item) => scoreProperConduct(ctx.grid('staff-fever'), ctx.grid('staff-ledger'), item.points),
};

function buildContext(input: ScoreInput, policy: ScoringPolicy): ScoringContext {
  const days = daysOf(input.window);
  const inWindow = new Set(days);
  const facts = input.facts.filter((f) => f.communityId === input.communityId && inWindow.has(f.day));
  const grids = new Map<RuleId, RuleGrid>();
  const grid = (rule: RuleId): RuleGrid => {
    let g = grids.get(rule);
    if (!g) {
      // The ledger must cover every registered staff member, not only those who reported.
      const required = rule === 'staff-ledger' ? (input.staffRefs ?? []) : [];
      g = buildGrid(facts, rule, days, required, input.timeZone);
      grids.set(rule, g);
    }
    return g;
  };
  const feverAlarms = input.alarms.filter(
    (a) =>
      a.communityId === input.communityId &&
      policy.feverAlarmRules.includes(a.rule) &&
      inWindow.has(localDay(a.firstEventTime, input.timeZone)),
  );
  const duties = input.duties?.filter((d) => inWindow.has(d.day));
  return { input, policy, grid, feverAlarms, duties };
}

const byNumber = (a: number, b: number): number => a - b;

function toItemScore(item: ChecklistItem, verdict: Verdict, ctx: ScoringContext): ItemScore {
  const grids = item.rules.map(ctx.grid);
  const facts: DailyFact[] = grids.flatMap((g) => g.facts);
  const readingIds = new Set([...facts.flatMap((f) => f.readingIds), ...(verdict.extraReadingIds ?? [])]);
  return {
    itemId: item.id,
    fill: item.fill === 'auto' ? 'auto' : 'assisted',
    points: item.points,
    score: verdict.score,
    status: verdict.score === null ? 'insufficient_data' : 'scored',
    proposed: item.fill === 'assisted',
    evidence: {
      rules: [...item.rules],
      window: { ...ctx.input.window },
      lines: facts.map((f) => ({
        day: f.day,
        place: f.place,
        rule: f.rule,
        status: f.status,
        summary: f.summary,
        summaryMessage: f.summaryMessage,
        figures: { ...f.figures },
      })),
      missing: grids.flatMap((g) => g.missing),
      readingIds: [...readingIds].sort(byNumber),
      alarmIds: verdict.alarmIds ?? [],
      ...(verdict.unknownRefs ? { unknownRefs: verdict.unknownRefs } : {}),
    },
    explanation: english(verdict.explanation),
    explanationMessage: verdict.explanation,
  };
}

/** Score every auto and assisted item of the checklist, in checklist order. */
export function scoreItems(input: ScoreInput, policy: ScoringPolicy = DEFAULT_SCORING_POLICY): ItemScore[] {
  const ctx = buildContext(input, policy);
  return telemetryItems().map((item) => {
    const itemPolicy = ITEM_POLICIES[item.id];
    if (!itemPolicy) throw new Error(`no scoring policy for checklist item ${item.id}`);
    return toItemScore(item, itemPolicy(ctx, item), ctx);
  });
}
