/** The rule modules, in RULE_IDS order: one file each under rules/. */
import type { RuleModule } from './rule.js';
import { areaDisinfectionRule } from './rules/area-disinfection.js';
import { broadcastRule } from './rules/broadcast.js';
import { contractorsRule } from './rules/contractors.js';
import { deviceHealthRule } from './rules/device-health.js';
import { entryChecksRule } from './rules/entry-checks.js';
import { feverRule } from './rules/fever.js';
import { garbageRule } from './rules/garbage.js';
import { gateStaffedRule } from './rules/gate-staffed.js';
import { noCouriersRule } from './rules/no-couriers.js';
import { postVentilationRule } from './rules/post-ventilation.js';
import { staffFeverRule } from './rules/staff-fever.js';
import { staffLedgerRule } from './rules/staff-ledger.js';
import { touchPointsRule } from './rules/touch-points.js';
import { ventilationRule } from './rules/ventilation.js';
import { venuesClosedRule } from './rules/venues-closed.js';

export const RULES: readonly RuleModule[] = [
  feverRule,
  staffFeverRule,
  staffLedgerRule,
  areaDisinfectionRule,
  postVentilationRule,
  touchPointsRule,
  ventilationRule,
  garbageRule,
  gateStaffedRule,
  entryChecksRule,
  noCouriersRule,
  contractorsRule,
  venuesClosedRule,
  broadcastRule,
  deviceHealthRule,
];
