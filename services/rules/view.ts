/**
 * A read-only view of one community's readings for one local day, as of an
 * instant: what every rule's facts() works from. Built fresh on each call
 * from the stored sets, sorted by (eventTime, readingId), so the result does
 * not depend on the order readings arrived in.
 */
import { formatMessage, msg } from '../i18n/index.js';
import type { MessageKind } from '../../schemas/src/device-messages.js';
import type { Message } from '../../schemas/src/message.js';
import type { RulesConfig } from './config.js';
import { coverageOf, isCut } from './coverage.js';
import { MAX_LISTED_SPANS, type DailyFact, type FactStatus, type RuleId } from './facts.js';
import { clip, total, union, type Interval } from './intervals.js';
import type { CommunityLayout } from './layout.js';
import { collect, heardTimes, senders, type CommunityState, type StoredOf, type StoredReading } from './state.js';
import { DAY_MS, MINUTE_MS, toMinutes } from '../time/durations.js';

/**
 * Unjudged time of one place (README "Partial silence"): the spans of the
 * judged window that no device of the place covered, and the verdict of the
 * covered part on its own ('none' when nothing was covered).
 */
export interface Unjudged {
  spans: readonly Interval[];
  covered: 'pass' | 'fail' | 'none';
}


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
  /**
   * A fact; its summary is the message `fact.<rule>` with the place, the day, the figures and `extra` as parameters.
   * With unjudged time, the figures gain its evidence (unjudgedFigures) and the summary is wrapped in
   * `fact.unjudged`, which names the unjudged hours and the covered part's verdict.
   */
  fact(
    rule: RuleId,
    place: string,
    status: FactStatus,
    figures: Record<string, number>,
    ids: Iterable<number>,
    extra?: Record<string, number>,
    unjudged?: Unjudged,
  ): DailyFact;
}

/**
 * The evidence figures of unjudged time, none when everything was covered:
 * noDataMinutes, unjudgedSpans (how many), unjudgedFrom<i> / unjudgedTo<i>
 * (minutes from the local day's start, rounded outwards, the first
 * MAX_LISTED_SPANS spans) and coveredPass (1 / 0; absent when nothing was covered).
 */
export function unjudgedFigures(dayStart: number, u: Unjudged | undefined): Record<string, number> {
  const spans = (u?.spans ?? []).filter(([s, e]) => e > s);
  if (!u || spans.length === 0) return {};
  const out: Record<string, number> = { noDataMinutes: toMinutes(total(spans)), unjudgedSpans: spans.length };
  spans.slice(0, MAX_LISTED_SPANS).forEach(([s, e], i) => {
    out[`unjudgedFrom${i + 1}`] = Math.floor((s - dayStart) / MINUTE_MS);
    out[`unjudgedTo${i + 1}`] = Math.ceil((e - dayStart) / MINUTE_MS);
  });
  if (u.covered !== 'none') out.coveredPass = u.covered === 'pass' ? 1 : 0;
  return out;
}

/** A span of clock time; one that runs to the end of the day ends at "24:00", not "00:00". */
export function spanMessage(from: number, to: number, dayEnd: number): Message {
  return to >= dayEnd ? msg('fact.spanToMidnight', { from }) : msg('fact.span', { from, to });
}

/** The summary of a fact with unjudged time: the rule's own summary, the unjudged hours, the covered part's verdict. */
function unjudgedSummary(summary: Message, u: Unjudged, dayEnd: number): Message {
  const spans = u.spans.filter(([s, e]) => e > s);
  return msg('fact.unjudged', {
    summary,
    spans: spans.slice(0, MAX_LISTED_SPANS).map(([from, to]) => spanMessage(from, to, dayEnd)),
    more: Math.max(0, spans.length - MAX_LISTED_SPANS),
    covered: u.covered,
  });
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
    fact: (rule, place, status, own, ids, extra = {}, unjudged = undefined) => {
      const figures = { ...own, ...unjudgedFigures(dayStart, unjudged) };
      const base = msg(`fact.${rule}`, { place, day, ...figures, ...extra });
      const summaryMessage = figures.unjudgedSpans && unjudged ? unjudgedSummary(base, unjudged, dayEnd) : base;
      return {
        communityId: layout.communityId,
        day,
        rule,
        place,
        status,
        figures,
        summaryMessage,
        // English in the community's zone: a summary may name clock times (the unjudged spans).
        summary: formatMessage('en', summaryMessage, layout.timeZone),
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
