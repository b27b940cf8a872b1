/**
 * gate-staffed — 三(三) "出入口设24小时专职值守人员": every gate has an attendant
 * on duty around the clock. Shift start/end events from the gate's duty panel
 * give the staffed intervals; any gap is unstaffed. Minutes in which the duty
 * panel was silent are noDataMinutes, neither staffed nor unstaffed.
 * offGateShifts (only when the registry posts attendants at gates): shifts
 * started here by attendants posted elsewhere, evidence for 4.2 (staff-posts.ts).
 */
import { msg } from '../../i18n/index.js';
import { intersect, subtract, total, type Interval } from '../intervals.js';
import { subjects, type AlarmOutcome, type Outcome } from '../outcomes.js';
import type { ReadingContext, RuleContext, RuleModule, TickContext, WatermarkSpan } from '../rule.js';
import { collect, type StoredOf } from '../state.js';
import { MINUTE_MS, toMinutes } from '../../time/durations.js';
import { placesOf, relevantDevices, type DayView } from '../view.js';
import { judgeAbsence, unjudgedOf } from '../policy.js';
import { alarm, clear, dueInSpan, fixedDevices, ofKind } from './shared.js';
import { offGateFigure } from './staff-posts.js';

/** Staffed intervals of a gate from its shift events (sorted), up to `until`; and when it last became empty. */
export function staffing(shifts: readonly StoredOf<'shift'>[], until: number): { staffed: Interval[]; emptySince: number | null } {
  const onDuty = new Set<string>();
  const staffed: Interval[] = [];
  let since: number | null = null;
  let emptySince: number | null = null;
  for (const s of shifts) {
    if (s.eventTime >= until) break;
    if (s.payload.event === 'start') onDuty.add(s.payload.staffRef);
    else onDuty.delete(s.payload.staffRef);
    if (onDuty.size > 0 && since === null) since = s.eventTime;
    if (onDuty.size === 0 && since !== null) {
      staffed.push([since, s.eventTime]);
      since = null;
    }
    if (onDuty.size === 0) emptySince ??= s.eventTime;
    else emptySince = null;
  }
  if (since !== null) staffed.push([since, until]);
  return { staffed, emptySince };
}

function facts(view: DayView) {
  const shifts = view.of('shift');
  const gates = placesOf(
    view.layout.gates.map((g) => g.id),
    shifts.filter((s) => view.inWindow(s.eventTime)).map((s) => s.payload.gateId),
  );
  return gates.map((gate) => {
    const here = shifts.filter((s) => s.payload.gateId === gate);
    const devices = relevantDevices(fixedDevices(view, 'access_panel', gate), here);
    const covered = view.coverage(devices);
    const staffed = intersect(staffing(here, view.end).staffed, covered);
    const unstaffed = subtract(covered, staffed);
    const figures = {
      staffedMinutes: toMinutes(total(staffed)),
      unstaffedMinutes: toMinutes(total(unstaffed)),
      noDataMinutes: view.noDataMinutes(devices),
      ...offGateFigure(view, gate, here),
    };
    // Staffed around the clock is a "never" rule: unstaffed seen fails, unjudged time is no_data.
    const { status, unjudged } = judgeAbsence(view, figures.unstaffedMinutes, unjudgedOf(view, devices));
    const ids = here.filter((s) => view.inWindow(s.eventTime)).map((s) => s.readingId);
    return view.fact('gate-staffed', gate, status, figures, ids, {}, unjudged);
  });
}

function onReading(ctx: ReadingContext): Outcome[] {
  const { input } = ctx;
  if (input.kind !== 'shift' || input.payload.event !== 'start') return [];
  const subject = subjects.gate(input.payload.gateId);
  return ctx.isOpen('gate-staffed', subject) ? [clear(ctx, 'gate-staffed', subject, input.eventTime)] : [];
}

const limitMs = (ctx: RuleContext) => ctx.config.gateUnstaffedAlarmAfterMinutes * MINUTE_MS;

/**
 * The alarm of a gate empty since `since` (the shift end that emptied it, or when the timer
 * started watching a gate that never reported a shift): due, and stamped, at since + the
 * configured wait, on both paths (timer and watermark), so both give the same alarm.
 */
function unstaffed(ctx: RuleContext, gate: string, since: number, here: readonly StoredOf<'shift'>[]): AlarmOutcome {
  const minutes = ctx.config.gateUnstaffedAlarmAfterMinutes;
  return alarm(ctx, {
    rule: 'gate-staffed',
    subject: subjects.gate(gate),
    severity: 'high',
    eventTime: since + limitMs(ctx),
    titleMessage: msg('alarm.gate-staffed', { gate, minutes }),
    details: { gateId: gate, unstaffedSince: since, unstaffedMinutes: minutes },
    readingIds: here.filter((s) => s.eventTime === since && s.payload.event === 'end').map((s) => s.readingId),
  });
}

/** Is the gate staffed at t (from its shifts up to t inclusive)? */
function staffedAt(here: readonly StoredOf<'shift'>[], t: number): boolean {
  const last = staffing(here, t + 1).staffed.at(-1);
  return last !== undefined && last[1] > t;
}

function onTick(ctx: TickContext): Outcome[] {
  const gates = ctx.layout?.gates.map((g) => g.id) ?? [];
  const shifts = ofKind(collect(ctx.cs, -Infinity, ctx.nowMs + 1, 'shift'), 'shift');
  const out: Outcome[] = [];
  for (const gate of gates) {
    const subject = subjects.gate(gate);
    const all = shifts.filter((s) => s.payload.gateId === gate);
    // As far as event time has got for the panel reporting the gate's shifts (watermark.ts eventNowOf);
    // a gate that never reported one, on the service clock.
    const reporter = all[all.length - 1]?.deviceId;
    const t = reporter === undefined ? ctx.nowMs : ctx.eventNowOf(reporter);
    const here = all.filter((s) => s.eventTime <= t);
    const { emptySince } = staffing(here, t + 1);
    const staffedNow = staffedAt(here, t);
    const since = emptySince ?? (here.length === 0 ? ctx.cs.watchSince : null);
    if (staffedNow || since === null) {
      if (staffedNow && ctx.isOpen('gate-staffed', subject)) out.push(clear(ctx, 'gate-staffed', subject, ctx.nowMs));
      continue;
    }
    const now = emptySince === null ? ctx.nowMs : t;
    if (now < since + limitMs(ctx) || ctx.isOpen('gate-staffed', subject)) continue;
    out.push(unstaffed(ctx, gate, since, here));
  }
  return out;
}

/**
 * Gates emptied by a shift end whose wait fell due in (from, to] of the reporting panel's own
 * event time (the span) and nobody started a shift by then. Cheap when nothing is due: only the
 * panel's shift ends of (from, to] minus the wait are looked at first, and the gate's whole
 * shift history only when there is one.
 */
function onWatermark(ctx: RuleContext, span: WatermarkSpan): Outcome[] {
  const wait = limitMs(ctx);
  const ends = dueInSpan(ctx.cs, span, wait, 'shift').filter((s) => s.payload.event === 'end');
  if (ends.length === 0) return [];
  const gates = new Set(ctx.layout?.gates.map((g) => g.id) ?? []);
  const shifts = ofKind(collect(ctx.cs, -Infinity, span.to + 1, 'shift'), 'shift');
  const out: Outcome[] = [];
  for (const end of ends) {
    const gate = end.payload.gateId;
    const subject = subjects.gate(gate);
    if (!gates.has(gate) || ctx.isOpen('gate-staffed', subject)) continue;
    const here = shifts.filter((s) => s.payload.gateId === gate);
    const due = end.eventTime + wait;
    // This end emptied the gate (not one after an earlier end), and nobody came by the due point.
    if (staffing(here, end.eventTime + 1).emptySince !== end.eventTime || staffedAt(here, due)) continue;
    out.push(unstaffed(ctx, gate, end.eventTime, here));
    // Staffed again by a reading taken before this one (out of order): cleared where it was.
    const back = here.find((s) => s.eventTime > due && s.eventTime < span.to && s.payload.event === 'start');
    if (back) out.push(clear(ctx, 'gate-staffed', subject, back.eventTime));
  }
  return out;
}

export const gateStaffedRule: RuleModule = { id: 'gate-staffed', facts, onReading, onTick, onWatermark };
