/**
 * device-health — SPEC "what makes the above trustworthy": a device that stops
 * reporting is flagged, and its silence is "no data" in every other rule,
 * never silently compliant nor a violation. A device is silent once it has not
 * been heard for deviceSilenceMinutes, or from a status offline / fault until
 * it is heard again. Implausible thermometer readings (SPEC fever) and fault
 * statuses are fault alarms under a separate subject, closed by people.
 */
import { msg } from '../../i18n/index.js';
import { isCut } from '../coverage.js';
import { total } from '../intervals.js';
import { subjects, type AlarmOutcome, type Outcome } from '../outcomes.js';
import type { ReadingContext, RuleContext, RuleModule, TickContext, WatermarkSpan } from '../rule.js';
import { collect, heardIn } from '../state.js';
import { MINUTE_MS, toMinutes } from '../../time/durations.js';
import { placesOf, type DayView } from '../view.js';
import { alarm, clear, isPlausible } from './shared.js';

function facts(view: DayView) {
  const inDay = view.all.filter((r) => view.inWindow(r.eventTime));
  const devices = placesOf(view.layout.devices.map((d) => d.id), inDay.map((r) => r.deviceId));
  return devices.map((id) => {
    const own = inDay.filter((r) => r.deviceId === id);
    const faults = own.filter(
      (r) => (r.kind === 'status' && r.payload.state === 'fault') || (r.kind === 'temperature' && !isPlausible(r.payload.temperatureC, view.config)),
    );
    const online = total(view.coverage([id]));
    const figures = {
      onlineMinutes: toMinutes(online),
      offlineMinutes: toMinutes(view.windowMs - online),
      faultReports: faults.length,
    };
    const status = view.windowMs <= 0 ? 'no_data' : figures.offlineMinutes > 0 || faults.length > 0 ? 'fail' : 'pass';
    return view.fact('device-health', id, status, figures, [...own.filter(isCut), ...faults].map((r) => r.readingId), { faults: faults.length });
  });
}

/** Has the device been heard after t (so a status at t arriving now is history)? */
function heardAfter(ctx: ReadingContext, t: number): boolean {
  return heardIn(ctx.cs, ctx.input.deviceId, t + 1, Infinity);
}

function onReading(ctx: ReadingContext): Outcome[] {
  const { input } = ctx;
  const subject = subjects.device(input.deviceId);
  if (input.kind === 'status' && input.payload.state !== 'online') {
    const fault = input.payload.state === 'fault';
    const s = fault ? subjects.deviceFault(input.deviceId) : subject;
    if (ctx.isOpen('device-health', s) || (!fault && heardAfter(ctx, input.eventTime))) return [];
    return [
      alarm(ctx, {
        rule: 'device-health',
        subject: s,
        severity: 'medium',
        eventTime: input.eventTime,
        titleMessage: msg('alarm.device-state', { device: input.deviceId, state: input.payload.state }),
        details: { deviceId: input.deviceId, state: input.payload.state },
        readingIds: [input.readingId],
      }),
    ];
  }
  if (!ctx.isOpen('device-health', subject)) return [];
  // Back only if this reading is newer than its last offline / fault status.
  const cuts = collect(ctx.cs, input.eventTime, Infinity, 'status').filter((r) => r.deviceId === input.deviceId && isCut(r));
  return cuts.length === 0 ? [clear(ctx, 'device-health', subject, input.eventTime)] : [];
}

/**
 * The offline alarm of a device silent since `since` (its last heard event time, or when the
 * timer started watching a device never heard): due at since + deviceSilenceMinutes, and that
 * due point is its event time on both paths (timer and watermark), so both give the same alarm.
 */
function offline(ctx: RuleContext, id: string, since: number, lastHeardAt: number | null): AlarmOutcome {
  const minutes = ctx.config.deviceSilenceMinutes;
  return alarm(ctx, {
    rule: 'device-health',
    subject: subjects.device(id),
    severity: 'medium',
    eventTime: since + minutes * MINUTE_MS,
    titleMessage: msg('alarm.device-offline', { device: id, minutes }),
    details: { deviceId: id, lastHeardAt, silentMinutes: minutes },
    readingIds: [],
  });
}

function onTick(ctx: TickContext): Outcome[] {
  const out: Outcome[] = [];
  const silenceMs = ctx.config.deviceSilenceMinutes * MINUTE_MS;
  for (const { id } of ctx.layout?.devices ?? []) {
    // Heard: silent since its last event time, judged on the community's event time (watermark.ts), and
    // not received for as long either: a device uploading its buffered night is heard, not silent.
    // Never heard (or a state from before heardAt): since the receipt or the first tick, on the service clock.
    const heard = ctx.cs.heardAt?.[id];
    const rx = ctx.cs.lastRx[id];
    const since = heard ?? rx ?? ctx.cs.watchSince;
    const now = heard === undefined ? ctx.nowMs : ctx.eventNowMs;
    if (since === null || ctx.isOpen('device-health', subjects.device(id)) || now < since + silenceMs) continue;
    if (rx !== undefined && ctx.nowMs < rx + silenceMs) continue;
    out.push(offline(ctx, id, since, heard ?? ctx.cs.lastRx[id] ?? null));
  }
  return out;
}

/**
 * The device's own next reading shows its silence: last heard at h, its watermark now at `to`
 * (this reading's time, bounded by its reception) past h + the limit, with no offline / fault
 * status in between (that raised its own alarm on this subject). Raised at the due point; this
 * reading's onReading clears it. A device that never comes back is the timer's (onTick).
 */
function onWatermark(ctx: RuleContext, span: WatermarkSpan): Outcome[] {
  const heard = ctx.cs.heardAt?.[span.deviceId];
  if (heard === undefined) return [];
  const due = heard + ctx.config.deviceSilenceMinutes * MINUTE_MS;
  if (span.to <= due || ctx.isOpen('device-health', subjects.device(span.deviceId))) return [];
  if (!(ctx.layout?.devices ?? []).some((d) => d.id === span.deviceId)) return [];
  if (collect(ctx.cs, heard + 1, due + 1, 'status').some((r) => r.deviceId === span.deviceId && isCut(r))) return [];
  return [offline(ctx, span.deviceId, heard, heard)];
}

export const deviceHealthRule: RuleModule = { id: 'device-health', facts, onReading, onTick, onWatermark };
