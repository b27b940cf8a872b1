/**
 * What ingest needs from the rules: given an accepted reading, the outcomes
 * it causes; given the clock, the time-driven ones. The engine in
 * services/rules is pure; the port (engine-rules.ts) holds its state.
 */
import type { Outcome, ReadingInput } from '../rules/index.js';

export type RuleInput = ReadingInput;
export type RuleOutcome = Outcome;

export interface RulesPort {
  evaluate(input: RuleInput): RuleOutcome[];
  /** Time-driven conditions (silence, unstaffed gates), with the service clock passed in. */
  tick(now: number): RuleOutcome[];
}
