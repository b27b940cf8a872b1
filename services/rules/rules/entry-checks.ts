/**
 * entry-checks — 三(三) "一测二问三核查": every entry through a gate is checked:
 * temperature measured, identity verified, itinerary (行程码) checked. An
 * entry is an allowed "in" pass; it is fully checked when all three were done.
 */
import { judgeAbsence, unjudgedOf } from '../policy.js';
import type { RuleModule } from '../rule.js';
import { placesOf, relevantDevices, type DayView } from '../view.js';
import { fixedDevices } from './shared.js';

function facts(view: DayView) {
  const access = view.of('access').filter((r) => view.inWindow(r.eventTime));
  const entries = access.filter((r) => r.payload.direction === 'in' && r.payload.decision === 'allowed');
  const gates = placesOf(view.layout.gates.map((g) => g.id), access.map((r) => r.payload.gateId));
  return gates.map((gate) => {
    const here = entries.filter((r) => r.payload.gateId === gate);
    // The contract requires checks on every entry; a missing record still counts as not done, never as done.
    const missing = (k: 'temperature' | 'identity' | 'itinerary') => here.filter((r) => !r.payload.checks?.[k]).length;
    const partial = here.filter((r) => !(r.payload.checks?.temperature && r.payload.checks.identity && r.payload.checks.itinerary));
    const devices = relevantDevices(fixedDevices(view, 'access_panel', gate), access.filter((r) => r.payload.gateId === gate));
    const figures = {
      entries: here.length,
      fullyChecked: here.length - partial.length,
      missingTemperature: missing('temperature'),
      missingIdentity: missing('identity'),
      missingItinerary: missing('itinerary'),
      noDataMinutes: view.noDataMinutes(devices),
    };
    const { status, unjudged } = judgeAbsence(view, partial.length, unjudgedOf(view, devices));
    return view.fact('entry-checks', gate, status, figures, partial.map((r) => r.readingId), {}, unjudged);
  });
}

export const entryChecksRule: RuleModule = { id: 'entry-checks', facts };
