/**
 * broadcast — 三(二) "小区全天播放防控宣传广播": prevention broadcasts play all
 * day. Per speaker: minutes playing, minutes it reported but was not playing
 * (stopped, fault, or never said it was playing), and minutes it was silent
 * (no data). The judged part of the day is configurable, all of it by default.
 */
import { msg } from '../../i18n/index.js';
import { clip, intersect, subtract, total, type Interval } from '../intervals.js';
import { subjects, type Outcome } from '../outcomes.js';
import type { ReadingContext, RuleModule, TickContext } from '../rule.js';
import { collect, type StoredOf } from '../state.js';
import { MINUTE_MS, toMinutes } from '../../time/durations.js';
import { placesOf, type DayView } from '../view.js';
import { judgeAbsence } from '../policy.js';
import { alarm, clear, fixedDevices, ofKind } from './shared.js';
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

function onTick(ctx: TickContext): Outcome[] {
  const all = ofKind(collect(ctx.cs, -Infinity, ctx.nowMs + 1, 'broadcast'), 'broadcast');
  const speakers = [...new Set([...fixedDevices(ctx, 'speaker'), ...all.map((b) => b.deviceId)])].sort();
  const out: Outcome[] = [];
  for (const id of speakers) {
    const last = all.filter((b) => b.deviceId === id).pop();
    if (!last || playing(last)) continue;
    const subject = subjects.device(id);
    const minutes = Math.floor((ctx.nowMs - last.eventTime) / MINUTE_MS);
    if (minutes < ctx.config.broadcastStoppedAlarmAfterMinutes || ctx.isOpen('broadcast', subject)) continue;
    out.push(
      alarm(ctx, {
        rule: 'broadcast',
        subject,
        severity: 'low',
        eventTime: ctx.nowMs,
        titleMessage: msg('alarm.broadcast', { device: id, state: last.payload.state, minutes }),
        details: { deviceId: id, state: last.payload.state, since: last.eventTime },
        readingIds: [last.readingId],
      }),
    );
  }
  return out;
}

export const broadcastRule: RuleModule = { id: 'broadcast', facts, onReading, onTick };
