/** SPEC device-health: a device that stops is alarmed by tick(); its silence is no_data in facts. */
import { describe, expect, it } from 'vitest';
import { tick } from '../../services/rules/index.js';
import { at, ctx, factOf, feed, online } from './fixtures.js';

/** All devices online, except the gate's thermometer and panel are silent 10:00-14:00. */
function gateSilent() {
  const j = online();
  j.shift(at('20:00', '2021-02-02'), 'start');
  j.temp(at('08:00'), 36.5, 's-guard-01', 'staff');
  j.access(at('08:01'), 'resident');
  const gap = j.readings.filter((r) => (r.deviceId === 'therm-g1' || r.deviceId === 'panel-g1') && r.eventTime >= at('10:00') && r.eventTime < at('14:00'));
  // In event-time order, as they come live: fed device by device, the first device's readings would move
  // the event-time watermark past the others' and make them look silent (watermark.ts).
  const readings = j.readings.filter((r) => !gap.includes(r)).sort((a, b) => a.eventTime - b.eventTime || a.readingId - b.readingId);
  return { j, readings };
}

describe('silence', () => {
  it('tick raises device-offline once the silence threshold passes, once; the device coming back clears it', () => {
    const { readings } = gateSilent();
    const upTo = (t: number) => readings.filter((r) => r.eventTime < t);
    // Last heard at 09:55 event time: silent 14 min 59.999 s at 10:09:59.999, 15 min at 10:10, the point
    // the alarm is stamped at (the same the event-time watermark gives, watermark.ts).
    let { state } = feed(upTo(at('10:10')));
    expect(tick(state, at('10:10') - 1, ctx).outcomes).toEqual([]);
    const raised = tick(state, at('10:10:01'), ctx);
    expect(raised.outcomes).toEqual(
      ['therm-g1', 'panel-g1'].map((id) => ({
        type: 'alarm',
        rule: 'device-health',
        communityId: 'hc-001',
        subject: `device:${id}`,
        severity: 'medium',
        eventTime: at('10:10'),
        titleMessage: { code: 'alarm.device-offline', params: { device: id, minutes: 15 } },
        title: `Device ${id} offline: silent for 15 min`,
        details: { deviceId: id, lastHeardAt: at('09:55'), silentMinutes: 15 },
        readingIds: [],
      })),
    );
    const between = (a: string, b: string) => readings.filter((r) => r.eventTime >= at(a) && r.eventTime < at(b));
    const later = feed(between('10:10', '10:30'), raised.state);
    expect(later.outcomes).toEqual([]);
    expect(tick(later.state, at('10:30'), ctx).outcomes).toEqual([]);
    const back = feed(between('10:30', '14:00:01'), later.state);
    expect(back.outcomes.map((o) => `${o.type} ${o.subject} ${o.eventTime === at('14:00')}`)).toEqual([
      'clear device:therm-g1 true',
      'clear device:panel-g1 true',
    ]);
    state = back.state;
    expect(tick(state, at('14:05'), ctx).outcomes).toEqual([]);
  });

  it('a status "offline" alarms at once; a later reading clears it; a stale one raises nothing', () => {
    const j = online();
    const off = j.status(at('12:00'), 'offline', 'speaker-1');
    const kept = j.readings.filter((r) => !(r.deviceId === 'speaker-1' && r.eventTime >= at('12:00') && r !== off) || r.eventTime >= at('12:30'));
    // The offline status arrives after the 12:30 readings: history, not news. The 12:30 heartbeat itself shows the
    // speaker silent since 11:55 (watermark.ts): offline from 12:10, over at 12:30.
    expect(feed(kept).outcomes.map((o) => [o.type, o.subject, o.eventTime])).toEqual([
      ['alarm', 'device:speaker-1', at('12:10')],
      ['clear', 'device:speaker-1', at('12:30')],
    ]);
    const { state, outcomes } = feed([...kept].sort((a, b) => a.eventTime - b.eventTime || a.readingId - b.readingId));
    expect(outcomes.map((o) => [o.type, o.subject, o.eventTime])).toEqual([
      ['alarm', 'device:speaker-1', at('12:00')],
      ['clear', 'device:speaker-1', at('12:30')],
    ]);
    expect(factOf(state, 'device-health', 'speaker-1').figures).toEqual({ onlineMinutes: 1410, offlineMinutes: 30, faultReports: 0 });
  });

  it('missed intervals are no data in the facts, never pass or fail (issue 15: a never rule is no_data)', () => {
    const { readings } = gateSilent();
    const { state } = feed(readings);
    // Silent from 10:10 (09:55 + 15 min) to 14:00: 230 minutes.
    expect(factOf(state, 'device-health', 'therm-g1')).toMatchObject({ status: 'fail', figures: { onlineMinutes: 1210, offlineMinutes: 230 } });
    expect(factOf(state, 'gate-staffed', 'g1')).toMatchObject({ status: 'no_data', figures: { staffedMinutes: 1210, unstaffedMinutes: 0, noDataMinutes: 230, coveredPass: 1 } });
    expect(factOf(state, 'entry-checks', 'g1')).toMatchObject({ status: 'no_data', figures: { entries: 1, fullyChecked: 1, noDataMinutes: 230, coveredPass: 1 } });
  });

  it('a shortfall while the device was silent is no_data, not fail; enough sessions still pass', () => {
    const j = online();
    j.spray(at('09:05'), 15);
    const silent = j.readings.filter((r) => r.deviceId === 'sprayer-1' && r.kind === 'status' && r.eventTime >= at('15:00') && r.eventTime < at('16:00'));
    const { state } = feed(j.readings.filter((r) => !silent.includes(r)));
    // Last heartbeat 14:55 vouches until 15:10; heard again at 16:00.
    expect(factOf(state, 'area-disinfection', 'b2-lobby')).toMatchObject({ status: 'no_data', figures: { validSessions: 1, noDataMinutes: 50 } });
    const { state: full } = feed([j.spray(at('17:00'), 15)], state);
    expect(factOf(full, 'area-disinfection', 'b2-lobby')).toMatchObject({ status: 'pass', figures: { validSessions: 2, noDataMinutes: 50 } });
  });

  it('devices silent all day: no_data everywhere they are needed', () => {
    const j = online();
    const { state } = feed(j.readings.filter((r) => r.deviceId !== 'door-club' && r.deviceId !== 'therm-g1' && r.deviceId !== 'vent-hall'));
    expect(factOf(state, 'venues-closed', 'club')).toMatchObject({ status: 'no_data', figures: { openMinutes: 0, openings: 0, noDataMinutes: 1440 } });
    expect(factOf(state, 'staff-ledger', 's-guard-01')).toMatchObject({ status: 'no_data', figures: { checks: 0 } });
    expect(factOf(state, 'fever', 'g1')).toMatchObject({ status: 'no_data', figures: { measured: 0 } });
    expect(factOf(state, 'ventilation', 'hall')).toMatchObject({ status: 'no_data', figures: { validPeriods: 0, noDataMinutes: 1440 } });
    expect(factOf(state, 'device-health', 'door-club')).toMatchObject({ status: 'fail', figures: { onlineMinutes: 0, offlineMinutes: 1440 } });
  });

  it('a day not yet begun at asOf is no_data', () => {
    const { state } = feed(online().readings);
    expect(factOf(state, 'device-health', 'therm-g1', '2021-02-03', at('00:00')).status).toBe('no_data');
  });
});
