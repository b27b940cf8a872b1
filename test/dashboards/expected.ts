/**
 * What each panel must show for the simulated day (simulated-day.ts), worked
 * out by hand: one check per panel title, for any day the clock is set to.
 */
import { expect } from 'vitest';
import type { InfluxQueryResult } from '../support/influxd.js';
import { bySeries } from './grafana.js';
import { DAY, HOUR, type SimClock } from './simulated-day.js';

/** Rows of a series from `from` on (running counts start a day before the range). */
export const inRange = (rows: unknown[][] | undefined, from: number) => (rows ?? []).filter((r) => (r[0] as number) >= from);

/** [time, value] for every hour of [from, NOW] (Grafana's $timeFilter includes its end). */
export function hourly({ DAY0, NOW }: SimClock, from: number, value: (hour: number) => number): unknown[][] {
  const rows: unknown[][] = [];
  for (let t = from; t <= NOW; t += HOUR) rows.push([t, value((t - DAY0) / HOUR)]);
  return rows;
}

export type Check = (result: InfluxQueryResult, range: { from: number; to: number }) => void;


/** Community dashboard, hc-001; worked out from simulated-day.ts. */
export function communityChecks(T: SimClock): Record<string, Check> {
  const { DAY0, at } = T;
  const hourlyT = (from: number, value: (hour: number) => number) => hourly(T, from, value);
  return {
  'Gate temperatures': (r) =>
    expect(bySeries(r)).toEqual({
      // 09:00 is exactly 37.3 (not a fever, still drawn); 13:00's 45.0 is implausible and left out; 08:30 falls in 08:00.
      'gate=g1': [[at(8), 36.5], [at(9), 37.3], [at(10), 38.1], [at(12), 36.8]],
      'gate=g2': [[at(8), 36.6], [at(11), 37.5]],
    }),
  // 38.1 at g1 and 37.5 at g2; not 37.3, not 45.0, not yesterday's 38.5, not hc-002's 39.0.
  Fevers: (r) => expect(bySeries(r)).toEqual({ '': [[DAY0, 2]] }),
  'Fever alarms': (r) => {
    expect(r.results[0]?.series?.[0]?.columns).toEqual(['time', 'alarm_id', 'rule', 'event', 'severity', 'occurrences', 'title']);
    expect(bySeries(r)).toEqual({
      '': [
        [at(10), 1, 'fever', 'opened', 'critical', 1, 'Fever 38.1 °C at gate g1'],
        [at(10, 5), 1, 'fever', 'acknowledged', 'critical', 1, 'Fever 38.1 °C at gate g1'],
        [at(10, 30), 1, 'fever', 'resolved', 'critical', 1, 'Fever 38.1 °C at gate g1'],
        [at(11), 2, 'fever', 'opened', 'critical', 1, 'Fever 37.5 °C at gate g2'],
        [at(12, 30), 7, 'staff-fever', 'opened', 'high', 1, 'Staff member on duty after a fever'],
      ],
    });
  },
  'Gate staffing over the day': (r, { from }) => {
    const s = bySeries(r);
    expect(Object.keys(s).sort()).toEqual(['gate=g1', 'gate=g2']);
    // g1: night shift from yesterday 20:00 (before the range), hand-over at 08:00, gap 16:00-17:00.
    expect(inRange(s['gate=g1'], from)).toEqual(hourlyT(from, (h) => (h === 16 ? 0 : 1)));
    expect(inRange(s['gate=g2'], from)).toEqual(hourlyT(from, (h) => (h >= 8 && h < 18 ? 1 : 0)));
  },
  'Unstaffed minutes today': (r) => expect(bySeries(r)).toEqual({ 'gate=g1': [[DAY0, 60]], 'gate=g2': [[DAY0, 600]] }),
  // g1: 4 residents (one without itinerary), a food rider, 5 contractors = 10 entries, 9 fully checked.
  'Fully checked entries': (r) => expect(bySeries(r)).toEqual({ 'gate=g1': [[DAY0, 0.9]], 'gate=g2': [[DAY0, 1]] }),
  'Couriers and delivery riders at the gates': (r) => expect(bySeries(r)).toEqual({ 'decision=allowed': [[DAY0, 1]], 'decision=denied': [[DAY0, 2]] }),
  'Contractors on site': (r, { from }) =>
    expect(inRange(bySeries(r)[''], from)).toEqual(hourlyT(from, (h) => (h === 9 ? 3 : h === 10 ? 5 : h >= 11 && h < 17 ? 3 : 0))),
  'Disinfection sessions today per area (2 required)': (r, { from }) => {
    expect(from).toBe(DAY0 - 6 * DAY);
    const week = (...v: number[]) => v.map((n, i) => [from + i * DAY, n]);
    expect(bySeries(r)).toEqual({
      // 250 and 500 count, 600 does not; the wipe and the garbage session are other targets.
      'area=b2-lobby': week(0, 0, 0, 0, 0, 0, 2),
      'area=b3-corridor': week(0, 0, 0, 0, 0, 0, 1),
      'area=parking': week(0, 0, 0, 0, 0, 1, 0),
    });
  },
  'Ventilation periods today per area (2 required)': (r) => expect(bySeries(r)).toEqual({ 'area=b2-lobby': [[DAY0, 2]], 'area=b3-corridor': [[DAY0, 0]] }),
  'Ventilation minutes per day': (r) => expect(bySeries(r)).toEqual({ 'area=b2-lobby': [[DAY0, 90]], 'area=b3-corridor': [[DAY0, 15]] }),
  'Device online state': (r, { from }) =>
    expect(bySeries(r)).toEqual({ 'device=therm-g1': hourlyT(from, () => 1), 'device=therm-g2': hourlyT(from, (h) => (h < 14 ? 1 : 0)) }),
  'Devices flagged': (r) => expect(bySeries(r, false)).toEqual({ '': [[1]] }),
};
}

/** County overview. */
export function countyChecks(T: SimClock): Record<string, Check> {
  const { DAY0, NOW } = T;
  return {
  'Latest inspection score per community': (r) =>
    expect(bySeries(r, false)).toEqual({ 'community=hc-001': [[58, 0]], 'community=hc-002': [[85, 1]], 'community=hc-003': [[40, 0]] }),
  'Communities failing': (r) => expect(bySeries(r, false)).toEqual({ '': [[2]] }),
  'Failed inspections per day': (r, { from }) => {
    const rows = bySeries(r)[''] ?? [];
    const first = DAY0 - 30 * DAY; // the local day holding now-30d
    expect(from).toBe(NOW - 30 * DAY);
    expect(rows).toEqual(Array.from({ length: 31 }, (_, i) => [first + i * DAY, i === 30 ? 2 : 0]));
  },
  'Telemetry sub-scores today': (r) =>
    expect(bySeries(r, false)).toEqual({ 'community=hc-001': [[45, 57, 1]], 'community=hc-002': [[57, 57, 0]] }),
  'Open alarms per community': (r) => expect(bySeries(r, false)).toEqual({ 'community=hc-001': [[4]], 'community=hc-002': [[1]] }),
  'Devices flagged per community': (r) => expect(bySeries(r, false)).toEqual({ 'community=hc-001': [[1]], 'community=hc-002': [[0]] }),
  'Devices offline per community': (r) => expect(bySeries(r, false)).toEqual({ 'community=hc-001': [[1]], 'community=hc-002': [[1]] }),
  // The registry's names (hc-003 is in no registry entry: it has none).
  'Community names': (r) => expect(bySeries(r, false)).toEqual({ 'community=hc-001': [['阳光花园']], 'community=hc-002': [['和平里']] }),
};
}
