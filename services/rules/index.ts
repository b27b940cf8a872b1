/** Public API of the rules engine (the pure core). Adapters import from here only. */
export { DEFAULT_RULES_CONFIG, RulesConfigSchema, parseRulesConfig, type RulesConfig } from './config.js';
export {
  createInitialState,
  dailyFacts,
  evaluate,
  rebuildState,
  restoreState,
  serializeState,
  tick,
  timeZoneOf,
  type EngineContext,
  type EvaluateContext,
  type LayoutsContext,
  type Step,
} from './engine.js';
export { FIGURES, MAX_LISTED_SPANS, RULE_IDS, UNJUDGED_FIGURES, WHOLE_COMMUNITY, type DailyFact, type FactStatus, type RuleId } from './facts.js';
export { CommunityLayoutSchema, PUBLIC_AREA_KINDS, type CommunityLayout } from './layout.js';
export { subjects, type AlarmOutcome, type ClearOutcome, type Outcome, type Severity } from './outcomes.js';
export type { CommunityState, ReadingInput, RulesState } from './state.js';
export { RULES } from './registry.js';
export type { RuleModule } from './rule.js';
export { classifyTiming, type Timing } from './timing.js';
