/**
 * Time-driven alarms on event time (README "Time-driven alarms"). The live timer (tick) sees a
 * silence when the service clock passes the point it falls due at; a late batch, a replay or an
 * import never makes the timer see it, because its readings arrive after their time. So the
 * engine also keeps event-time watermarks: each device's own (the latest event time it reported,
 * bounded by the reading's receivedAt, so a clock ahead of ours cannot push it into the future),
 * on which the rules' onWatermark() raise what fell due as a device's readings move it on, and
 * the community's, which with the devices' tells the timer how far event time has got. Both
 * paths stamp an alarm with the event time it fell due at, so a live day and a late day give the
 * same alarms, and cs.open (which both go through) keeps one per episode.
 */
import type { Outcome } from './outcomes.js';
import type { RuleContext, RuleModule } from './rule.js';
import { bucketOf, type CommunityState, type ReadingInput } from './state.js';
import type { MessageKind } from '../../schemas/src/device-messages.js';

/** An offline or fault status vouches for nothing (coverage.ts isCut): it is not "heard". */
const isHeard = (r: ReadingInput): boolean => r.kind !== 'status' || r.payload.state === 'online';

/**
 * Did the device send a reading of `kind` (not a heartbeat or temperature: those are not kept as
 * records) in the UTC day buckets that [from, to) touches? Without a read of any reading: the
 * rules' onWatermark runs for nearly every reading, and mostly there is nothing due.
 */
export function mayHave(cs: CommunityState, deviceId: string, kind: MessageKind, from: number, to: number): boolean {
  for (let b = bucketOf(from); b <= bucketOf(to - 1); b++) if (cs.buckets[b]?.devices[deviceId]?.kinds[kind]) return true;
  return false;
}

/** Where the reading puts a watermark: never past its reception, never back. */
function markOf(mark: number | undefined, input: ReadingInput): number {
  const t = Math.min(input.eventTime, input.receivedAt);
  return mark === undefined ? t : Math.max(mark, t);
}

/** A watermark moved on by the service-clock time since it last moved, never past nowMs. */
const movedOn = (mark: number, markAt: number, nowMs: number): number => Math.min(nowMs, mark + Math.max(0, nowMs - markAt));

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
  return cs.mark === undefined || cs.markAt === undefined ? nowMs : movedOn(cs.mark, cs.markAt, nowMs);
}

/** The same on one device's own watermark (a device that never reported: the service clock). */
export function eventNowOf(cs: CommunityState, deviceId: string, nowMs: number): number {
  const mark = cs.deviceMarks?.[deviceId];
  const at = cs.deviceMarksAt?.[deviceId];
  return mark === undefined || at === undefined ? nowMs : movedOn(mark, at, nowMs);
}

/**
 * Called by evaluate() for a new (not duplicate) reading, after it is recorded and before the
 * rules' onReading: the conditions due up to the reading's time are raised first, so that the
 * reading itself can clear them (a device back, a shift starting, a broadcast playing again).
 * Then the watermarks and the device's heardAt move on. Outcomes are in event-time order.
 *
 * Judged on the reading's device's own watermark, not the community's: one device's readings
 * are in order (one client, one buffer), several devices' are not (a replay of many clients,
 * devices uploading their buffers at their own pace), and a community-wide watermark run ahead
 * by the fastest device would make every slower one look silent. So a device's silence is seen
 * when its own next reading shows the gap (or by the timer, when it does not come), and a gate's
 * shifts and a speaker's broadcasts are judged as the device that reports them moves on; a
 * panel that buffered its night and uploads it while the rest of the community was live raises
 * the unstaffed hour in it. The community's watermark serves the timer (eventNow).
 */
export function advanceWatermark(cs: CommunityState, input: ReadingInput, rc: RuleContext, rules: readonly RuleModule[]): Outcome[] {
  const from = cs.mark;
  const to = markOf(from, input);
  const marks = (cs.deviceMarks ??= {});
  const mine = marks[input.deviceId];
  const ownTo = markOf(mine, input);
  const out: Outcome[] = [];
  // A device's first reading only sets its watermark: before it there is nothing to judge against.
  if (mine !== undefined && ownTo > mine) {
    const span = { deviceId: input.deviceId, from: mine, to: ownTo };
    for (const r of rules) {
      const due = r.onWatermark?.(rc, span);
      if (due !== undefined && due.length > 0) out.push(...due);
    }
  }
  if (from === undefined || to > from) cs.markAt = input.receivedAt;
  cs.mark = to;
  if (mine === undefined || ownTo > mine) {
    marks[input.deviceId] = ownTo;
    (cs.deviceMarksAt ??= {})[input.deviceId] = input.receivedAt;
  }
  if (isHeard(input)) {
    const heard = (cs.heardAt ??= {});
    heard[input.deviceId] = Math.max(heard[input.deviceId] ?? -Infinity, input.eventTime);
  }
  // Stable: a rule's own alarm and clear of one subject keep their order.
  return out.length > 1 ? out.sort((a, b) => a.eventTime - b.eventTime) : out;
}
