/**
 * The rules port backed by the pure engine (services/rules). It holds the
 * engine's state between calls, builds each community's layout from the
 * registry, remembers which (community, local day) a reading touched so the
 * facts of that day are recomputed, and rebuilds its state from the journal
 * at start (the state after a restart equals the state without one).
 *
 * The state holds the last `retainDays` of event time (older readings are
 * pruned on tick). A reading older than that (a backfill, a long lateness
 * window) is not evaluated into it: it would raise alarms nobody can act on
 * and be pruned again at the next tick. Its day is marked dirty instead, and
 * the facts of such a day are computed from the journal, from a state
 * rebuilt for that day alone: the journal is the record, the state a cache of
 * its recent part.
 */
import {
  dailyFacts, evaluate, rebuildState, tick, timeZoneOf,
  type CommunityLayout, type DailyFact, type EngineContext, type ReadingInput, type RulesConfig, type RulesState,
} from '../rules/index.js';
import type { DeviceMessage } from '../../schemas/src/device-messages.js';
import type { Journal, StoredReading } from '../store/journal.js';
import type { RegistryRepo } from '../store/registry-repo.js';
import { DAY_MS } from '../time/durations.js';
import { dayBounds, localDay } from '../time/local-day.js';
import type { RuleOutcome, RulesPort } from './rules-port.js';


type Staff = CommunityLayout['staff'][number];

export function layoutFromRegistry(registry: RegistryRepo, communityId: string): CommunityLayout | undefined {
  const community = registry.getCommunity(communityId);
  if (!community) return undefined;
  return {
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
}

export interface EngineRules extends RulesPort {
  /** (community, day) pairs touched since the last call, then forgotten. */
  takeDirty(): { communityId: string; day: string }[];
  factsFor(communityId: string, day: string, asOfMs: number): DailyFact[] | undefined;
  communityIds(): string[];
  dayOf(communityId: string, ms: number): string;
  /** The community's IANA zone (its layout's, else the rules config default): the one source of its local days. */
  zoneOf(communityId: string): string;
  /** Forget cached layouts (the registry changed). */
  refreshLayouts(): void;
}

export function createEngineRules(deps: { config: RulesConfig; registry: RegistryRepo; journal: Journal; now: () => number }): EngineRules {
  const layouts = new Map<string, CommunityLayout | undefined>();
  const layoutOf = (id: string) => {
    if (!layouts.has(id)) layouts.set(id, layoutFromRegistry(deps.registry, id));
    return layouts.get(id);
  };
  const ctx: EngineContext = {
    config: deps.config,
    layoutOf,
    get communityIds() {
      return deps.registry.listCommunities().map((c) => c.id);
    },
  };
  const dirty = new Map<string, { communityId: string; day: string }>();
  const zoneOf = (communityId: string) => timeZoneOf(layoutOf(communityId), deps.config);
  const dayOf = (communityId: string, ms: number) => localDay(ms, zoneOf(communityId));
  const markDirty = (communityId: string, ms: number) => {
    const day = dayOf(communityId, ms);
    dirty.set(`${communityId}|${day}`, { communityId, day });
  };

  const horizon = () => deps.now() - deps.config.retainDays * DAY_MS;
  let state: RulesState = rebuildState(journalReadings(deps.journal, horizon()), ctx);

  /** A day's facts from a state rebuilt from the journal: its readings and the retained days before it (carried-in shifts, doors). */
  function factsFromJournal(layout: CommunityLayout, day: string, asOfMs: number): DailyFact[] {
    const [start, end] = dayBounds(day, timeZoneOf(layout, deps.config));
    const rows = deps.journal.readingsOfCommunity(layout.communityId, start - deps.config.retainDays * DAY_MS, end + DAY_MS);
    const dayState = rebuildState(rows.map(toInput), { ...ctx, communityIds: [layout.communityId] });
    return dailyFacts(dayState, layout, day, asOfMs, ctx);
  }

  return {
    evaluate(input: ReadingInput): RuleOutcome[] {
      if (input.eventTime < horizon()) {
        markDirty(input.communityId, input.eventTime);
        return [];
      }
      const step = evaluate(state, input, ctx);
      state = step.state;
      markDirty(input.communityId, input.eventTime);
      return step.outcomes;
    },
    tick(now: number): RuleOutcome[] {
      const step = tick(state, now, ctx);
      state = step.state;
      return step.outcomes;
    },
    takeDirty() {
      const out = [...dirty.values()];
      dirty.clear();
      return out;
    },
    factsFor(communityId, day, asOfMs) {
      const layout = layoutOf(communityId);
      if (!layout) return undefined;
      const [start] = dayBounds(day, timeZoneOf(layout, deps.config));
      return start >= horizon() ? dailyFacts(state, layout, day, asOfMs, ctx) : factsFromJournal(layout, day, asOfMs);
    },
    communityIds: () => deps.registry.listCommunities().map((c) => c.id),
    dayOf,
    zoneOf,
    refreshLayouts: () => layouts.clear(),
  };
}

/** Journal readings with event time from `sinceMs`, in id order, as engine inputs. */
function* journalReadings(journal: Journal, sinceMs: number): Generator<ReadingInput> {
  let after = 0;
  for (;;) {
    const page = journal.readingsSince(after, 5000);
    if (page.length === 0) return;
    for (const r of page) {
      after = r.id;
      if (r.eventTime < sinceMs) continue;
      yield toInput(r);
    }
  }
}

function toInput(r: StoredReading): ReadingInput {
  return { kind: r.kind, communityId: r.communityId, deviceId: r.deviceId, payload: r.payload, readingId: r.id, eventTime: r.eventTime, receivedAt: r.receivedAt } as DeviceMessage as ReadingInput;
}
