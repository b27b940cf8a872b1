/**
 * area-disinfection — 三(四)1, 3: every public area (lobby, corridor, parking,
 * stairwell, elevator car) is sprayed at least twice a day with chlorine at
 * 250–500 mg/L ("有效氯浓度为250-500mg/L……不少于2次"); a session outside that
 * range, or with another agent, does not count.
 */
import { PUBLIC_AREA_KINDS } from '../layout.js';
import type { RuleModule } from '../rule.js';
import type { StoredOf } from '../state.js';
import type { DayView } from '../view.js';
import { countingFacts } from './counting.js';
import { chlorineOk, sessionStart } from './shared.js';

/** A public-area spraying that counts. Also used by post-ventilation. */
export function isValidAreaSession(r: StoredOf<'disinfection'>, view: DayView): boolean {
  return r.payload.agent === 'chlorine' && chlorineOk(r.payload.concentrationMgPerL, view.config);
}

function facts(view: DayView) {
  return countingFacts(view, {
    rule: 'area-disinfection',
    areaKinds: PUBLIC_AREA_KINDS,
    sessions: view.of('disinfection').filter((r) => r.payload.target === 'area'),
    areaOf: (r) => r.payload.areaId,
    startOf: sessionStart,
    isValid: (r) => isValidAreaSession(r, view),
    required: view.config.disinfectionsPerDay,
    deviceKind: 'sprayer',
    names: ['validSessions', 'invalidSessions'],
    noun: 'session',
  });
}

export const areaDisinfectionRule: RuleModule = { id: 'area-disinfection', facts };
