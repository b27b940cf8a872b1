/**
 * A simulation plan: which communities, which scenario each plays, on which
 * day; and the merged, time-ordered message list. Pure given its inputs.
 */
import { addDays, localDayOf } from './clock.js';
import { buildCommunity, type SimCommunity } from './community.js';
import type { SimMessage } from './messages.js';
import { SCENARIO_NAMES, scenarioByName } from './scenarios/index.js';

export interface Plan {
  day: string;
  seed: number;
  communities: { community: SimCommunity; scenario: string }[];
}

/** "all" cycles through every scenario; otherwise a comma list, cycled over the communities. */
export function parseScenarioList(spec: string): string[] {
  const names = spec === 'all' ? SCENARIO_NAMES : spec.split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of names) scenarioByName(n);
  if (names.length === 0) throw new Error('no scenario given');
  return names;
}

export function makePlan(opts: { communities: number; scenarios: string[]; day: string; seed: number; prefix?: string; timeZone?: string }): Plan {
  if (!Number.isInteger(opts.communities) || opts.communities < 1 || opts.communities > 500) throw new Error('communities must be 1..500');
  return {
    day: opts.day,
    seed: opts.seed,
    communities: Array.from({ length: opts.communities }, (_, i) => ({
      community: buildCommunity(i + 1, opts.prefix, opts.timeZone),
      scenario: opts.scenarios[i % opts.scenarios.length]!,
    })),
  };
}

/** Every community's scenario, merged by send time (stable: community order breaks ties). */
export function planMessages(plan: Plan): SimMessage[] {
  const all = plan.communities.flatMap(({ community, scenario }) =>
    scenarioByName(scenario)({ seed: plan.seed, day: plan.day, timeZone: community.timeZone, community }),
  );
  return all.map((m, i) => [m, i] as const).sort((a, b) => a[0].at - b[0].at || a[1] - b[1]).map(([m]) => m);
}

/** "today", "yesterday" or YYYY-MM-DD, in the time zone, as of nowMs (the CLI's clock, never a scenario's). */
export function resolveDay(spec: string, timeZone: string, nowMs: number): string {
  const today = localDayOf(nowMs, timeZone);
  if (spec === 'today') return today;
  if (spec === 'yesterday') return addDays(today, -1);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(spec)) throw new Error(`--day must be today, yesterday or YYYY-MM-DD, not "${spec}"`);
  return spec;
}
