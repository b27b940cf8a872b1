/**
 * Scenarios are pure: the same (seed, day, zone, community) gives the same
 * messages; every structured payload follows the contract; the list is in
 * send order; seq increases per device with event time.
 */
import { describe, expect, it } from 'vitest';
import { DeviceMessageSchemas } from '../../schemas/src/device-messages.js';
import { decodeDeviceMessage } from '../../schemas/src/decode.js';
import { telemetryTopic } from '../../schemas/src/topics.js';
import { buildCommunity } from '../../devices-sim/community.js';
import { isRaw, type SimMessage, type SimPayloadMessage } from '../../devices-sim/messages.js';
import { SCENARIOS, SCENARIO_NAMES, scenarioByName } from '../../devices-sim/scenarios/index.js';
import { dayBounds } from '../../devices-sim/clock.js';

const community = buildCommunity(1);
const input = { seed: 7, day: '2021-02-03', timeZone: 'Asia/Shanghai', community };
const run = (name: string, seed = 7) => scenarioByName(name)({ ...input, seed });
const structured = (ms: SimMessage[]) => ms.filter((m): m is SimPayloadMessage => !isRaw(m));
const tagged = (ms: SimMessage[], prefix: string) => ms.filter((m) => m.tag?.startsWith(prefix));

describe('scenarios', () => {
  it.each(SCENARIO_NAMES)('%s: the same seed gives identical output, another seed a different day', (name) => {
    const a = run(name);
    expect(JSON.stringify(run(name))).toBe(JSON.stringify(a));
    expect(JSON.stringify(run(name, 8))).not.toBe(JSON.stringify(a));
  });

  it.each(SCENARIO_NAMES)('%s: payloads follow the contract, sent in time order, seq increasing per device', (name) => {
    const msgs = run(name);
    for (let i = 1; i < msgs.length; i++) expect(msgs[i]!.at).toBeGreaterThanOrEqual(msgs[i - 1]!.at);
    const devices = new Set(community.devices.map((d) => d.id));
    const lastSeq = new Map<string, { seq: number; t: number }>();
    const byEventTime = [...structured(msgs)].filter((m) => !m.tag?.startsWith('resend:')).sort((x, y) => Date.parse(x.payload.ts) - Date.parse(y.payload.ts));
    for (const m of structured(msgs)) {
      expect(devices.has(m.deviceId)).toBe(true);
      const decoded = decodeDeviceMessage(telemetryTopic(m.communityId, m.deviceId, m.kind), JSON.stringify(m.payload));
      expect(decoded.ok, `${m.tag}: ${JSON.stringify(decoded)}`).toBe(true);
      expect(DeviceMessageSchemas[m.kind].safeParse(m.payload).success).toBe(true);
    }
    for (const m of byEventTime) {
      const prev = lastSeq.get(m.deviceId);
      if (prev) expect(m.payload.seq).toBeGreaterThan(prev.seq);
      lastSeq.set(m.deviceId, { seq: m.payload.seq, t: Date.parse(m.payload.ts) });
    }
  });

  it('uses no randomness outside the seed (no Math.random, no clock)', () => {
    const original = Math.random;
    const originalNow = Date.now;
    Math.random = () => {
      throw new Error('Math.random called');
    };
    Date.now = () => {
      throw new Error('Date.now called');
    };
    try {
      for (const name of SCENARIO_NAMES) expect(run(name).length).toBeGreaterThan(1000);
    } finally {
      Math.random = original;
      Date.now = originalNow;
    }
  });

  it('the compliant day: every device heard every 10 minutes, all day, from the evening before', () => {
    const msgs = run('compliant');
    const [start, end] = dayBounds(input.day, input.timeZone);
    for (const dev of community.devices) {
      const hb = structured(tagged(msgs, `hb:${dev.id}`)).map((m) => Date.parse(m.payload.ts));
      expect(hb[0]!).toBeLessThanOrEqual(start - 9 * 60_000);
      expect(hb[hb.length - 1]!).toBeGreaterThanOrEqual(end - 11 * 60_000);
      for (let i = 1; i < hb.length; i++) expect(hb[i]! - hb[i - 1]!).toBe(600_000);
    }
    expect(msgs.every((m) => !isRaw(m))).toBe(true);
  });

  it('each scenario differs from the compliant day where it says it does', () => {
    const ts = (m: SimMessage) => (isRaw(m) ? '' : m.payload.ts.slice(11, 16));
    expect(tagged(run('missed-disinfection'), 'disinfect:b1-corridor')).toHaveLength(1);
    expect((structured(tagged(run('missed-disinfection'), 'disinfect:parking:2'))[0]!.payload as { concentrationMgPerL: number }).concentrationMgPerL).toBe(150);
    expect((structured(tagged(run('no-ventilation'), 'vent-after:b1-lobby:2'))[0]!.payload as { durationS: number }).durationS).toBe(600);
    expect(structured(run('resident-fevers')).filter((m) => m.kind === 'temperature' && m.payload.temperatureC > 37.3)).toHaveLength(2);
    expect(tagged(run('unstaffed-night'), 'shift:g2:c:end').map(ts)).toEqual(['02:00']);
    expect(tagged(run('couriers'), 'courier-in')).toHaveLength(2);
    expect(tagged(run('fifth-contractor'), 'contractor:').filter((m) => m.tag?.endsWith(':in'))).toHaveLength(5);
    expect(tagged(run('broadcast-stops'), 'broadcast:stopped').map(ts)).toEqual(['21:00']);
    const offline = run('device-offline').filter((m) => m.deviceId === 'sim-01-spray-bins-1');
    expect(offline[offline.length - 1]!.tag).toBe('offline:sim-01-spray-bins-1');
    const malformed = run('malformed');
    expect(malformed.filter(isRaw)).toHaveLength(9);
    expect(tagged(malformed, 'resend:')).toHaveLength(1);
  });

  it('late uploads: same messages as the compliant day, two hours of one thermometer sent at 12:05', () => {
    const late = run('late-uploads');
    const plain = run('compliant');
    const key = (m: SimMessage) => JSON.stringify([m.deviceId, m.kind, isRaw(m) ? m.rawPayload : m.payload]);
    expect(late.map(key).sort()).toEqual(plain.map(key).sort());
    const delayed = structured(late).filter((m) => m.deviceId === 'sim-01-therm-g1' && m.at - Date.parse(m.payload.ts) > 5 * 60_000);
    expect(delayed.length).toBeGreaterThan(12);
    expect(new Set(delayed.map((m) => m.at)).size).toBe(1);
  });

  it('a day in another time zone is bounded by its own local midnight', () => {
    const ny = scenarioByName('compliant')({ ...input, timeZone: 'America/New_York', community: buildCommunity(1, 'sim', 'America/New_York') });
    const shift = structured(ny).find((m) => m.tag === 'shift:g1:a:start')!;
    expect(shift.payload.ts).toBe('2021-02-03T05:58:00-05:00');
  });

  it('"a+b" is the compliant day with both things going wrong', () => {
    const both = run('couriers+broadcast-stops');
    expect(tagged(both, 'courier-in')).toHaveLength(2);
    expect(tagged(both, 'broadcast:stopped')).toHaveLength(1);
    expect(() => scenarioByName('couriers+nonsense')).toThrow(/unknown scenario "nonsense"/);
  });

  it('summaries exist for every scenario', () => {
    for (const s of Object.values(SCENARIOS)) expect(s.summary.length).toBeGreaterThan(5);
  });
});
