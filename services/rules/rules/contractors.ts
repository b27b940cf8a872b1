/**
 * contractors — 三(六) "工程进场施工人数一律不得超过4人": at most 4 construction or
 * renovation workers on site in a community at once. Counted from allowed
 * contractor passes, in +1 / out -1, per person when the panel gives a
 * reference (a repeated "in" is one person), from zero at local midnight
 * (workers are not assumed to stay overnight, so a missed "out" does not
 * carry into the next day).
 */
import { msg } from '../../i18n/index.js';
import { judgeAbsence, unjudgedOf } from '../policy.js';
import { total, union } from '../intervals.js';
import { toMinutes } from '../../time/durations.js';
import { subjects, type Outcome } from '../outcomes.js';
import type { ReadingContext, RuleModule } from '../rule.js';
import type { StoredOf } from '../state.js';
import { placesOf, relevantDevices, type DayView } from '../view.js';
import { WHOLE_COMMUNITY } from '../facts.js';
import { alarm, clear, fixedDevices, ofKind, readingsOfDay } from './shared.js';

type Access = StoredOf<'access'>;

const isContractorPass = (r: Access) => r.payload.role === 'contractor' && r.payload.decision === 'allowed';

/** Walk the passes (sorted); the maximum on site at once and the count after the last one. */
export function onSite(passes: readonly Access[]): { max: number; now: number; atMax: number[] } {
  const named = new Set<string>();
  let anonymous = 0;
  let max = 0;
  let atMax: number[] = [];
  for (const p of passes) {
    const ref = p.payload.personRef;
    const delta = p.payload.direction === 'in' ? 1 : -1;
    if (ref !== undefined) {
      if (delta > 0) named.add(ref);
      else named.delete(ref);
    } else anonymous = Math.max(0, anonymous + delta);
    const count = named.size + anonymous;
    if (count > max) [max, atMax] = [count, [p.readingId]];
  }
  return { max, now: named.size + anonymous, atMax };
}

function facts(view: DayView) {
  const passes = view.of('access').filter((r) => view.inWindow(r.eventTime) && isContractorPass(r));
  const { max, atMax } = onSite(passes);
  const limit = view.config.contractorsMaxOnSite;
  // A worker can come in at any gate: the count is judged only while every gate's panel was reporting.
  const access = view.of('access');
  const gates = placesOf(view.layout.gates.map((g) => g.id), access.filter((r) => view.inWindow(r.eventTime)).map((r) => r.payload.gateId));
  const perGate = gates.map((gate) => unjudgedOf(view, relevantDevices(fixedDevices(view, 'access_panel', gate), access.filter((r) => r.payload.gateId === gate))));
  // No gate at all: nothing can be judged.
  const spans = gates.length === 0 ? unjudgedOf(view, []) : union(perGate.flat());
  const figures = { maxOnSite: max, limit, noDataMinutes: toMinutes(total(spans)) };
  const { status, unjudged } = judgeAbsence(view, max > limit ? 1 : 0, spans);
  return [view.fact('contractors', WHOLE_COMMUNITY, status, figures, max > limit ? atMax : [], {}, unjudged)];
}

function onReading(ctx: ReadingContext): Outcome[] {
  const { input } = ctx;
  if (input.kind !== 'access' || !isContractorPass(input)) return [];
  const { start, end, readings } = readingsOfDay(ctx, input.eventTime, ['access']);
  const passes = ofKind(readings, 'access').filter((r) => r.eventTime >= start && r.eventTime < end && isContractorPass(r));
  const { now } = onSite(passes);
  const limit = ctx.config.contractorsMaxOnSite;
  const subject = subjects.community(ctx.communityId);
  const open = ctx.isOpen('contractors', subject);
  if (now <= limit) return open ? [clear(ctx, 'contractors', subject, input.eventTime)] : [];
  if (input.payload.direction !== 'in') return [];
  return [
    alarm(ctx, {
      rule: 'contractors',
      subject,
      severity: 'medium',
      eventTime: input.eventTime,
      titleMessage: msg('alarm.contractors', { count: now, limit }),
      details: { onSite: now, limit, gateId: input.payload.gateId },
      readingIds: [input.readingId],
    }),
  ];
}

export const contractorsRule: RuleModule = { id: 'contractors', facts, onReading };
