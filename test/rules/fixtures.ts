/** Test fixtures for the rules engine: a community layout and a reading builder. */
import { DEFAULT_RULES_CONFIG, type CommunityLayout, type EvaluateContext, type LayoutsContext, type Outcome, type ReadingInput, type RulesState } from '../../services/rules/index.js';
import { createInitialState, evaluate } from '../../services/rules/index.js';
import type { DeviceMessage } from '../../schemas/src/device-messages.js';

export const C = 'hc-001';
export const DAY = '2021-02-03';

export const layout: CommunityLayout = {
  communityId: C,
  timeZone: 'Asia/Shanghai',
  gates: [{ id: 'g1' }],
  areas: [
    { id: 'b2-lobby', kind: 'lobby' },
    { id: 'tp-1', kind: 'touch_points' },
    { id: 'bins-1', kind: 'garbage' },
    { id: 'hall', kind: 'indoor' },
    { id: 'club', kind: 'activity_room' },
  ],
  devices: [
    { id: 'therm-g1', kind: 'thermometer', location: 'g1' },
    { id: 'panel-g1', kind: 'access_panel', location: 'g1' },
    { id: 'sprayer-1', kind: 'sprayer', location: 'b2-lobby' },
    { id: 'vent-b2', kind: 'ventilation', location: 'b2-lobby' },
    { id: 'vent-hall', kind: 'ventilation', location: 'hall' },
    { id: 'sprayer-tp', kind: 'sprayer', location: 'tp-1' },
    { id: 'sprayer-bins', kind: 'sprayer', location: 'bins-1' },
    { id: 'speaker-1', kind: 'speaker', location: '' },
    { id: 'door-club', kind: 'door_sensor', location: 'club' },
  ],
  staff: [
    { ref: 's-guard-01', role: 'gate_attendant', active: true },
    { ref: 's-clean-03', role: 'cleaner', active: true },
  ],
};

/**
 * The layout is an input (services/rules README): `layout` for evaluate(), `layouts` for tick() and
 * rebuildState(); the fixture community's only. Another community's reading gets no layout.
 */
export type FixtureContext = EvaluateContext & LayoutsContext;
export const ctx: FixtureContext = { config: DEFAULT_RULES_CONFIG, layout, layouts: new Map([[C, layout]]) };

/** ms of a local (+08:00) wall time, e.g. at('12:17') or at('23:59:59', '2021-02-02'). */
export function at(time: string, day = DAY): number {
  const t = time.length === 5 ? `${time}:00` : time;
  return Date.parse(`${day}T${t}+08:00`);
}

/** ISO 8601 with +08:00, as devices write it. */
export function iso(ms: number): string {
  return new Date(ms + 8 * 3_600_000).toISOString().replace(/\.\d{3}Z$/, '+08:00');
}

type Payload<K extends DeviceMessage['kind']> = Omit<Extract<DeviceMessage, { kind: K }>['payload'], 'seq' | 'ts'>;

/** Builds journal readings with per-device seq and increasing readingIds. */
export class Journal {
  private seq = new Map<string, number>();
  private nextId = 1;
  readonly readings: ReadingInput[] = [];

  add<K extends DeviceMessage['kind']>(kind: K, deviceId: string, eventTime: number, payload: Payload<K>): ReadingInput {
    const seq = (this.seq.get(deviceId) ?? 0) + 1;
    this.seq.set(deviceId, seq);
    const r = {
      kind,
      communityId: C,
      deviceId,
      payload: { seq, ts: iso(eventTime), ...payload },
      readingId: this.nextId++,
      eventTime,
      receivedAt: eventTime + 1000,
    } as unknown as ReadingInput;
    this.readings.push(r);
    return r;
  }

  temp(t: number, temperatureC: number, personRef = 'p-7f3a9c', subject: 'resident' | 'visitor' | 'staff' = 'resident', dev = 'therm-g1') {
    return this.add('temperature', dev, t, { gateId: 'g1', temperatureC, subject, personRef });
  }

  shift(t: number, event: 'start' | 'end', staffRef = 's-guard-01') {
    return this.add('shift', 'panel-g1', t, { gateId: 'g1', event, staffRef });
  }

  access(t: number, role: Payload<'access'>['role'], direction: 'in' | 'out' = 'in', opts: Partial<Payload<'access'>> = {}) {
    return this.add('access', 'panel-g1', t, {
      gateId: 'g1',
      direction,
      role,
      decision: 'allowed',
      checks: { temperature: true, identity: true, itinerary: true },
      ...opts,
    });
  }

  /** A session reported at its end. */
  spray(start: number, minutes: number, opts: Partial<Payload<'disinfection'>> = {}, dev = 'sprayer-1') {
    return this.add('disinfection', dev, start + minutes * 60_000, {
      areaId: 'b2-lobby',
      location: 'Building 2 lobby',
      target: 'area',
      agent: 'chlorine',
      concentrationMgPerL: 500,
      startedAt: iso(start),
      durationS: minutes * 60,
      operatorRef: 's-clean-03',
      ...opts,
    });
  }

  vent(start: number, minutes: number, areaId = 'b2-lobby', dev = 'vent-b2') {
    return this.add('ventilation', dev, start + minutes * 60_000, {
      areaId,
      location: areaId,
      startedAt: iso(start),
      durationS: minutes * 60,
    });
  }

  broadcast(t: number, state: 'playing' | 'stopped' | 'fault', dev = 'speaker-1') {
    return this.add('broadcast', dev, t, { state });
  }

  door(t: number, state: 'open' | 'closed', dev = 'door-club') {
    return this.add('door', dev, t, { roomId: 'club', state });
  }

  status(t: number, state: 'online' | 'offline' | 'fault', dev: string) {
    return this.add('status', dev, t, { state });
  }

  /** Heartbeats every `every` minutes in [from, to). */
  heartbeats(dev: string, from: number, to: number, every = 5) {
    for (let t = from; t < to; t += every * 60_000) this.status(t, 'online', dev);
  }

  /** Every device of the layout heartbeating all day (and the evening before). */
  allOnline(from = at('23:50', '2021-02-02'), to = at('00:00', '2021-02-04')) {
    for (const d of layout.devices) this.heartbeats(d.id, from, to);
  }
}

export function feed(inputs: readonly ReadingInput[], state: RulesState = createInitialState(), c: LayoutsContext = ctx) {
  const outcomes: Outcome[] = [];
  for (const r of inputs) {
    const step = evaluate(state, r, { ...c, layout: c.layouts.get(r.communityId) });
    state = step.state;
    outcomes.push(...step.outcomes);
  }
  return { state, outcomes };
}

export const END_OF_DAY = at('00:00', '2021-02-04');

import { dailyFacts, type DailyFact, type RuleId } from '../../services/rules/index.js';

export function facts(state: RulesState, day = DAY, asOf = at('00:00', '2021-02-05')): DailyFact[] {
  return dailyFacts(state, layout, day, asOf, ctx);
}

export function factOf(state: RulesState, rule: RuleId, place: string, day = DAY, asOf?: number): DailyFact {
  const f = facts(state, day, asOf).find((x) => x.rule === rule && x.place === place);
  if (!f) throw new Error(`no ${rule} fact for ${place}`);
  return f;
}

/** A journal with every device heartbeating all day. */
export function online(): Journal {
  const j = new Journal();
  j.allOnline();
  return j;
}
