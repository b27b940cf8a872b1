/**
 * staff-ledger — 附件 7.2, 三(七) "建立员工健康台账，严格落实体温监测等每日健康监测制度":
 * every registered, active staff member has at least one plausible
 * temperature check each local day. no_data when no gate thermometer
 * reported at all that day.
 */
import type { RuleModule } from '../rule.js';
import { judgeExistence } from '../policy.js';
import { placesOf, type DayView } from '../view.js';
import { fixedDevices, isPlausible } from './shared.js';

function facts(view: DayView) {
  const temps = view.of('temperature').filter((r) => view.inWindow(r.eventTime) && isPlausible(r.payload.temperatureC, view.config));
  const thermometers = placesOf(fixedDevices(view, 'thermometer'), view.senders('temperature'));
  const refs = view.layout.staff.filter((s) => s.active).map((s) => s.ref).sort();
  // Grouped once, not every temperature of the day filtered once per person.
  const byRef = new Map<string, typeof temps>();
  for (const r of temps) {
    const own = byRef.get(r.payload.personRef);
    if (own) own.push(r);
    else byRef.set(r.payload.personRef, [r]);
  }
  return refs.map((ref) => {
    const checks = byRef.get(ref) ?? [];
    // At least one check a day: a missing check while some thermometer time went unjudged is no_data.
    const { status, unjudged } = judgeExistence(view, checks.length, 1, thermometers);
    return view.fact('staff-ledger', ref, status, { checks: checks.length }, checks.map((r) => r.readingId), {}, unjudged);
  });
}

export const staffLedgerRule: RuleModule = { id: 'staff-ledger', facts };
