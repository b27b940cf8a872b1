/**
 * Staff posts (registry: a gate attendant's `gate`): an attendant clocking in
 * at a gate that is not theirs is evidence for 4.2 ("专人负责": each gate has
 * its own designated people). Only counted when the registry says where at
 * least one active attendant is posted; otherwise nothing is known and the
 * figure is left out rather than reported as 0.
 */
import { postedGates } from '../layout.js';
import type { StoredOf } from '../state.js';
import type { DayView } from '../view.js';

/** `{ offGateShifts }`: shift starts in the window at `gate` by attendants posted at another gate; {} when no posts are registered. */
export function offGateFigure(view: DayView, gate: string, shiftsHere: readonly StoredOf<'shift'>[]): { offGateShifts?: number } {
  const posted = postedGates(view.layout);
  if (posted.size === 0) return {};
  const off = shiftsHere.filter((s) => {
    const post = posted.get(s.payload.staffRef);
    return s.payload.event === 'start' && view.inWindow(s.eventTime) && post !== undefined && post !== gate;
  });
  return { offGateShifts: off.length };
}
