/**
 * Item 4.2 (5, deduct): "物业企业在小区消毒消杀、门卡管理等方面是否有专人负责".
 * Two duties are checked: gate duty and disinfection. Daily facts carry only
 * numbers, so the names come from DutyRecord inputs (ShiftEvent.staffRef,
 * DisinfectionSession.operatorRef); without them the policy falls back to what
 * the facts show and says so. See README "4.2".
 */
import { msg } from '../../i18n/index.js';
import { isPartlySilent, type RuleGrid } from '../grid.js';
import type { DutyRecord, Verdict } from '../types.js';

export type DutyKind = DutyRecord['kind'];
/** named: a registered person did it; unnamed: nobody (registered) did; unknown: no data to tell. */
export type DutyState = 'named' | 'unnamed' | 'unknown';

const ACTIVITY_FIGURES: Record<DutyKind, readonly string[]> = {
  gate_shift: ['staffedMinutes'],
  disinfection: ['validSessions', 'invalidSessions'],
};

/**
 * Did the facts see the duty done (active), see it not done (idle), or see nothing (silent)?
 * A partly silent fact shows the duty done in its covered part, but cannot show it was never
 * done: the duty may have been in the unjudged hours.
 */
export function activityOf(grid: RuleGrid, kind: DutyKind): 'active' | 'idle' | 'silent' {
  const seen = grid.facts.filter((f) => f.status !== 'no_data' || isPartlySilent(f));
  const done = seen.some((f) => ACTIVITY_FIGURES[kind].some((name) => (f.figures[name] ?? 0) > 0));
  if (done) return 'active';
  return grid.facts.some((f) => f.status !== 'no_data') ? 'idle' : 'silent';
}

/**
 * With duty records: named if any record of the kind has a registered ref
 * (any ref when no staff list is given). Without them: the message schema
 * requires a ref on every shift and session, so activity implies a named
 * operator, though registration cannot be checked.
 */
export function dutyState(
  kind: DutyKind,
  grid: RuleGrid,
  duties: readonly DutyRecord[] | undefined,
  staff: ReadonlySet<string> | undefined,
): DutyState {
  const activity = activityOf(grid, kind);
  if (duties === undefined) return activity === 'active' ? 'named' : activity === 'idle' ? 'unnamed' : 'unknown';
  const records = duties.filter((d) => d.kind === kind);
  if (records.length > 0) return records.some((d) => !staff || staff.has(d.ref)) ? 'named' : 'unnamed';
  return activity === 'silent' ? 'unknown' : 'unnamed';
}

/**
 * Shifts started at a gate by an attendant the registry posts at another one
 * (gate-staffed `offGateShifts`): shown as evidence for the inspector, who
 * confirms 4.2; it does not change the proposed deduction.
 */
export function offGateEvidence(grid: RuleGrid): { shifts: number; gates: string } | null {
  const off = grid.facts.filter((f) => (f.figures.offGateShifts ?? 0) > 0);
  if (off.length === 0) return null;
  const shifts = off.reduce((sum, f) => sum + (f.figures.offGateShifts ?? 0), 0);
  return { shifts, gates: [...new Set(off.map((f) => f.place))].sort().join(', ') };
}

export interface NamedPeopleSettings {
  points: number;
  unnamedDutyDeduction: number;
  unknownRefDeduction: number;
}

/**
 * Deduct `unnamedDutyDeduction` per duty with no named registered person and
 * `unknownRefDeduction` per distinct unregistered operator ref, capped at the
 * points. A duty with no data makes the score unknown unless the cap is reached.
 */
export function scoreNamedPeople(
  grids: { gate: RuleGrid; disinfection: RuleGrid },
  duties: readonly DutyRecord[] | undefined,
  staffRefs: readonly string[] | undefined,
  settings: NamedPeopleSettings,
): Verdict {
  const staff = staffRefs ? new Set(staffRefs) : undefined;
  const states: Record<DutyKind, DutyState> = {
    gate_shift: dutyState('gate_shift', grids.gate, duties, staff),
    disinfection: dutyState('disinfection', grids.disinfection, duties, staff),
  };
  const unknownRefs = staff && duties ? [...new Set(duties.map((d) => d.ref).filter((r) => !staff.has(r)))].sort() : [];
  const unnamed = (Object.keys(states) as DutyKind[]).filter((k) => states[k] === 'unnamed');
  const raw = unnamed.length * settings.unnamedDutyDeduction + unknownRefs.length * settings.unknownRefDeduction;
  const deduction = Math.min(raw, settings.points);
  const parts = (Object.keys(states) as DutyKind[]).map((k) => msg('duty.state', { duty: k, state: states[k] }));
  if (unknownRefs.length > 0) parts.push(msg('duty.unknownRefs', { refs: unknownRefs.join(', ') }));
  if (duties === undefined) parts.push(msg('duty.notSupplied'));
  const offGate = offGateEvidence(grids.gate);
  if (offGate) parts.push(msg('duty.offGate', offGate));
  const unknown = Object.values(states).includes('unknown');
  const extraReadingIds = (duties ?? []).flatMap((d) => d.readingIds ?? []);
  if (unknown && deduction < settings.points) {
    return { score: null, unknownRefs, extraReadingIds, explanation: msg('score.namedUnknown', { parts }) };
  }
  return { score: settings.points - deduction, unknownRefs, extraReadingIds, explanation: msg('score.namedDeduct', { parts, deduction }) };
}
