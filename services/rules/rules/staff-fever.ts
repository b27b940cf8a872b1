/**
 * staff-fever — 三(七) "物业从业人员体温超过37.3度……不得上岗": a staff member
 * measured above 37.3 °C may not be on duty; any duty event by that person
 * later the same local day is a violation. Duty events: a shift start, a
 * disinfection session started, or a shift end more than the stand-down time
 * after the fever (they stayed on duty).
 */
import { msg } from '../../i18n/index.js';
import type { RulesConfig } from '../config.js';
import { subjects, type Outcome } from '../outcomes.js';
import type { ReadingContext, RuleModule } from '../rule.js';
import { temperaturesOf, type StoredReading } from '../state.js';
import { MINUTE_MS } from '../../time/durations.js';
import { placesOf, type DayView } from '../view.js';
import { judgeAbsence, unjudgedOf } from '../policy.js';
import { alarm, fixedDevices, isFever, ofKind, readingsOfDay, sessionStart } from './shared.js';

/** When a reading puts `ref` on duty, or null. */
export function dutyTime(r: StoredReading, ref: string): { t: number; isEnd: boolean } | null {
  if (r.kind === 'shift' && r.payload.staffRef === ref) return { t: r.eventTime, isEnd: r.payload.event === 'end' };
  if (r.kind === 'disinfection' && r.payload.operatorRef === ref) return { t: sessionStart(r), isEnd: false };
  return null;
}

/** Duty events of ref in [feverAt, dayEnd) that break the rule. */
export function dutyAfterFever(readings: readonly StoredReading[], ref: string, feverAt: number, dayEnd: number, cfg: RulesConfig): StoredReading[] {
  const standDown = cfg.staffFeverStandDownMinutes * MINUTE_MS;
  return readings.filter((r) => {
    const d = dutyTime(r, ref);
    if (!d || d.t >= dayEnd) return false;
    return d.isEnd ? d.t > feverAt + standDown : d.t > feverAt;
  });
}

function firstFever(readings: readonly StoredReading[], ref: string, from: number, to: number, cfg: RulesConfig) {
  return ofKind(readings, 'temperature').filter(
    (r) => r.payload.personRef === ref && r.eventTime >= from && r.eventTime < to && isFever(r.payload.temperatureC, cfg),
  );
}

function facts(view: DayView) {
  // The day's fevers and duty events once, not every temperature of the day once per person.
  const duty = [...view.of('shift'), ...view.of('disinfection')];
  const feversOfDay = view.of('temperature').filter((r) => view.inWindow(r.eventTime) && isFever(r.payload.temperatureC, view.config));
  const staffFevers = feversOfDay.filter((r) => r.payload.subject === 'staff');
  const refs = placesOf(view.layout.staff.filter((s) => s.active).map((s) => s.ref), staffFevers.map((r) => r.payload.personRef));
  const thermometers = placesOf(fixedDevices(view, 'thermometer'), view.senders('temperature'));
  // Duty events come from the gate panels (shifts) and the sprayers (sessions).
  const dutyDevices = placesOf([...fixedDevices(view, 'access_panel'), ...fixedDevices(view, 'sprayer')], [...view.senders('shift'), ...view.senders('disinfection')]);
  return refs.map((ref) => {
    const fevers = firstFever(feversOfDay, ref, view.dayStart, view.end, view.config);
    const first = fevers[0];
    const after = first ? dutyAfterFever(duty, ref, first.eventTime, view.end, view.config) : [];
    const figures = { fevers: fevers.length, dutyEventsAfterFever: after.length };
    const ids = [...fevers, ...after].map((r) => r.readingId);
    // Before a fever is seen, a silent thermometer could hide one; after it, a silent duty device could hide duty.
    const spans = first ? unjudgedOf(view, dutyDevices, [[first.eventTime, view.end]]) : unjudgedOf(view, thermometers);
    const { status, unjudged } = judgeAbsence(view, after.length, spans);
    return view.fact('staff-fever', ref, status, figures, ids, { dutyEvents: after.length }, unjudged);
  });
}

function violation(ctx: ReadingContext, ref: string, fever: StoredReading, after: StoredReading[]): Outcome {
  return alarm(ctx, {
    rule: 'staff-fever',
    subject: subjects.person(ref),
    severity: 'high',
    eventTime: ctx.input.eventTime,
    titleMessage: msg('alarm.staff-fever', { ref }),
    details: { staffRef: ref, feverAt: fever.eventTime, dutyEventsAfterFever: after.length },
    readingIds: [fever.readingId, ...after.map((r) => r.readingId)],
  });
}

function onReading(ctx: ReadingContext): Outcome[] {
  const { input, config } = ctx;
  const ref =
    input.kind === 'temperature' ? input.payload.personRef
    : input.kind === 'shift' ? input.payload.staffRef
    : input.kind === 'disinfection' ? input.payload.operatorRef
    : null;
  if (ref === null) return [];
  if (input.kind === 'temperature' && !isFever(input.payload.temperatureC, config)) return [];
  const at = input.kind === 'disinfection' ? sessionStart(input) : input.eventTime;
  // Duty events first (few): without one there is no violation, and the day's
  // temperatures (most of the traffic) need not be read at all.
  const { start, end, readings: duty } = readingsOfDay(ctx, at, ['shift', 'disinfection']);
  if (!duty.some((r) => dutyTime(r, ref))) return [];
  const first = firstFever(temperaturesOf(ctx.cs, ref, start, end), ref, start, end, config)[0];
  if (!first) return [];
  const after = dutyAfterFever(duty, ref, first.eventTime, end, config);
  const relevant = input.kind === 'temperature' ? after.length > 0 : after.some((r) => r.readingId === input.readingId);
  return relevant ? [violation(ctx, ref, first, after)] : [];
}

export const staffFeverRule: RuleModule = { id: 'staff-fever', facts, onReading };
