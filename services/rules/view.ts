/**
 * A read-only view of one community's readings for one local day, as of an
 * instant: what every rule's facts() works from. Built fresh on each call
 * from the stored sets, sorted by (eventTime, readingId), so the result does
 * not depend on the order readings arrived in.
 */
import { english, msg } from '../i18n/index.js';
import type { MessageKind } from '../../schemas/src/device-messages.js';
import type { RulesConfig } from './config.js';
import { coverageOf, isCut } from './coverage.js';
import type { DailyFact, FactStatus, RuleId } from './facts.js';
import { clip, total, union, type Interval } from './intervals.js';
import type { CommunityLayout } from './layout.js';
import { collect, heardTimes, senders, type CommunityState, type StoredOf, type StoredReading } from './state.js';
import { DAY_MS, MINUTE_MS, toMinutes } from '../time/durations.js';

export interface DayView {
  communityId: string;
  day: string;
  layout: CommunityLayout;
  config: RulesConfig;
  dayStart: number;
  dayEnd: number;
  /** The window judged: [dayStart, end), end = min(dayEnd, asOf). */
  end: number;
  asOf: number;
  /**
   * Every retained reading up to a day after the day ends (sessions are
   * reported when they end), sorted; temperature readings only from
   * [dayStart - deviceSilence, end): no rule reads them outside it (they
   * carry no state into the day), and on a busy day they are most readings.
   */
  all: readonly StoredReading[];
  of<K extends MessageKind>(kind: K): StoredOf<K>[];
  /** Devices that sent a reading of the kind, on any retained day up to a day after the day ends, sorted. */
  senders(kind: MessageKind): string[];
  /** Union of the times any of the devices was reporting, clipped to the window. */
  coverage(deviceIds: readonly string[]): Interval[];
  /** Minutes of the window in which none of the devices was reporting. */
  noDataMinutes(deviceIds: readonly string[]): number;
  inWindow(ms: number): boolean;
  windowMs: number;
  /** A fact; its summary is the message `fact.<rule>` with the place, the day, the figures and `extra` as parameters. */
  fact(rule: RuleId, place: string, status: FactStatus, figures: Record<string, number>, ids: Iterable<number>, extra?: Record<string, number>): DailyFact;
}

export function buildDayView(
  cs: CommunityState,
  layout: CommunityLayout,
  day: string,
  bounds: [number, number],
  asOf: number,
  config: RulesConfig,
): DayView {
  const [dayStart, dayEnd] = bounds;
  const end = Math.max(dayStart, Math.min(dayEnd, asOf));
  const silenceMs = config.deviceSilenceMinutes * MINUTE_MS;
  // Everything retained before the day too: shifts, doors and broadcasts carry their state into it.
  const all = collect(cs, -Infinity, dayEnd + DAY_MS, undefined, { temperaturesIn: [dayStart - silenceMs, end] });
  const byKind = new Map<MessageKind, StoredReading[]>();
  const byDevice = new Map<string, StoredReading[]>();
  for (const r of all) {
    const list = byKind.get(r.kind);
    if (list) list.push(r);
    else byKind.set(r.kind, [r]);
    const own = byDevice.get(r.deviceId);
    if (own) own.push(r);
    else byDevice.set(r.deviceId, [r]);
  }

  const cover = new Map<string, Interval[]>();
  const deviceCoverage = (id: string): Interval[] => {
    let c = cover.get(id);
    if (c) return c;
    // Per device, not a scan of `all` per device (that was devices x readings on busy days).
    const own = (byDevice.get(id) ?? []).filter((r) => r.eventTime >= dayStart - silenceMs && r.eventTime < end);
    const heard = [...heardTimes(cs, id, dayStart - silenceMs, end), ...own.filter((r) => !isCut(r)).map((r) => r.eventTime)];
    const cuts = own.filter(isCut).map((r) => r.eventTime);
    c = clip(coverageOf(heard.sort((a, b) => a - b), cuts, silenceMs), dayStart, end);
    cover.set(id, c);
    return c;
  };
  const coverage = (ids: readonly string[]) => union(ids.flatMap(deviceCoverage));

  return {
    communityId: layout.communityId,
    day,
    layout,
    config,
    dayStart,
    dayEnd,
    end,
    asOf,
    all,
    of: <K extends MessageKind>(kind: K) => (byKind.get(kind) ?? []) as StoredOf<K>[],
    senders: (kind) => senders(cs, kind, -Infinity, dayEnd + DAY_MS),
    coverage,
    noDataMinutes: (ids) => toMinutes(end - dayStart - total(coverage(ids))),
    inWindow: (ms) => ms >= dayStart && ms < end,
    windowMs: end - dayStart,
    fact: (rule, place, status, figures, ids, extra = {}) => {
      const summaryMessage = msg(`fact.${rule}`, { place, day, ...figures, ...extra });
      return {
        communityId: layout.communityId,
        day,
        rule,
        place,
        status,
        figures,
        summaryMessage,
        summary: english(summaryMessage),
        readingIds: [...new Set(ids)].sort((a, b) => a - b),
      };
    },
  };
}

/** Devices of the layout at a location, plus any device that sent matching readings. */
export function relevantDevices(fixed: readonly string[], senders: Iterable<{ deviceId: string }>): string[] {
  const set = new Set(fixed);
  for (const r of senders) set.add(r.deviceId);
  return [...set].sort();
}

/** Sorted union of ids. */
export function placesOf(fixed: readonly string[], seen: Iterable<string>): string[] {
  return [...new Set([...fixed, ...seen])].sort();
}
