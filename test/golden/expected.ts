/**
 * What golden days compare against: the full telemetry marks of the checklist,
 * and the pure rules engine run over the same scenario (the service's facts
 * must equal what the engine says of the same readings, whatever the order
 * and duplicates they arrived in).
 */
import { isRaw, type SimMessage } from '../../devices-sim/messages.js';
import type { SimCommunity } from '../../devices-sim/community.js';
import { createInitialState, dailyFacts, evaluate, parseRulesConfig, type DailyFact, type ReadingInput } from '../../services/rules/index.js';

/** Every auto / assisted item at full points: 57 of the 100 (the rest are manual). */
export const FULL_MARKS: Record<string, number | null> = {
  '1.4': 3, '2.1': 8, '3.1': 8, '3.2': 2, '3.3': 10, '4.1': 10, '4.2': 5, '4.3': 5, '6.1': 2, '7.2': 2, '7.3': 2,
};

/** Status and figures of each fact, keyed "rule place" (reading ids differ between runs). */
export const factTable = (facts: readonly DailyFact[]): Record<string, { status: string; figures: Record<string, number> }> =>
  Object.fromEntries(facts.map((f) => [`${f.rule} ${f.place}`, { status: f.status, figures: f.figures }]));

/** The pure engine's facts for a community's day from the structured messages, in send order. */
export function engineFacts(messages: readonly SimMessage[], community: SimCommunity, day: string, asOf: number): DailyFact[] {
  const config = parseRulesConfig({ lateAfterHours: 96 });
  const layout = {
    communityId: community.id, timeZone: community.timeZone,
    gates: community.gates.map((g) => ({ id: g.id })), areas: community.areas.map((a) => ({ id: a.id, kind: a.kind })),
    devices: community.devices, staff: community.staff,
  };
  // The layout is an input: the community's, given with each reading of it (only its readings are fed).
  const ctx = { config, layout };
  let state = createInitialState();
  let id = 0;
  for (const m of messages) {
    if (isRaw(m) || m.communityId !== community.id) continue;
    const eventTime = Date.parse(m.payload.ts);
    const input = { kind: m.kind, communityId: m.communityId, deviceId: m.deviceId, payload: m.payload, readingId: ++id, eventTime, receivedAt: asOf } as ReadingInput;
    state = evaluate(state, input, ctx).state;
  }
  return dailyFacts(state, layout, day, asOf, ctx);
}
