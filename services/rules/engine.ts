/**
 * The pure rules engine: evaluate(state, reading) and tick(state, now) give a
 * new state and outcomes (alarms, clears); dailyFacts() reads the state.
 * No clock, no timers, no I/O: time comes in with the reading or the tick.
 */
import type { RulesConfig } from './config.js';
import { RULE_IDS, type DailyFact, type RuleId } from './facts.js';
import type { CommunityLayout } from './layout.js';
import { alarmKey, type Outcome } from './outcomes.js';
import type { ReadingContext, RuleContext, RuleModule } from './rule.js';
import { RULES } from './registry.js';
import { createInitialState, emptyCommunity, prune, recordReading, type CommunityState, type ReadingInput, type RulesState } from './state.js';
import { DAY_MS } from '../time/durations.js';
import { dayBounds } from '../time/local-day.js';
import { classifyTiming } from './timing.js';
import { buildDayView } from './view.js';
import { advanceWatermark, eventNow, eventNowOf } from './watermark.js';

/**
 * What every engine call is given besides the state. The layout is data the
 * adapter resolved (from the registry, or the recorded version of a past day):
 * the engine never reads a registry, so a replay with the same layouts gives
 * the same result.
 */
export interface EngineContext {
  config: RulesConfig;
  /** The rules to run, in order (default: RULES, the registry). A seam for tests (a rule that throws). */
  rules?: readonly RuleModule[];
}

/** evaluate(): the layout of the reading's community (undefined when the registry does not know it). */
export interface EvaluateContext extends EngineContext {
  layout: CommunityLayout | undefined;
}

/** tick() and rebuildState(): the layouts of the communities they touch, by community id. */
export interface LayoutsContext extends EngineContext {
  layouts: ReadonlyMap<string, CommunityLayout>;
  /** Communities tick() watches besides those that have sent readings (devices never heard are silent too). */
  communityIds?: readonly string[];
}

export interface Step {
  state: RulesState;
  outcomes: Outcome[];
}

/** Alarms the engine also clears; it remembers which it opened so it clears each once. */
const CLEARABLE: ReadonlySet<RuleId> = new Set(['gate-staffed', 'contractors', 'venues-closed', 'broadcast', 'device-health']);

export const timeZoneOf = (layout: CommunityLayout | undefined, config: RulesConfig): string => layout?.timeZone ?? config.defaultTimeZone;

function ruleContext(communityId: string, layout: CommunityLayout | undefined, cs: CommunityState, ctx: EngineContext): RuleContext {
  return {
    communityId,
    layout,
    config: ctx.config,
    timeZone: timeZoneOf(layout, ctx.config),
    cs,
    isOpen: (rule, subject) => alarmKey(rule, subject) in cs.open,
  };
}

/** Remember opened / cleared alarms; drop clears of alarms not open. */
function track(cs: CommunityState, outcomes: Outcome[]): { cs: CommunityState; outcomes: Outcome[] } {
  if (!outcomes.some((o) => CLEARABLE.has(o.rule))) return { cs, outcomes };
  const open = cs.open;
  const kept = outcomes.filter((o) => {
    const key = alarmKey(o.rule, o.subject);
    if (o.type === 'clear') return key in open && delete open[key];
    if (CLEARABLE.has(o.rule)) open[key] = { rule: o.rule, subject: o.subject, eventTime: o.eventTime };
    return true;
  });
  return { cs, outcomes: kept };
}

/** The engine owns its state and updates it in place (see state.ts). */
function withCommunity(state: RulesState, id: string, cs: CommunityState): RulesState {
  state.communities[id] = cs;
  return state;
}

/**
 * Take one journal reading. A reading from the future of its own reception (the adapter should
 * have dead-lettered it) and duplicates change nothing and raise nothing. A late one is taken:
 * how late a reading may come is the admission's policy (live MQTT has a window, a deliberate
 * backfill has none), and what the journal holds is the record the rules replay.
 */
export function evaluate(state: RulesState, input: ReadingInput, ctx: EvaluateContext): Step {
  if (classifyTiming(input.eventTime, input.receivedAt, ctx.config) === 'from_future') return { state, outcomes: [] };
  const { cs, duplicate } = recordReading(state.communities[input.communityId] ?? emptyCommunity(), input);
  if (duplicate) return { state: withCommunity(state, input.communityId, cs), outcomes: [] };
  const rc: ReadingContext = { ...ruleContext(input.communityId, ctx.layout, cs, ctx), input };
  // Conditions due in event time up to this reading first (watermark.ts), so it can clear them.
  const due = track(cs, advanceWatermark(cs, input, rc, ctx.rules ?? RULES)).outcomes;
  // A loop, not flatMap: this runs for every reading, and most rules return nothing.
  const raw: Outcome[] = [];
  for (const r of ctx.rules ?? RULES) {
    const out = r.onReading?.(rc);
    if (out !== undefined && out.length > 0) raw.push(...out);
  }
  const tracked = track(cs, raw);
  return { state: withCommunity(state, input.communityId, tracked.cs), outcomes: due.length > 0 ? [...due, ...tracked.outcomes] : tracked.outcomes };
}

/**
 * Time passes on the service clock: silent devices, unstaffed gates, stopped broadcasts whose
 * due point (in event time, as watermark.ts uses) is at or before nowMs; old readings are pruned.
 */
export function tick(state: RulesState, nowMs: number, ctx: LayoutsContext): Step {
  let next = state;
  const outcomes: Outcome[] = [];
  const ids = [...new Set([...Object.keys(state.communities), ...(ctx.communityIds ?? [])])].sort();
  for (const id of ids) {
    let cs = next.communities[id] ?? emptyCommunity();
    if (cs.watchSince === null) cs.watchSince = nowMs;
    cs = prune(cs, nowMs - ctx.config.retainDays * DAY_MS);
    const tc = { ...ruleContext(id, ctx.layouts.get(id), cs, ctx), nowMs, eventNowMs: eventNow(cs, nowMs), eventNowOf: (d: string) => eventNowOf(cs, d, nowMs) };
    const tracked = track(cs, (ctx.rules ?? RULES).flatMap((r) => r.onTick?.(tc) ?? []));
    outcomes.push(...tracked.outcomes);
    next = withCommunity(next, id, tracked.cs);
  }
  return { state: next, outcomes };
}

const ruleOrder = new Map(RULE_IDS.map((r, i) => [r, i]));

/**
 * The facts of one local day of a community, as of asOfMs (the window judged
 * is [day start, min(day end, asOf))): one per rule and place (FIGURES).
 * The same set of readings gives the same facts whatever order they came in.
 */
export function dailyFacts(state: RulesState, layout: CommunityLayout, day: string, asOfMs: number, ctx: EngineContext): DailyFact[] {
  const cs = state.communities[layout.communityId] ?? emptyCommunity();
  const bounds = dayBounds(day, timeZoneOf(layout, ctx.config));
  const view = buildDayView(cs, layout, day, bounds, asOfMs, ctx.config);
  return (ctx.rules ?? RULES).flatMap((r) => r.facts(view)).sort(
    (a, b) => (ruleOrder.get(a.rule) ?? 0) - (ruleOrder.get(b.rule) ?? 0) || (a.place < b.place ? -1 : a.place > b.place ? 1 : 0),
  );
}

/** The state as JSON, for a restart without a journal replay. */
export function serializeState(state: RulesState): string {
  return JSON.stringify(state);
}

export function restoreState(json: string): RulesState {
  const parsed = JSON.parse(json) as Partial<RulesState>;
  // Version 2: compact temperature rows (state.ts). A version 1 state is not read: rebuild it from the journal.
  if (parsed.version !== 2 || typeof parsed.communities !== 'object' || parsed.communities === null) {
    throw new Error('not a rules engine state (version 2)');
  }
  return parsed as RulesState;
}

/**
 * Rebuild the state by replaying journal readings in id order (the other
 * restart path). Outcomes are dropped: the alarms store already has them.
 * Replay at least retainDays of readings so carried-in state (shifts, doors) is there.
 * Each reading is evaluated with its community's layout from `ctx.layouts`.
 */
export function rebuildState(readings: Iterable<ReadingInput>, ctx: LayoutsContext): RulesState {
  let state = createInitialState();
  const perCommunity = new Map<string, EvaluateContext>();
  for (const r of readings) {
    let rc = perCommunity.get(r.communityId);
    if (!rc) perCommunity.set(r.communityId, (rc = { ...ctx, layout: ctx.layouts.get(r.communityId) }));
    state = evaluate(state, r, rc).state;
  }
  return state;
}

export { createInitialState };
