/**
 * What ingest needs from the rules: given an accepted reading, the outcomes
 * it causes; given the clock, the time-driven ones. The engine in
 * services/rules is pure; the port (engine-rules.ts) holds its state.
 */
import type { Outcome, ReadingInput } from '../rules/index.js';

export type RuleInput = ReadingInput;
export type RuleOutcome = Outcome;

export interface RulesPort {
  /**
   * The outcomes of a journaled reading. Never throws for a rule's exception: the reading is then
   * flagged for re-evaluation, left out of the state, and no outcome is returned (safe-replay.ts).
   */
  evaluate(input: RuleInput): RuleOutcome[];
  /**
   * The community's state again as the journal has it: after a rollback undid readings it had
   * evaluated (a later step of their row or batch threw), so memory and journal agree.
   */
  resync(communityId: string): void;
  /** Time-driven conditions (silence, unstaffed gates), with the service clock passed in. */
  tick(now: number): RuleOutcome[];
}
