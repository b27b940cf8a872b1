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
import { subjects, type Outcome } from '../outcomes.js';
import type { ReadingContext, RuleModule, TickContext } from '../rule.js';
import { collect, type StoredOf } from '../state.js';
import { MINUTE_MS, toMinutes } from '../../time/durations.js';
import { placesOf, relevantDevices, type DayView } from '../view.js';
import { judgeAbsence, unjudgedOf } from '../policy.js';
import { alarm, clear, fixedDevices, ofKind } from './shared.js';
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

function onTick(ctx: TickContext): Outcome[] {
  const gates = ctx.layout?.gates.map((g) => g.id) ?? [];
  const shifts = ofKind(collect(ctx.cs, -Infinity, ctx.nowMs + 1, 'shift'), 'shift');
  const out: Outcome[] = [];
  for (const gate of gates) {
    const subject = subjects.gate(gate);
    const here = shifts.filter((s) => s.payload.gateId === gate);
    const { staffed, emptySince } = staffing(here, ctx.nowMs + 1);
    const last = staffed[staffed.length - 1];
    const staffedNow = last !== undefined && last[1] > ctx.nowMs;
    const since = emptySince ?? (here.length === 0 ? ctx.cs.watchSince : null);
    if (staffedNow || since === null) {
      if (staffedNow && ctx.isOpen('gate-staffed', subject)) out.push(clear(ctx, 'gate-staffed', subject, ctx.nowMs));
      continue;
    }
    const minutes = Math.floor((ctx.nowMs - since) / MINUTE_MS);
    if (minutes < ctx.config.gateUnstaffedAlarmAfterMinutes || ctx.isOpen('gate-staffed', subject)) continue;
    const lastEnd = here.filter((s) => s.eventTime === emptySince).map((s) => s.readingId);
    out.push(
      alarm(ctx, {
        rule: 'gate-staffed',
        subject,
        severity: 'high',
        eventTime: ctx.nowMs,
        titleMessage: msg('alarm.gate-staffed', { gate, minutes }),
        details: { gateId: gate, unstaffedSince: since, unstaffedMinutes: minutes },
        readingIds: lastEnd,
      }),
    );
  }
  return out;
}

export const gateStaffedRule: RuleModule = { id: 'gate-staffed', facts, onReading, onTick };
