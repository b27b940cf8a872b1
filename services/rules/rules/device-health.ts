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
import { subjects, type Outcome } from '../outcomes.js';
import type { ReadingContext, RuleModule, TickContext } from '../rule.js';
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

function onTick(ctx: TickContext): Outcome[] {
  const out: Outcome[] = [];
  for (const { id } of ctx.layout?.devices ?? []) {
    const subject = subjects.device(id);
    const last = ctx.cs.lastRx[id] ?? ctx.cs.watchSince;
    if (last === null || ctx.isOpen('device-health', subject)) continue;
    const minutes = Math.floor((ctx.nowMs - last) / MINUTE_MS);
    if (minutes < ctx.config.deviceSilenceMinutes) continue;
    out.push(
      alarm(ctx, {
        rule: 'device-health',
        subject,
        severity: 'medium',
        eventTime: ctx.nowMs,
        titleMessage: msg('alarm.device-offline', { device: id, minutes }),
        details: { deviceId: id, lastHeardAt: ctx.cs.lastRx[id] ?? null, silentMinutes: minutes },
        readingIds: [],
      }),
    );
  }
  return out;
}

export const deviceHealthRule: RuleModule = { id: 'device-health', facts, onReading, onTick };
