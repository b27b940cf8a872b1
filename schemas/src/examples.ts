/**
 * One valid payload per message kind. They are embedded in the generated JSON
 * Schema, shown in schemas/README.md, and tests check both stay valid.
 */
import type { MessageKind, PayloadOf } from './device-messages.js';

export const EXAMPLE_COMMUNITY = 'hc-001';

export const EXAMPLES: { [K in MessageKind]: { deviceId: string; payload: PayloadOf<K> } } = {
  temperature: {
    deviceId: 'therm-g1',
    payload: { seq: 1, ts: '2021-02-03T08:15:00+08:00', gateId: 'g1', temperatureC: 38.1, subject: 'resident', personRef: 'p-7f3a9c' },
  },
  access: {
    deviceId: 'panel-g1',
    payload: {
      seq: 1,
      ts: '2021-02-03T08:15:05+08:00',
      gateId: 'g1',
      direction: 'in',
      role: 'resident',
      personRef: 'p-7f3a9c',
      decision: 'allowed',
      checks: { temperature: true, identity: true, itinerary: true },
    },
  },
  shift: {
    deviceId: 'panel-g1',
    payload: { seq: 2, ts: '2021-02-03T08:00:00+08:00', gateId: 'g1', event: 'start', staffRef: 's-guard-01' },
  },
  disinfection: {
    deviceId: 'sprayer-1',
    payload: {
      seq: 1,
      ts: '2021-02-03T09:20:00+08:00',
      areaId: 'b2-lobby',
      location: 'Building 2 lobby',
      target: 'area',
      agent: 'chlorine',
      concentrationMgPerL: 500,
      startedAt: '2021-02-03T09:05:00+08:00',
      durationS: 900,
      operatorRef: 's-clean-03',
    },
  },
  ventilation: {
    deviceId: 'vent-b2',
    payload: { seq: 1, ts: '2021-02-03T09:40:00+08:00', areaId: 'b2-lobby', location: 'Building 2 lobby', startedAt: '2021-02-03T09:20:00+08:00', durationS: 1200 },
  },
  broadcast: {
    deviceId: 'speaker-1',
    payload: { seq: 1, ts: '2021-02-03T06:00:00+08:00', state: 'playing' },
  },
  door: {
    deviceId: 'door-club',
    payload: { seq: 1, ts: '2021-02-03T10:00:00+08:00', roomId: 'club', state: 'closed' },
  },
  status: {
    deviceId: 'therm-g1',
    payload: { seq: 3, ts: '2021-02-03T08:20:00+08:00', state: 'online', batteryPct: 87, rssiDbm: -61, firmware: '1.4.2', uptimeS: 86400 },
  },
};
