/**
 * Facts depend on the set of readings, never on their order: a recorded day
 * fed in journal order, then shuffled with duplicates and a late batch, and
 * across a restart (JSON round trip, or a journal replay) gives equal facts.
 */
import { describe, expect, it } from 'vitest';
import { evaluate, rebuildState, restoreState, serializeState, type ReadingInput } from '../../services/rules/index.js';
import { ctx, facts, feed } from './fixtures.js';
import { recordedDay, rng, shuffle } from './recorded-day.js';

const day = recordedDay();
const ordered = feed(day).state;
const expected = facts(ordered);

describe('replay of a recorded day', () => {
  it('is a real day: a few hundred messages of every kind, facts of every rule', () => {
    const kinds = new Set(day.map((r) => r.kind));
    expect([...kinds].sort()).toEqual(['access', 'broadcast', 'disinfection', 'door', 'shift', 'status', 'temperature', 'ventilation']);
    expect(day.filter((r) => r.kind !== 'status').length).toBeGreaterThan(400);
    expect(new Set(expected.map((f) => f.rule)).size).toBe(15);
  });

  it('pins the headline facts of the day', () => {
    const pick = (rule: string, place: string) => expected.find((f) => f.rule === rule && f.place === place);
    expect(pick('fever', 'g1')?.figures).toEqual({ measured: 181, fevers: 2, implausible: 1 });
    // Every session after 07:46 was run by s-clean-03: 3 area, 2 touch-point, 1 garbage.
    expect(pick('staff-fever', 's-clean-03')).toMatchObject({ status: 'fail', figures: { fevers: 1, dutyEventsAfterFever: 6 } });
    expect(pick('gate-staffed', 'g1')).toMatchObject({ status: 'fail', figures: { staffedMinutes: 1431, unstaffedMinutes: 9, noDataMinutes: 0 } });
    expect(pick('contractors', '*')).toMatchObject({ status: 'fail', figures: { maxOnSite: 6, limit: 4 } });
    expect(pick('area-disinfection', 'b2-lobby')).toMatchObject({ status: 'pass', figures: { validSessions: 2, invalidSessions: 1 } });
    expect(pick('post-ventilation', 'b2-lobby')).toMatchObject({ status: 'fail', figures: { sessions: 2, ventilatedSessions: 1 } });
    // Heartbeats stop after 02:55, which vouches until 03:10; they resume at 04:00.
    expect(pick('broadcast', 'speaker-1')).toMatchObject({ status: 'fail', figures: { playingMinutes: 1370, silentMinutes: 20, noDataMinutes: 50 } });
    expect(pick('venues-closed', 'club')).toMatchObject({ status: 'fail', figures: { openMinutes: 15, openings: 1 } });
    expect(pick('device-health', 'sprayer-bins')).toMatchObject({ status: 'fail', figures: { onlineMinutes: 1440, offlineMinutes: 0, faultReports: 1 } });
    expect(pick('device-health', 'vent-hall')).toMatchObject({ status: 'fail', figures: { onlineMinutes: 1400, offlineMinutes: 40, faultReports: 0 } });
  });

  it('gives equal facts shuffled, with duplicates and a late batch', () => {
    const rand = rng(7);
    const late = new Set(day.filter((r) => r.kind !== 'status' && rand() < 0.1).map((r) => r.readingId));
    const onTime = day.filter((r) => !late.has(r.readingId));
    // QoS 1 redeliveries: the same journal row again, and the same (device, seq) under a later id.
    const dupes = shuffle(day, rand).slice(0, 150);
    const redelivered: ReadingInput[] = dupes.slice(0, 75);
    const reJournaled: ReadingInput[] = dupes.slice(75).map((r) => ({ ...r, readingId: r.readingId + 100_000 }));
    const lateBatch = day.filter((r) => late.has(r.readingId)).map((r) => ({ ...r, receivedAt: r.eventTime + 20 * 3_600_000 }));
    const messy = [...shuffle([...onTime, ...redelivered, ...reJournaled], rand), ...lateBatch];
    expect(facts(feed(messy).state)).toEqual(expected);
  });

  it('a duplicate changes nothing and raises nothing', () => {
    const fever = day.find((r) => r.kind === 'temperature' && r.payload.temperatureC === 38.2) as ReadingInput;
    const again = evaluate(ordered, fever, ctx);
    expect(again.outcomes).toEqual([]);
    expect(facts(again.state)).toEqual(expected);
  });
});

describe('restart', () => {
  const half = Math.floor(day.length / 2);
  const first = feed(day.slice(0, half)).state;

  it('state round-trips through JSON exactly', () => {
    expect(restoreState(serializeState(first))).toEqual(first);
    // Version 1 held temperatures as objects by seq (before the compact rows): refused, rebuild from the journal.
    expect(() => restoreState('{"version":1,"communities":{}}')).toThrow(/version 2/);
    expect(() => restoreState('{"version":2}')).toThrow(/version 2/);
  });

  it('feed half, serialise, restore, feed the rest: identical facts', () => {
    const restored = restoreState(JSON.parse(JSON.stringify(serializeState(first))) as string);
    expect(facts(feed(day.slice(half), restored).state)).toEqual(expected);
  });

  it('or rebuild from the journal in id order: identical facts', () => {
    const rebuilt = rebuildState(
      [...day.slice(0, half)].sort((a, b) => a.readingId - b.readingId),
      ctx,
    );
    expect(facts(feed(day.slice(half), rebuilt).state)).toEqual(expected);
  });
});
