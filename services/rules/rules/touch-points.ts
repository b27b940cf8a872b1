/**
 * touch-points — 三(四)2, 3: door handles, access-panel faces, handrails and
 * elevator buttons are wiped at least twice a day with chlorine 250–500 mg/L
 * or 75 % alcohol ("使用有效氯浓度为250-500mg/L的消毒液或浓度为75%的医用酒精擦拭消毒不少于2次").
 */
import type { RuleModule } from '../rule.js';
import type { DayView } from '../view.js';
import { countingFacts } from './counting.js';
import { chlorineOk, sessionStart } from './shared.js';

function facts(view: DayView) {
  return countingFacts(view, {
    rule: 'touch-points',
    areaKinds: ['touch_points'],
    sessions: view.of('disinfection').filter((r) => r.payload.target === 'touch_points'),
    areaOf: (r) => r.payload.areaId,
    startOf: sessionStart,
    isValid: (r) => r.payload.agent === 'alcohol_75' || chlorineOk(r.payload.concentrationMgPerL, view.config),
    required: view.config.touchPointWipesPerDay,
    deviceKind: 'sprayer',
    names: ['validWipes', 'invalidWipes'],
    noun: 'wipe',
  });
}

export const touchPointsRule: RuleModule = { id: 'touch-points', facts };
