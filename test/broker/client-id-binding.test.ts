/**
 * Client ids are bound to devices (services/broker/client-ids.ts): `<device
 * id>` and `<device id>-<suffix>` are that device's. Two companies: therm-g1
 * (安居物业, hc-001) and therm-b1 (宜家物业, hc-002). Before, therm-b1 could
 * connect as `therm-g1` while therm-g1 was offline, and therm-g1 was then
 * refused until therm-b1 left. Over real TCP with mqtt.js.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../support/service.js';
import { reading, sleep } from './helpers.js';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService();
});
afterAll(async () => svc?.stop());

const refusedAs = (deviceId: string, clientId: string) =>
  svc.connect(deviceId, undefined, { clientId }).then(() => 'connected', (err: Error) => err.message);

describe('client ids bound to their device, across companies', () => {
  it('another company\'s device cannot take the owner\'s client id while the owner is offline; the owner then connects', async () => {
    for (const clientId of ['therm-g1', 'therm-g1-0', 'therm-g1-backup']) {
      expect(await refusedAs('therm-b1', clientId)).toMatch(/Identifier rejected/i);
      const owner = await svc.connect('therm-g1', undefined, { clientId });
      await owner.publishAsync('gatewatch/v1/hc-001/therm-g1/temperature', reading(clientId.length), { qos: 1 });
      await owner.endAsync();
    }
    expect(svc.runtime.db.prepare("SELECT seq FROM readings WHERE device_id = 'therm-g1' ORDER BY seq").pluck().all()).toEqual([8, 10, 15]);
  });

  it('refused while the owner is online, without disturbing the owner\'s connection', async () => {
    const owner = await svc.connect('therm-g1', undefined, { clientId: 'therm-g1' });
    let ownerClosed = false;
    owner.on('close', () => (ownerClosed = true));
    for (let i = 0; i < 5; i++) expect(await refusedAs('therm-b1', 'therm-g1')).toMatch(/Identifier rejected/i);
    await owner.publishAsync('gatewatch/v1/hc-001/therm-g1/temperature', reading(20), { qos: 1 });
    await sleep(100);
    expect({ ownerClosed, connected: owner.connected }).toEqual({ ownerClosed: false, connected: true });
    await owner.endAsync();
  });

  it('each device keeps its own client ids, and ids outside every device\'s namespace stay usable', async () => {
    expect(await refusedAs('therm-b1', 'therm-b1')).toBe('connected');
    expect(await refusedAs('therm-b1', 'therm-b1-2')).toBe('connected');
    expect(await refusedAs('therm-g1', 'therm-b1-3')).toMatch(/Identifier rejected/i);
    expect(await refusedAs('therm-g1', 'mosq-4f7a2c9d1e')).toBe('connected');
    // A prefix that is not at a "-" boundary is no one's: therm-g1x is not therm-g1's.
    expect(await refusedAs('therm-b1', 'therm-g1x')).toBe('connected');
  });
});
