/**
 * The shape shared by the "at least N times a day" rules (area-disinfection,
 * touch-points, garbage, ventilation): per area, count valid and invalid
 * sessions started in the local day, pass at `required`, no_data when a
 * shortfall could be a silent device's (policy.judgeExistence).
 */
import type { DailyFact, RuleId } from '../facts.js';
import type { AreaKind } from '../layout.js';
import { judgeExistence } from '../policy.js';
import type { StoredReading } from '../state.js';
import { placesOf, relevantDevices, type DayView } from '../view.js';
import { fixedDevices } from './shared.js';

export interface CountingSpec<R extends StoredReading> {
  rule: RuleId;
  areaKinds: readonly AreaKind[];
  sessions: readonly R[];
  areaOf(r: R): string;
  startOf(r: R): number;
  isValid(r: R): boolean;
  required: number;
  deviceKind: string;
  /** Figure names, e.g. ['validSessions', 'invalidSessions']. */
  names: readonly [string, string];
  noun: string;
}

export function countingFacts<R extends StoredReading>(view: DayView, spec: CountingSpec<R>): DailyFact[] {
  const inDay = spec.sessions.filter((r) => view.inWindow(spec.startOf(r)));
  const fixedAreas = view.layout.areas.filter((a) => spec.areaKinds.includes(a.kind)).map((a) => a.id);
  const kindOf = new Map(view.layout.areas.map((a) => [a.id, a.kind]));
  // Sessions in an area the registry files under another kind belong to that kind's rule.
  const seen = inDay.map(spec.areaOf).filter((id) => !kindOf.has(id));
  return placesOf(fixedAreas, seen).map((area) => {
    const here = inDay.filter((r) => spec.areaOf(r) === area);
    const valid = here.filter(spec.isValid);
    const devices = relevantDevices(fixedDevices(view, spec.deviceKind, area), here);
    const [validName, invalidName] = spec.names;
    const figures = {
      [validName]: valid.length,
      [invalidName]: here.length - valid.length,
      required: spec.required,
      noDataMinutes: view.noDataMinutes(devices),
    };
    const { status, unjudged } = judgeExistence(view, valid.length, spec.required, devices);
    const extra = { valid: valid.length, notCounted: here.length - valid.length };
    return view.fact(spec.rule, area, status, figures, here.map((r) => r.readingId), extra, unjudged);
  });
}
