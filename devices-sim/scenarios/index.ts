/** Scenarios: public entry point. */
export { SCENARIOS, SCENARIO_NAMES, scenarioByName, type Scenario } from './catalogue.js';
export type { ScenarioInput } from './baseline.js';
