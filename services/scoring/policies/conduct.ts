/**
 * Item 7.3 (2, all or nothing): proper conduct on duty. Telemetry sees one
 * part of it: a staff member with a fever who kept working (SPEC staff-fever,
 * plan 三(七)). Masks, gloves and the rest are for the inspector, who confirms.
 */
import { msg } from '../../i18n/index.js';
import { describeGaps, listFacts, type RuleGrid } from '../grid.js';
import type { Verdict } from '../types.js';

/**
 * 0 if any staff-fever fact fails. Otherwise full points, provided every day
 * of the window shows that staff were measured (a passing staff-fever or
 * staff-ledger fact); a day with no staff measured at all is insufficient
 * data, since a feverish worker could not have been seen.
 */
export function scoreProperConduct(staffFever: RuleGrid, staffLedger: RuleGrid, points: number): Verdict {
  if (staffFever.fails.length > 0) {
    return {
      score: 0,
      explanation: msg('score.staffOnDutyAfterFever', { facts: listFacts(staffFever.fails) }),
    };
  }
  // Duty after fever is a "never" rule: a staff-fever no_data (a thermometer or duty device
  // silent for part of the day) leaves the item undecided, whatever the ledger shows.
  if (staffFever.noData.length > 0) {
    return { score: null, explanation: msg('score.staffFeverUnjudged', { gaps: describeGaps(staffFever) }) };
  }
  const measuredDays = new Set(
    [...staffFever.facts, ...staffLedger.facts].filter((f) => f.status === 'pass').map((f) => f.day),
  );
  const unseen = staffFever.days.filter((d) => !measuredDays.has(d));
  if (unseen.length > 0) {
    return { score: null, explanation: msg('score.staffUnseen', { days: unseen.join(', ') }) };
  }
  return { score: points, explanation: msg('score.staffOk') };
}
