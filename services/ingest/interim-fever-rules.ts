/**
 * Interim rules port with the fever rule only, used until the full engine in
 * services/rules is wired in. A reading above 37.3 °C is a fever (SPEC fever,
 * plan 三(三)/三(七)); exactly 37.3 is not.
 */
import type { RuleOutcome, RulesPort, RuleInput } from './rules-port.js';

const FEVER_ABOVE_C = 37.3;

export function createInterimFeverRules(): RulesPort {
  return {
    evaluate(input: RuleInput): RuleOutcome[] {
      if (input.kind !== 'temperature') return [];
      const { temperatureC, gateId, personRef, subject } = input.payload;
      if (!(temperatureC > FEVER_ABOVE_C)) return [];
      return [
        {
          type: 'alarm',
          rule: subject === 'staff' ? 'staff-fever' : 'fever',
          communityId: input.communityId,
          subject: `person:${personRef}`,
          severity: 'critical',
          eventTime: input.eventTime,
          title: `Fever ${temperatureC.toFixed(1)} °C at gate ${gateId}`,
          details: { temperatureC, gateId, personRef, subject, deviceId: input.deviceId },
          readingIds: [input.readingId],
        },
      ];
    },
    tick: () => [],
  };
}
