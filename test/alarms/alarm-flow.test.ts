/**
 * An alarm people can act on, end to end: a fever reading published over
 * MQTT raises an alarm visible through the API and POSTed to the webhook
 * within one second; operators acknowledge and resolve it through the API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { eventually, startTestService, type TestService } from '../support/service.js';

let svc: TestService;
let receiver: Receiver;

beforeAll(async () => {
  receiver = await startReceiver();
  svc = await startTestService({ GW_ALARM_WEBHOOK_URL: receiver.url, GW_ALARM_WEBHOOK_FORMAT: 'json' });
});
afterAll(async () => {
  await svc?.stop();
  await receiver?.close();
});

describe('fever alarm end to end', () => {
  it('reaches the API and the webhook within one second of the publish, and can be acknowledged and resolved', async () => {
    const device = await svc.connect('therm-g1');
    const sentAt = Date.now();
    await device.publishAsync('gatewatch/v1/hc-001/therm-g1/temperature',
      JSON.stringify({ seq: 1, ts: new Date().toISOString(), gateId: 'g1', temperatureC: 38.4, subject: 'visitor', personRef: 'p-0a1b2c' }), { qos: 1 });
    const hook = await eventually(() => receiver.received[0], 1000, 10);
    expect(hook.at - sentAt).toBeLessThan(1000);
    expect(hook.body).toMatchObject({ type: 'alarm.opened', alarm: { rule: 'fever', subject: 'person:p-0a1b2c', severity: 'critical', status: 'open', communityId: 'hc-001' } });
    expect(hook.body.text).toContain('【体温检测告警】阳光花园');

    const [alarm] = (await svc.api('GET', '/api/v1/alarms?status=open', { token: svc.tokens.operator })).json.items;
    expect(alarm.id).toBe(hook.body.alarm.id);
    const ack = await svc.api('POST', `/api/v1/alarms/${alarm.id}/acknowledge`, { token: svc.tokens.operator, body: { note: '已引导至发热门诊' } });
    expect(ack.json).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'operator:test-operator', acknowledgeNote: '已引导至发热门诊' });
    const resolved = await svc.api('POST', `/api/v1/alarms/${alarm.id}/resolve`, { token: svc.tokens.operator, body: { note: 'negative' } });
    expect(resolved.json).toMatchObject({ status: 'resolved', resolvedBy: 'operator:test-operator' });
    expect(receiver.received).toHaveLength(1); // acknowledgements are not re-announced
  });

  it('retries while the receiver is down and delivers once it is back', async () => {
    receiver.failing = true;
    const device = await svc.connect('therm-g1');
    await device.publishAsync('gatewatch/v1/hc-001/therm-g1/temperature',
      JSON.stringify({ seq: 2, ts: new Date().toISOString(), gateId: 'g1', temperatureC: 39.0, subject: 'resident', personRef: 'p-0d0e0f' }), { qos: 1 });
    await eventually(async () => {
      const metrics = (await svc.runtime.http.inject({ method: 'GET', url: '/metrics' })).body;
      return /gatewatch_webhook_failures_total\{channel="alarms"\} [1-9]/.test(metrics);
    }, 5000);
    expect(receiver.received).toHaveLength(1);
    receiver.failing = false;
    const second = await eventually(() => receiver.received[1], 8000, 50);
    expect(second.body.alarm.subject).toBe('person:p-0d0e0f');
  });
});
