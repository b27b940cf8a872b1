/** Small helpers the rule modules share. */
import { english } from '../../i18n/index.js';
import type { MessageKind } from '../../../schemas/src/device-messages.js';
import type { RulesConfig } from '../config.js';
import type { RuleId } from '../facts.js';
import type { AlarmOutcome, ClearOutcome } from '../outcomes.js';
import type { RuleContext, WatermarkSpan } from '../rule.js';
import { collect, type StoredOf, type StoredReading } from '../state.js';
import { mayHave } from '../watermark.js';
import { DAY_MS } from '../../time/durations.js';
import { dayBounds, localDay } from '../../time/local-day.js';

/** SPEC fever: outside the plausible body range is a device fault (inclusive range). */
export const isPlausible = (c: number, cfg: RulesConfig): boolean => c >= cfg.plausibleMinC && c <= cfg.plausibleMaxC;

/** 三(七) "超过37.3度": strictly above. */
export const isFever = (c: number, cfg: RulesConfig): boolean => isPlausible(c, cfg) && c > cfg.feverAboveC;

/** 三(四)1-3 "250-500mg/L", inclusive. */
export const chlorineOk = (mg: number | undefined, cfg: RulesConfig): boolean =>
  mg !== undefined && mg >= cfg.chlorineMinMgPerL && mg <= cfg.chlorineMaxMgPerL;

type Session = StoredOf<'disinfection'> | StoredOf<'ventilation'>;
export const sessionStart = <R extends Session>(r: R): number => Date.parse(r.payload.startedAt);
export const sessionEnd = <R extends Session>(r: R): number => sessionStart(r) + r.payload.durationS * 1000;

/**
 * Readings of the local day containing t (plus a day before and after, for
 * sessions reported late), sorted by (eventTime, readingId); only those of
 * `kinds` when given (device-days without them are skipped unread).
 */
export function readingsOfDay(ctx: RuleContext, t: number, kinds?: readonly MessageKind[]): { start: number; end: number; readings: StoredReading[] } {
  const [start, end] = dayBounds(localDay(t, ctx.timeZone), ctx.timeZone);
  const from = start - DAY_MS;
  const to = end + DAY_MS;
  if (!kinds) return { start, end, readings: collect(ctx.cs, from, to) };
  const readings = kinds.flatMap((k) => collect(ctx.cs, from, to, k));
  if (kinds.length > 1) readings.sort((a, b) => a.eventTime - b.eventTime || a.readingId - b.readingId);
  return { start, end, readings };
}

/**
 * The span's device's readings of `kind` whose wait of `waitMs` fell due in the span (from, to]
 * of its own event time: event times in (from − wait, to − wait]. Cheap when nothing is due
 * (watermark.ts mayHave): onWatermark runs for nearly every reading.
 */
export function dueInSpan<K extends MessageKind & StoredReading['kind']>(cs: RuleContext['cs'], span: WatermarkSpan, waitMs: number, kind: K): StoredOf<K>[] {
  const from = span.from - waitMs + 1;
  const to = span.to - waitMs + 1;
  if (!mayHave(cs, span.deviceId, kind, from, to)) return [];
  return ofKind(collect(cs, from, to, kind), kind).filter((r) => r.deviceId === span.deviceId);
}

export function ofKind<K extends StoredReading['kind']>(list: readonly StoredReading[], kind: K): StoredOf<K>[] {
  return list.filter((r) => r.kind === kind) as StoredOf<K>[];
}

export function alarm(ctx: RuleContext, a: Omit<AlarmOutcome, 'type' | 'communityId' | 'title'>): AlarmOutcome {
  return { type: 'alarm', communityId: ctx.communityId, ...a, title: english(a.titleMessage) };
}

export function clear(ctx: RuleContext, rule: RuleId, subject: string, eventTime: number): ClearOutcome {
  return { type: 'clear', rule, communityId: ctx.communityId, subject, eventTime };
}

/** Devices of a kind at a location in the layout (none without a layout). */
export function fixedDevices(ctx: Pick<RuleContext, 'layout'>, kind: string, location?: string): string[] {
  return (ctx.layout?.devices ?? []).filter((d) => d.kind === kind && (location === undefined || d.location === location)).map((d) => d.id);
}

