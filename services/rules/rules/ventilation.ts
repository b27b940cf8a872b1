/**
 * ventilation — 三(四)4 "每日通风2次以上，每次不少于30分钟": indoor public air
 * is ventilated at least twice a day, at least 30 minutes each time; a
 * shorter period does not count.
 */
import type { RuleModule } from '../rule.js';
import type { DayView } from '../view.js';
import { countingFacts } from './counting.js';
import { sessionStart } from './shared.js';

function facts(view: DayView) {
  const minS = view.config.ventilationMinMinutes * 60;
  return countingFacts(view, {
    rule: 'ventilation',
    areaKinds: ['indoor'],
    sessions: view.of('ventilation'),
    areaOf: (r) => r.payload.areaId,
    startOf: sessionStart,
    isValid: (r) => r.payload.durationS >= minS,
    required: view.config.ventilationsPerDay,
    deviceKind: 'ventilation',
    names: ['validPeriods', 'shortPeriods'],
    noun: 'period',
  });
}

export const ventilationRule: RuleModule = { id: 'ventilation', facts };
