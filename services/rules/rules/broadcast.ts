/**
 * broadcast — 三(二) "小区全天播放防控宣传广播": prevention broadcasts play all
 * day. Per speaker: minutes playing, minutes it reported but was not playing
 * (stopped, fault, or never said it was playing), and minutes it was silent
 * (no data). The judged part of the day is configurable, all of it by default.
 */
import { msg } from '../../i18n/index.js';
import { clip, intersect, subtract, total, type Interval } from '../intervals.js';
import { subjects, type AlarmOutcome, type Outcome } from '../outcomes.js';
import type { ReadingContext, RuleContext, RuleModule, TickContext, WatermarkSpan } from '../rule.js';
import { collect, type StoredOf } from '../state.js';
import { MINUTE_MS, toMinutes } from '../../time/durations.js';
import { placesOf, type DayView } from '../view.js';
import { judgeAbsence } from '../policy.js';
import { alarm, clear, dueInSpan, fixedDevices, ofKind } from './shared.js';
import { stateIntervals } from './states.js';

const playing = (b: StoredOf<'broadcast'>) => b.payload.state === 'playing';

function facts(view: DayView) {
  const all = view.of('broadcast');
  const speakers = placesOf(fixedDevices(view, 'speaker'), all.filter((b) => view.inWindow(b.eventTime)).map((b) => b.deviceId));
  const { broadcastStartMinute: s, broadcastEndMinute: e } = view.config;
  const judged: Interval[] = clip([[view.dayStart + s * MINUTE_MS, view.dayStart + e * MINUTE_MS]], view.dayStart, view.end);
  return speakers.map((id) => {
    const here = all.filter((b) => b.deviceId === id);
    const covered = intersect(view.coverage([id]), judged);
    const on = intersect(stateIntervals(here, playing, view.end), covered);
    const figures = {
      playingMinutes: toMinutes(total(on)),
      silentMinutes: toMinutes(total(subtract(covered, on))),
      noDataMinutes: toMinutes(total(judged) - total(covered)),
    };
    // Only the judged hours count: silence outside them is neither evidence nor a gap.
    const { status, unjudged } = judgeAbsence(view, figures.silentMinutes, subtract(judged, covered), total(judged));
    const ids = here.filter((b) => view.inWindow(b.eventTime)).map((b) => b.readingId);
    return view.fact('broadcast', id, status, figures, ids, {}, unjudged);
  });
}

function onReading(ctx: ReadingContext): Outcome[] {
  const { input } = ctx;
  if (input.kind !== 'broadcast' || !playing(input)) return [];
  const subject = subjects.device(input.deviceId);
  return ctx.isOpen('broadcast', subject) ? [clear(ctx, 'broadcast', subject, input.eventTime)] : [];
}

const waitMs = (ctx: RuleContext) => ctx.config.broadcastStoppedAlarmAfterMinutes * MINUTE_MS;

/**
 * The alarm of a speaker not playing since `from` (the first report of the run that is not
 * "playing"; a speaker repeating "stopped" does not restart the wait): due, and stamped, at
 * from + the configured wait, on both paths (timer and watermark).
 */
function stopped(ctx: RuleContext, id: string, from: StoredOf<'broadcast'>, last: StoredOf<'broadcast'>): AlarmOutcome {
  const minutes = ctx.config.broadcastStoppedAlarmAfterMinutes;
  return alarm(ctx, {
    rule: 'broadcast',
    subject: subjects.device(id),
    severity: 'low',
    eventTime: from.eventTime + waitMs(ctx),
    titleMessage: msg('alarm.broadcast', { device: id, state: last.payload.state, minutes }),
    details: { deviceId: id, state: last.payload.state, since: from.eventTime },
    readingIds: [from.readingId],
  });
}

/** The start of the not-playing run that `i` is part of (here sorted by event time). */
function runStart(here: readonly StoredOf<'broadcast'>[], i: number): StoredOf<'broadcast'> {
  let k = i;
  while (k > 0 && !playing(here[k - 1] as StoredOf<'broadcast'>)) k--;
  return here[k] as StoredOf<'broadcast'>;
}

/** The speaker's last report at or before t (here sorted by event time). */
const lastAt = (here: readonly StoredOf<'broadcast'>[], t: number) => here.filter((b) => b.eventTime <= t).pop();

function onTick(ctx: TickContext): Outcome[] {
  const all = ofKind(collect(ctx.cs, -Infinity, ctx.nowMs + 1, 'broadcast'), 'broadcast');
  const speakers = [...new Set([...fixedDevices(ctx, 'speaker'), ...all.map((b) => b.deviceId)])].sort();
  const out: Outcome[] = [];
  for (const id of speakers) {
    // As far as event time has got for this speaker (watermark.ts eventNowOf).
    const t = ctx.eventNowOf(id);
    const here = all.filter((b) => b.deviceId === id && b.eventTime <= t);
    const last = here[here.length - 1];
    if (!last || playing(last)) continue;
    const from = runStart(here, here.length - 1);
    if (t < from.eventTime + waitMs(ctx) || ctx.isOpen('broadcast', subjects.device(id))) continue;
    out.push(stopped(ctx, id, from, last));
  }
  return out;
}

/** The speaker (the span's device) whose not-playing run started so that its wait fell due in (from, to] of its own event time, still not playing then. */
function onWatermark(ctx: RuleContext, span: WatermarkSpan): Outcome[] {
  const wait = waitMs(ctx);
  const starts = dueInSpan(ctx.cs, span, wait, 'broadcast').filter((b) => !playing(b));
  if (starts.length === 0) return [];
  const all = ofKind(collect(ctx.cs, -Infinity, span.to + 1, 'broadcast'), 'broadcast');
  const out: Outcome[] = [];
  for (const b of starts) {
    const subject = subjects.device(b.deviceId);
    const here = all.filter((x) => x.deviceId === b.deviceId);
    const i = here.findIndex((x) => x.readingId === b.readingId);
    const due = b.eventTime + wait;
    const last = lastAt(here, due);
    if (i < 0 || runStart(here, i) !== here[i] || !last || playing(last) || ctx.isOpen('broadcast', subject)) continue;
    out.push(stopped(ctx, b.deviceId, b, last));
    // Playing again in a reading taken before this one (out of order): cleared where it was.
    const back = here.find((x) => x.eventTime > due && x.eventTime < span.to && playing(x));
    if (back) out.push(clear(ctx, 'broadcast', subject, back.eventTime));
  }
  return out;
}

export const broadcastRule: RuleModule = { id: 'broadcast', facts, onReading, onTick, onWatermark };
