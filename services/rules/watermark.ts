/**
 * Time-driven alarms on event time (README "Time-driven alarms"). The live timer (tick) sees a
 * silence when the service clock passes the point it falls due at; a late batch, a replay or an
 * import never makes the timer see it, because its readings arrive after their time. So the
 * engine also keeps each community's event-time watermark: the latest event time its devices
 * reported, bounded by the reading's own receivedAt (a device clock ahead of ours cannot push it
 * into the future). When a reading moves the watermark from W0 to W1, every rule's
 * onWatermark() raises the conditions that fell due in (W0, W1], with the event time they fell
 * due at: the same instant the timer gives its alarm (tick uses the same due points), so a live
 * day and a late day give the same alarms, and cs.open (which both paths go through) keeps one
 * per episode.
 */
import type { Outcome } from './outcomes.js';
import type { RuleContext, RuleModule } from './rule.js';
import type { CommunityState, ReadingInput } from './state.js';

/** An offline or fault status vouches for nothing (coverage.ts isCut): it is not "heard". */
const isHeard = (r: ReadingInput): boolean => r.kind !== 'status' || r.payload.state === 'online';

/** Where the reading puts the watermark: never past its reception, never back. */
export function markOf(cs: CommunityState, input: ReadingInput): number {
  const t = Math.min(input.eventTime, input.receivedAt);
  return cs.mark === undefined ? t : Math.max(cs.mark, t);
}

/**
 * Event time at the service clock's nowMs, for the timer (tick): the watermark, moved on by the
 * service-clock time since a reading last moved it, never past nowMs. Live, readings arrive at
 * about their event time, so this is about nowMs and the timer raises what falls due as it falls
 * due. During a late upload the watermark is hours behind while readings keep arriving: judged on
 * nowMs, every device of the upload would look silent between two of its readings (its next one
 * not taken yet), and the timer would raise and clear an alarm for each gap. Judged on this, the
 * timer waits for the upload, and the watermark raises the upload's episodes in order. When the
 * community falls silent altogether, this goes on with the clock and the timer raises the silence.
 */
export function eventNow(cs: CommunityState, nowMs: number): number {
  if (cs.mark === undefined || cs.markAt === undefined) return nowMs;
  return Math.min(nowMs, cs.mark + Math.max(0, nowMs - cs.markAt));
}

/**
 * Called by evaluate() for a new (not duplicate) reading, after it is recorded and before the
 * rules' onReading: the conditions due up to the reading's time are raised first, so that the
 * reading itself can clear them (a device back, a shift starting, a broadcast playing again).
 * Then the watermark and the device's heardAt move on. Outcomes are in event-time order.
 */
export function advanceWatermark(cs: CommunityState, input: ReadingInput, rc: RuleContext, rules: readonly RuleModule[]): Outcome[] {
  const from = cs.mark;
  const to = markOf(cs, input);
  const out: Outcome[] = [];
  // The first reading only sets the watermark: before it there is nothing to judge silence against.
  if (from !== undefined && to > from) {
    const wc = { ...rc, from, to };
    for (const r of rules) {
      const due = r.onWatermark?.(wc);
      if (due !== undefined && due.length > 0) out.push(...due);
    }
  }
  if (from === undefined || to > from) cs.markAt = input.receivedAt;
  cs.mark = to;
  if (isHeard(input)) {
    const heard = (cs.heardAt ??= {});
    heard[input.deviceId] = Math.max(heard[input.deviceId] ?? -Infinity, input.eventTime);
  }
  // Stable: a rule's own alarm and clear of one subject keep their order.
  return out.length > 1 ? out.sort((a, b) => a.eventTime - b.eventTime) : out;
}
