/**
 * The time-driven alarms of the days a backfill touched (README "Backfill", services/rules/README.md
 * "Time-driven alarms"). Live, a device's silence, a gate's unstaffed hour and a stopped
 * broadcast fall due as the device's watermark or the timer passes them. A backfill of a past day
 * for devices that have reported since arrives below their watermarks (history, not judged), and
 * one older than `retainDays` is not evaluated by the rules at all (engine-rules.ts): so live
 * data of that day would have raised alarms the import does not.
 *
 * After a backfill committed its readings, each affected community's journal is replayed in a
 * scratch rules state (never the live one) from a day before the first local day it touched (so
 * shifts and broadcasts carry in), in event-time order, each reading with receivedAt = eventTime
 * (as if taken live), ticked as the live timer would have, until those days' episodes ended (at
 * most to now: replay() below). The days are whole local days, not the span of the readings: a
 * recorded day whose device stops at 22:00 has its silence due at 22:15 in it. The time-driven
 * episodes whose alarm falls due in one of those days are recorded as live data would have left
 * them: opened at the due point, resolved by `system` at the event time the condition ended. An
 * episode the store has already (same rule, subject and first event time: raised live, or by an
 * earlier import) is skipped. An episode still in force at now is not recorded: it is a condition
 * of the present, which the live engine alarms (its timer; a device it never heard is silent from
 * when it began watching), and the store keeps one active alarm per subject.
 *
 * Notifications: a recorded episode is history, already resolved; it must page nobody. It goes to
 * the in-commit participants as 'resolved' only (the alarm webhook sends openings alone; the
 * InfluxDB projection records the resolution, not an opening). Each resolution is audited like
 * the pipeline's system resolutions.
 */
import { createInitialState, evaluate, tick, timeZoneOf, type Outcome, type RuleModule, type RulesConfig, type RulesState } from '../rules/index.js';
import type { Db } from '../store/db.js';
import type { Journal } from '../store/journal.js';
import type { AlarmsRepo, PastEpisode } from '../store/alarms-repo.js';
import type { AuditRepo } from '../store/audit-repo.js';
import type { RegistryRepo } from '../store/registry-repo.js';
import type { Alarm } from '../domain/alarm.js';
import { alarmToBody } from '../alarms/alarm-body.js';
import type { EventBus, InCommit } from '../events.js';
import { DAY_MS } from '../time/durations.js';
import { dayBounds } from '../time/local-day.js';
import { layoutFromRegistry } from './engine-rules.js';
import { SYSTEM_ACTOR } from './alarm-outcomes.js';
import { toInput } from './safe-replay.js';

/** The rules whose alarms are conditions of time passing (watermark.ts). */
export const TIME_DRIVEN_RULES: ReadonlySet<string> = new Set(['device-health', 'gate-staffed', 'broadcast']);

/** How much journal before the first touched day is replayed, so the state the window starts in (a shift, a broadcast) carries in. */
const LEAD_IN_MS = DAY_MS;

/** The local days a backfill touched in one community, as [start, end) in its zone, and their whole span. */
interface BackfillWindow {
  from: number;
  to: number;
  days: readonly (readonly [number, number])[];
}

export interface BackfillAlarmsDeps {
  db: Db;
  journal: Journal;
  alarms: AlarmsRepo;
  audit: AuditRepo;
  registry: RegistryRepo;
  config: RulesConfig;
  rules: readonly RuleModule[];
  inCommit: InCommit;
  bus: EventBus;
  now: () => number;
  /** A rule threw during the replay: that community's days are not re-judged. */
  onFailure?: (communityId: string, error: string) => void;
}

type Episode = Omit<PastEpisode, 'resolvedBy' | 'resolveNote'>;

/** The time-driven episodes of a replay's outcomes (taken in event-time order), one per (rule, subject) run from alarm to clear. */
function episodeTracker(window: BackfillWindow) {
  const open = new Map<string, Episode>();
  const done: Episode[] = [];
  const inWindow = (e: Episode) => window.days.some(([start, end]) => e.eventTime >= start && e.eventTime < end);
  return {
    take(outcomes: readonly Outcome[]): void {
      for (const o of outcomes) {
        if (!TIME_DRIVEN_RULES.has(o.rule)) continue;
        const key = `${o.rule}|${o.subject}`;
        const e = open.get(key);
        if (o.type === 'clear') {
          if (e && inWindow(e)) done.push({ ...e, resolvedAt: o.eventTime });
          open.delete(key);
        } else if (e) {
          e.occurrences++;
          e.lastEventTime = Math.max(e.lastEventTime, o.eventTime);
          e.readingIds.push(...o.readingIds);
        } else {
          const { type: _t, ...alarm } = o;
          open.set(key, { ...alarm, readingIds: [...o.readingIds], lastEventTime: o.eventTime, occurrences: 1, resolvedAt: null });
        }
      }
    },
    /** Is an episode of the touched days still in force (its end not replayed yet)? */
    pending: (): boolean => [...open.values()].some(inWindow),
    /** The touched days' episodes, in due-point order. */
    episodes: (): Episode[] => [...done, ...[...open.values()].filter(inWindow)].sort((a, b) => a.eventTime - b.eventTime),
  };
}

export function createBackfillAlarms(deps: BackfillAlarmsDeps) {
  /**
   * The community's journal replayed as if live, in a state of its own: from the lead-in to the
   * end of the last touched day, ticked there (a silence no later reading of the day shows), then a
   * day at a time, each ticked at its end as the live timer would have, only while an episode of
   * the touched days is still in force and until now. So an episode is seen to its end, and the replay of a day
   * whose episodes all ended reads about two days of journal, not everything since; the ticks
   * also prune the scratch state to `retainDays`, as live.
   */
  function replay(communityId: string, window: BackfillWindow): Episode[] {
    const layout = layoutFromRegistry(deps.registry, communityId);
    const ctx = { config: deps.config, rules: deps.rules, layout };
    const tickCtx = { ...ctx, communityIds: [communityId], layouts: new Map(layout ? [[communityId, layout]] : []) };
    const tracker = episodeTracker(window);
    let state: RulesState = createInitialState();
    /** Readings of [from, to), then the timer at tickAt. */
    const run = (from: number, to: number, tickAt = to) => {
      const inputs = deps.journal
        .readingsOfCommunity(communityId, from, to)
        .map((r) => ({ ...toInput(r), receivedAt: r.eventTime }))
        .sort((a, b) => a.eventTime - b.eventTime || a.readingId - b.readingId);
      for (const input of inputs) {
        const step = evaluate(state, input, ctx);
        state = step.state;
        tracker.take(step.outcomes);
      }
      const step = tick(state, tickAt, tickCtx);
      state = step.state;
      tracker.take(step.outcomes);
    };
    const now = deps.now();
    // Today's end is ahead of the clock: its readings, then the timer at now.
    let at = Math.min(window.to, now);
    run(window.from - LEAD_IN_MS, window.to, at);
    while (tracker.pending() && at < now) {
      const next = Math.min(at + DAY_MS, now);
      run(at, next);
      at = next;
    }
    return tracker.episodes();
  }

  /** Audited like the pipeline's system resolution (same action, before and after as the API shows them). */
  function auditResolution(after: Alarm): void {
    const before: Alarm = { ...after, status: 'open', resolvedAt: null, resolvedBy: null, resolveNote: null };
    deps.audit.record(
      { actor: SYSTEM_ACTOR, action: 'alarm.resolve', objectType: 'alarm', objectId: after.id, communityId: after.communityId, before: alarmToBody(before), after: alarmToBody(after) },
      after.resolvedAt ?? deps.now(),
    );
  }

  function record(communityId: string, episodes: readonly Episode[]): Alarm[] {
    const recorded: Alarm[] = [];
    for (const e of episodes) {
      // Still in force: the live engine's (its timer alarms what is silent now), not history.
      if (e.resolvedAt === null || deps.alarms.hasEpisode(communityId, e.rule, e.subject, e.eventTime)) continue;
      const alarm = deps.alarms.recordPast({ ...e, resolvedBy: SYSTEM_ACTOR, resolveNote: 'condition ended' });
      auditResolution(alarm);
      // 'resolved' only, never 'opened': history pages nobody (the alarm webhook sends openings alone).
      deps.inCommit.dispatch('alarm.changed', alarm, 'resolved');
      recorded.push(alarm);
    }
    return recorded;
  }

  return {
    /** Re-judges the touched days of each community and records the episodes missing; returns how many were recorded. */
    judge(touched: readonly { communityId: string; day: string }[]): number {
      let count = 0;
      for (const communityId of [...new Set(touched.map((d) => d.communityId))].sort()) {
        let episodes: Episode[];
        try {
          const zone = timeZoneOf(layoutFromRegistry(deps.registry, communityId), deps.config);
          const days = touched.filter((d) => d.communityId === communityId).map((d) => dayBounds(d.day, zone));
          const window = { from: Math.min(...days.map((d) => d[0])), to: Math.max(...days.map((d) => d[1])), days };
          episodes = replay(communityId, window);
        } catch (err) {
          // A rule's throw is flagged on the live path (safe-replay.ts); here it costs this community's re-judging only.
          deps.onFailure?.(communityId, err instanceof Error ? err.name : typeof err);
          continue;
        }
        const recorded = deps.db.transaction(() => record(communityId, episodes))();
        for (const a of recorded) deps.bus.emit('alarm.created', a);
        count += recorded.length;
      }
      return count;
    },
  };
}

export type BackfillAlarms = ReturnType<typeof createBackfillAlarms>;
