/**
 * garbage — 三(五)1: garbage bins and the ground 2 m around them are sprayed
 * at least twice a day with chlorine at 500 mg/L ("每日至少消毒2次，使用有效氯浓度500mg/L").
 * The plan names one concentration, read as a minimum: stronger still counts.
 */
import type { RuleModule } from '../rule.js';
import type { DayView } from '../view.js';
import { countingFacts } from './counting.js';
import { sessionStart } from './shared.js';

function facts(view: DayView) {
  const min = view.config.garbageChlorineMinMgPerL;
  return countingFacts(view, {
    rule: 'garbage',
    areaKinds: ['garbage'],
    sessions: view.of('disinfection').filter((r) => r.payload.target === 'garbage'),
    areaOf: (r) => r.payload.areaId,
    startOf: sessionStart,
    isValid: (r) => r.payload.agent === 'chlorine' && (r.payload.concentrationMgPerL ?? 0) >= min,
    required: view.config.garbageDisinfectionsPerDay,
    deviceKind: 'sprayer',
    names: ['validSessions', 'invalidSessions'],
    noun: 'session',
  });
}

export const garbageRule: RuleModule = { id: 'garbage', facts };
