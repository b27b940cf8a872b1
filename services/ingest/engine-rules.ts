/**
 * The rules port backed by the pure engine (services/rules). It holds the
 * engine's state between calls, resolves each community's layout from the
 * registry (the engine is given layouts, it never reads the registry),
 * remembers which (community, local day) a reading touched so the facts of
 * that day are recomputed, and rebuilds its state from the journal at start
 * (the state after a restart equals the state without one).
 *
 * The state holds the last `retainDays` of event time (older readings are
 * pruned on tick). A reading older than that (a backfill, a long lateness
 * window) is not evaluated into it: it would raise alarms nobody can act on
 * and be pruned again at the next tick. Its day is marked dirty instead, and
 * the facts of such a day are computed from the journal, from a state
 * rebuilt for that day alone: the journal is the record, the state a cache of
 * its recent part.
 *
 * Layout versions (reproducible recomputes): every layout carries a version,
 * a content hash (store/layout-versions-repo.ts); the facts of a day record the
 * version they were computed with, and its snapshot is stored. A day still
 * open (today) is computed with the current registry. A closed day that is
 * recomputed (a late reading) uses the layout recorded on its facts, the one in
 * force when it closed, so today's registry does not rewrite its past. A
 * backfill (an admin's import or re-admission, after fixing the registry) is the
 * deliberate exception: the days it touches are recomputed with the current
 * layout (`withCurrentLayout`), which their facts then record. Facts written
 * before layout versions existed (layout_version NULL) take the current layout
 * at their next recompute, and record it from then on.
 *
 * A rule that throws (safe-replay.ts) never leaves memory and journal
 * disagreeing: the reading stays journaled, is flagged for re-evaluation, and
 * the community's state is rebuilt from the journal without the flagged
 * readings; `reevaluateFlagged()` takes them in after the fix.
 */
import {
  dailyFacts, evaluate, RULES, tick, timeZoneOf,
  type CommunityLayout, type DailyFact, type EngineContext, type EvaluateContext, type LayoutsContext, type ReadingInput, type RuleModule, type RulesConfig, type RulesState,
} from '../rules/index.js';
import type { Journal } from '../store/journal.js';
import type { FactsRepo } from '../store/facts-repo.js';
import type { LayoutVersionsRepo } from '../store/layout-versions-repo.js';
import { layoutVersionOf } from '../store/layout-versions-repo.js';
import type { RegistryRepo } from '../store/registry-repo.js';
import type { ReevaluationRepo } from '../store/reevaluation-repo.js';
import { DAY_MS } from '../time/durations.js';
import { dayBounds, localDay } from '../time/local-day.js';
import type { RuleOutcome, RulesPort } from './rules-port.js';
import type { FactsJob } from './facts-thread.js';
import { createSafeReplay, journalReadings, toInput, type RuleFailure } from './safe-replay.js';

export type { RuleFailure } from './safe-replay.js';

type Staff = CommunityLayout['staff'][number];

export function layoutFromRegistry(registry: RegistryRepo, communityId: string): CommunityLayout | undefined {
  const community = registry.getCommunity(communityId);
  if (!community) return undefined;
  const layout: CommunityLayout = {
    communityId,
    timeZone: community.timeZone,
    gates: registry.gates(communityId).map((g) => ({ id: g.id })),
    areas: registry.areas(communityId).map((a) => ({ id: a.id, kind: a.kind as CommunityLayout['areas'][number]['kind'] })),
    devices: registry.devices(communityId).map((d) => ({ id: d.id, kind: d.kind as CommunityLayout['devices'][number]['kind'], location: d.location })),
    // The store holds what StaffSpec validated, so the casts only restate it.
    staff: registry.staff(communityId).map(({ communityId: _c, role, duties, ...s }) => ({
      ...s,
      role: role as Staff['role'],
      ...(duties !== undefined && { duties: duties as NonNullable<Staff['duties']> }),
    })),
  };
  return { ...layout, version: layoutVersionOf(layout) };
}

/** A day's facts and the layout version they were computed with. */
export interface ComputedDay {
  facts: DailyFact[];
  layoutVersion: string;
}

/** A day's facts computed here, or what the facts thread needs to compute them; either with its layout version. */
export type DayInput = ({ job: FactsJob } | { facts: DailyFact[] }) & { layoutVersion: string };

export interface EngineRules extends RulesPort {
  /** (community, day) pairs touched since the last call, then forgotten; `current`: recompute with the current layout. */
  takeDirty(): { communityId: string; day: string; current?: boolean }[];
  /** A day's facts as of asOfMs: a closed day with the layout recorded on its facts, unless `current`. */
  factsFor(communityId: string, day: string, asOfMs: number, opts?: { current?: boolean }): ComputedDay | undefined;
  /**
   * The same day, to be computed elsewhere (the facts thread): what dailyFacts() reads, with the layout
   * version it stands for. A day older than the state holds (its readings come from the journal) or a
   * rule set other than the registry's (a test seam: functions do not cross threads) is computed here,
   * as factsFor() does. `job.community` is the live state: hand it to postMessage (which copies it) at once.
   */
  factsInput(communityId: string, day: string, asOfMs: number, opts?: { current?: boolean }): DayInput | undefined;
  communityIds(): string[];
  /** The communities the state holds (a community removed from the registry may still be there). */
  stateCommunityIds(): string[];
  dayOf(communityId: string, ms: number): string;
  /** The community's IANA zone (its layout's, else the rules config default): the one source of its local days. */
  zoneOf(communityId: string): string;
  /** Forget cached layouts (the registry changed). */
  refreshLayouts(): void;
  /** Runs fn (a backfill) so that the days its readings touch are recomputed with the current layout. */
  withCurrentLayout<T>(fn: () => T): T;
  /** Evaluates the flagged readings again (after a fix), in journal order; those that still throw stay flagged. */
  reevaluateFlagged(): { reevaluated: number; stillFailing: number; outcomes: RuleOutcome[] };
}

export interface EngineRulesDeps {
  config: RulesConfig;
  registry: RegistryRepo;
  journal: Journal;
  facts: FactsRepo;
  layoutVersions: LayoutVersionsRepo;
  reevaluation: ReevaluationRepo;
  now: () => number;
  /**
   * The last journal row the rules processor evaluated (rules-processor.ts): the state is built from,
   * and resynced to, the journal up to there, never from rows journaled since and not yet processed.
   */
  processedUpTo: () => number;
  /** The rules to run (default RULES): the seam a test uses to inject a rule that throws. */
  rules?: readonly RuleModule[];
  /** A reading a rule threw on was flagged (ingest counts and logs it). */
  onRuleFailure?: (failure: RuleFailure) => void;
  /** A rule threw in a community's tick: its time-driven outcomes of that tick are skipped (ingest counts and logs it). */
  onTickFailure?: (communityId: string, error: string) => void;
}

export function createEngineRules(deps: EngineRulesDeps): EngineRules {
  const base: EngineContext = { config: deps.config, rules: deps.rules ?? RULES };
  /** Each community's current layout and evaluate() context, built once per registry refresh (not per reading). */
  const contexts = new Map<string, EvaluateContext>();
  const contextOf = (id: string): EvaluateContext => {
    let c = contexts.get(id);
    if (!c) contexts.set(id, (c = { ...base, layout: layoutFromRegistry(deps.registry, id) }));
    return c;
  };
  const layoutOf = (id: string) => contextOf(id).layout;
  const dirty = new Map<string, { communityId: string; day: string; current?: boolean }>();
  let backfilling = 0;
  const zoneOf = (communityId: string) => timeZoneOf(layoutOf(communityId), deps.config);
  const dayOf = (communityId: string, ms: number) => localDay(ms, zoneOf(communityId));
  const markDirty = (communityId: string, ms: number) => {
    const day = dayOf(communityId, ms);
    const key = `${communityId}|${day}`;
    const current = backfilling > 0 || dirty.get(key)?.current === true;
    dirty.set(key, current ? { communityId, day, current } : { communityId, day });
  };

  const horizon = () => deps.now() - deps.config.retainDays * DAY_MS;
  const replay = createSafeReplay({ base, reevaluation: deps.reevaluation, now: deps.now, onFailure: (f) => deps.onRuleFailure?.(f) });
  /** A community's retained journal rows (id order), as engine inputs. */
  const retainedRows = (communityId: string) => {
    const upTo = deps.processedUpTo();
    return deps.journal.readingsOfCommunity(communityId, horizon(), Number.MAX_SAFE_INTEGER).filter((r) => r.id <= upTo).map(toInput);
  };
  let state: RulesState = replay.rebuild(journalReadings(deps.journal, horizon(), deps.processedUpTo()), layoutOf, retainedRows);

  /** After a rule threw on a reading: the community's state again as the journal has it, without the flagged readings. */
  function restoreCommunity(communityId: string): void {
    const cs = replay.community(retainedRows(communityId), layoutOf);
    if (cs) state.communities[communityId] = cs;
    else delete state.communities[communityId];
  }

  /** Evaluates one journaled reading into the state; a rule's throw flags it and restores the community. */
  function evaluateJournaled(input: ReadingInput): { outcomes: RuleOutcome[]; failed: boolean } {
    try {
      const step = evaluate(state, input, contextOf(input.communityId));
      state = step.state;
      return { outcomes: step.outcomes, failed: false };
    } catch (err) {
      replay.flag(input, err);
      restoreCommunity(input.communityId);
      return { outcomes: [], failed: true };
    }
  }

  /**
   * One community's tick, on a state holding it alone, so a rule that throws in
   * onTick costs that community's time-driven outcomes of this tick only: the
   * engine tracks opened alarms after every rule returned, so a throw leaves
   * nothing tracked; the community is then ticked again without rules, so it
   * is still watched (watchSince) and pruned.
   */
  function tickCommunity(id: string, now: number): RuleOutcome[] {
    const layout = layoutOf(id);
    const ctx = { ...base, communityIds: [id], layouts: new Map(layout ? [[id, layout]] : []) };
    const once = (rules: LayoutsContext['rules']) => {
      const cs = state.communities[id];
      const step = tick({ ...state, communities: cs ? { [id]: cs } : {} }, now, { ...ctx, rules });
      const { communities, ...rest } = step.state;
      Object.assign(state, rest);
      if (communities[id]) state.communities[id] = communities[id];
      return step.outcomes;
    };
    try {
      return once(base.rules);
    } catch (err) {
      deps.onTickFailure?.(id, err instanceof Error ? err.name : typeof err);
      // The same tick without rules: the community is still watched and pruned, no alarm is tracked.
      once([]);
      return [];
    }
  }

  /** The layout a day's facts are computed with (see the top of this file). */
  function layoutForDay(current: CommunityLayout, day: string, asOfMs: number, useCurrent: boolean): CommunityLayout {
    if (useCurrent) return current;
    const [, end] = dayBounds(day, timeZoneOf(current, deps.config));
    if (end > asOfMs) return current;
    const recorded = deps.facts.layoutVersionOf(current.communityId, day);
    if (typeof recorded !== 'string' || recorded === current.version) return current;
    return deps.layoutVersions.get<CommunityLayout>(current.communityId, recorded) ?? current;
  }

  /** A day's facts from a state rebuilt from the journal: its readings and the retained days before it (carried-in shifts, doors). */
  function factsFromJournal(layout: CommunityLayout, day: string, asOfMs: number): DailyFact[] {
    const [start, end] = dayBounds(day, timeZoneOf(layout, deps.config));
    const rows = deps.journal.readingsOfCommunity(layout.communityId, start - deps.config.retainDays * DAY_MS, end + DAY_MS);
    const inputs = rows.map(toInput);
    const dayState = replay.rebuild(inputs, () => layout, () => inputs);
    return dailyFacts(dayState, layout, day, asOfMs, base);
  }

  /** What a day's facts are computed from, or (not `elsewhere`, or only computable here) the facts themselves. */
  function dayInput(communityId: string, day: string, asOfMs: number, useCurrent: boolean, elsewhere: boolean): DayInput | undefined {
    const current = layoutOf(communityId);
    if (!current) return undefined;
    const layout = layoutForDay(current, day, asOfMs, useCurrent);
    const [start] = dayBounds(day, timeZoneOf(layout, deps.config));
    const inState = start >= horizon();
    // Stored here, outside any ingest transaction, so a version recorded on facts always has its snapshot.
    const { version: layoutVersion } = deps.layoutVersions.record(layout, deps.now());
    if (elsewhere && inState && deps.rules === undefined) {
      return { job: { community: state.communities[communityId], layout, day, asOf: asOfMs, config: deps.config }, layoutVersion };
    }
    return { facts: inState ? dailyFacts(state, layout, day, asOfMs, base) : factsFromJournal(layout, day, asOfMs), layoutVersion };
  }

  return {
    evaluate(input: ReadingInput): RuleOutcome[] {
      if (input.eventTime < horizon()) {
        markDirty(input.communityId, input.eventTime);
        return [];
      }
      const { outcomes } = evaluateJournaled(input);
      markDirty(input.communityId, input.eventTime);
      return outcomes;
    },
    tick(now: number): RuleOutcome[] {
      const ids = [...new Set([...deps.registry.listCommunities().map((c) => c.id), ...Object.keys(state.communities)])].sort();
      return ids.flatMap((id) => tickCommunity(id, now));
    },
    takeDirty() {
      const out = [...dirty.values()];
      dirty.clear();
      return out;
    },
    factsInput: (communityId, day, asOfMs, opts = {}) => dayInput(communityId, day, asOfMs, opts.current === true, true),
    factsFor(communityId, day, asOfMs, opts = {}) {
      const input = dayInput(communityId, day, asOfMs, opts.current === true, false);
      return input && 'facts' in input ? input : undefined;
    },
    communityIds: () => deps.registry.listCommunities().map((c) => c.id),
    stateCommunityIds: () => Object.keys(state.communities),
    dayOf,
    zoneOf,
    refreshLayouts: () => contexts.clear(),
    resync: restoreCommunity,
    withCurrentLayout<T>(fn: () => T): T {
      backfilling++;
      try {
        return fn();
      } finally {
        backfilling--;
      }
    },
    reevaluateFlagged() {
      const flags = deps.reevaluation.list();
      const outcomes: RuleOutcome[] = [];
      let reevaluated = 0;
      let stillFailing = 0;
      for (const f of flags) {
        const row = deps.journal.readingById(f.readingId);
        if (!row) {
          deps.reevaluation.unflag(f.readingId);
          continue;
        }
        const input = toInput(row);
        markDirty(input.communityId, input.eventTime);
        // Older than the state holds: its day is recomputed from the journal (where a new throw flags it again).
        if (input.eventTime < horizon()) {
          deps.reevaluation.unflag(f.readingId);
          reevaluated++;
          continue;
        }
        // Still flagged while evaluated: if a rule throws again, the restore leaves it out and the flag keeps its first time.
        const result = evaluateJournaled(input);
        if (result.failed) {
          stillFailing++;
          continue;
        }
        deps.reevaluation.unflag(f.readingId);
        reevaluated++;
        outcomes.push(...result.outcomes);
      }
      return { reevaluated, stillFailing, outcomes };
    },
  };
}
