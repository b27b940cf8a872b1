/**
 * The time-driven alarms of a backfilled window (README "Backfill", services/rules/README.md
 * "Time-driven alarms"). Live, a device's silence, a gate's unstaffed hour and a stopped
 * broadcast fall due as the device's watermark or the timer passes them. A backfill of a past day
 * for devices that have reported since arrives below their watermarks (history, not judged), and
 * one older than `retainDays` is not evaluated by the rules at all (engine-rules.ts): so live
 * data of that day would have raised alarms the import does not.
 *
 * After a backfill committed its readings, each affected community's journal is replayed in a
 * scratch rules state (never the live one) from a day before the imported window (so shifts and
 * broadcasts carry in) to now, in event-time order, each reading with receivedAt = eventTime (as
 * if taken live), then ticked at now. The time-driven episodes whose alarm falls due inside the
 * window are recorded as live data would have left them: opened at the due point, resolved by
 * `system` at the event time the condition ended (or still open, if it has not). An episode the
 * store has already (same rule, subject and first event time: raised live, or by an earlier
 * import) is skipped, and so is a still-open one whose subject has an active alarm already.
 *
 * Notifications: an episode recorded already resolved is history; it must page nobody. It goes
 * to the in-commit participants as 'resolved' only (the alarm webhook sends 'opened' alone, the
 * InfluxDB projection records the resolution); one still open is a condition in force now and
 * goes as 'opened', as live. Each system resolution is audited like the pipeline's.
 */
import { createInitialState, evaluate, tick, type Outcome, type RuleModule, type RulesConfig, type RulesState } from '../rules/index.js';
import type { Db } from '../store/db.js';
import type { Journal } from '../store/journal.js';
import type { AlarmsRepo, PastEpisode } from '../store/alarms-repo.js';
import type { AuditRepo } from '../store/audit-repo.js';
import type { RegistryRepo } from '../store/registry-repo.js';
import type { Alarm } from '../domain/alarm.js';
import { alarmToBody } from '../alarms/alarm-body.js';
import type { EventBus, InCommit } from '../events.js';
import { DAY_MS } from '../time/durations.js';
import { layoutFromRegistry } from './engine-rules.js';
import { SYSTEM_ACTOR } from './pipeline.js';
import { toInput } from './safe-replay.js';

/** The rules whose alarms are conditions of time passing (watermark.ts). */
export const TIME_DRIVEN_RULES: ReadonlySet<string> = new Set(['device-health', 'gate-staffed', 'broadcast']);

/** How much journal before the window is replayed, so the state the window starts in (a shift, a broadcast) carries in. */
const LEAD_IN_MS = DAY_MS;

/** The event-time span of a backfill's accepted readings in one community (inclusive). */
export interface BackfillWindow {
  from: number;
  to: number;
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
  /** A rule threw during the replay: that community's window is not re-judged. */
  onFailure?: (communityId: string, error: string) => void;
}

type Episode = Omit<PastEpisode, 'resolvedBy' | 'resolveNote'>;

/** The time-driven episodes of a replay's outcomes (in event-time order), one per (rule, subject) run from alarm to clear. */
function episodesOf(outcomes: readonly Outcome[]): Episode[] {
  const open = new Map<string, Episode>();
  const done: Episode[] = [];
  for (const o of outcomes) {
    if (!TIME_DRIVEN_RULES.has(o.rule)) continue;
    const key = `${o.rule}|${o.subject}`;
    const e = open.get(key);
    if (o.type === 'clear') {
      if (e) done.push({ ...e, resolvedAt: o.eventTime });
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
  return [...done, ...open.values()];
}

export function createBackfillAlarms(deps: BackfillAlarmsDeps) {
  /** The community's journal from the lead-in to now, replayed as if live, in a state of its own. */
  function replay(communityId: string, window: BackfillWindow): Outcome[] {
    const layout = layoutFromRegistry(deps.registry, communityId);
    const ctx = { config: deps.config, rules: deps.rules, layout };
    const inputs = deps.journal
      .readingsOfCommunity(communityId, window.from - LEAD_IN_MS, Number.MAX_SAFE_INTEGER)
      .map((r) => ({ ...toInput(r), receivedAt: r.eventTime }))
      .sort((a, b) => a.eventTime - b.eventTime || a.readingId - b.readingId);
    let state: RulesState = createInitialState();
    const outcomes: Outcome[] = [];
    for (const input of inputs) {
      const step = evaluate(state, input, ctx);
      state = step.state;
      outcomes.push(...step.outcomes);
    }
    // The timer at now: a silence that no later reading shows (the device has not reported since).
    const end = tick(state, deps.now(), { config: deps.config, rules: deps.rules, communityIds: [communityId], layouts: new Map(layout ? [[communityId, layout]] : []) });
    outcomes.push(...end.outcomes);
    return outcomes;
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
      if (deps.alarms.hasEpisode(communityId, e.rule, e.subject, e.eventTime)) continue;
      // At most one active alarm per subject: a live one stands for a condition still in force.
      if (e.resolvedAt === null && deps.alarms.hasActive(communityId, e.rule, e.subject)) continue;
      const alarm = deps.alarms.recordPast({ ...e, resolvedBy: SYSTEM_ACTOR, resolveNote: 'condition ended' });
      if (alarm.status === 'resolved') auditResolution(alarm);
      deps.inCommit.dispatch('alarm.changed', alarm, alarm.status === 'resolved' ? 'resolved' : 'opened');
      recorded.push(alarm);
    }
    return recorded;
  }

  return {
    /** Re-judges each community's window and records the episodes missing; returns how many were recorded. */
    judge(windows: ReadonlyMap<string, BackfillWindow>): number {
      let count = 0;
      for (const [communityId, window] of [...windows].sort(([a], [b]) => a.localeCompare(b))) {
        let episodes: Episode[];
        try {
          episodes = episodesOf(replay(communityId, window)).filter((e) => e.eventTime >= window.from && e.eventTime <= window.to);
        } catch (err) {
          // A rule's throw is flagged on the live path (safe-replay.ts); here it costs this window's re-judging only.
          deps.onFailure?.(communityId, err instanceof Error ? err.name : typeof err);
          continue;
        }
        const recorded = deps.db.transaction(() => record(communityId, episodes.sort((a, b) => a.eventTime - b.eventTime)))();
        for (const a of recorded) deps.bus.emit('alarm.created', a);
        count += recorded.length;
      }
      return count;
    },
  };
}

export type BackfillAlarms = ReturnType<typeof createBackfillAlarms>;
