/**
 * The alarm webhook in Chinese mode (GW_NOTIFY_LANGUAGE=zh, the default):
 * the WeCom and DingTalk bodies a real HTTP receiver gets for alarms of every
 * kind a reading raises hold no English, only ids; in English mode they are English.
 * Places read as the registry names them (gate g1 is 南门; the room club is
 * not registered, so it stays an id); a device keeps its id, with where it is.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { englishWords } from '../support/english.js';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { eventually, shanghaiIso, startTestService, type TestService } from '../support/service.js';

const IDS = ['hc-001', 'therm-g1', 'panel-g1', 'door-club', 'club', 'g1', 'p-0a1b2c', 's-guard-01', 'p-77aa01'];

/** Publish readings that raise six alarms of five rules; return the bodies the receiver got. */
async function raiseAlarms(svc: TestService, receiver: Receiver): Promise<any[]> {
  const now = Date.now();
  const ts = shanghaiIso(now - 60_000);
  const therm = await svc.connect('therm-g1');
  const panel = await svc.connect('panel-g1');
  const door = await svc.connect('door-club');
  const temp = (seq: number, c: number, subject: string, personRef: string) =>
    therm.publishAsync('gatewatch/v1/hc-001/therm-g1/temperature', JSON.stringify({ seq, ts, gateId: 'g1', temperatureC: c, subject, personRef }), { qos: 1 });
  await temp(1, 38.4, 'visitor', 'p-0a1b2c');
  await temp(2, 33.0, 'resident', 'p-77aa01');
  await panel.publishAsync('gatewatch/v1/hc-001/panel-g1/access', JSON.stringify({
    seq: 1, ts, gateId: 'g1', direction: 'in', role: 'food_delivery', decision: 'allowed', checks: { temperature: true, identity: false, itinerary: false },
  }), { qos: 1 });
  await panel.publishAsync('gatewatch/v1/hc-001/panel-g1/status', JSON.stringify({ seq: 2, ts, state: 'fault' }), { qos: 1 });
  await door.publishAsync('gatewatch/v1/hc-001/door-club/door', JSON.stringify({ seq: 1, ts, roomId: 'club', state: 'open' }), { qos: 1 });
  await eventually(() => receiver.received.length >= 5 || undefined, 8000, 25);
  return receiver.received.map((r) => r.body);
}

describe.each([
  ['wecom', (b: any) => b.markdown.content as string],
  ['dingtalk', (b: any) => `${b.markdown.title}\n${b.markdown.text}` as string],
] as const)('%s alarm messages', (format, textOf) => {
  let receiver: Receiver;
  let zh: TestService;
  let bodies: any[] = [];

  beforeAll(async () => {
    receiver = await startReceiver();
    zh = await startTestService({ GW_ALARM_WEBHOOK_URL: receiver.url, GW_ALARM_WEBHOOK_FORMAT: format });
    bodies = await raiseAlarms(zh, receiver);
  });
  afterAll(async () => {
    await zh?.stop();
    await receiver?.close();
  });

  it('are Chinese: no English word in any of them, only ids', () => {
    expect(bodies.map((b) => b.msgtype)).toEqual(['markdown', 'markdown', 'markdown', 'markdown', 'markdown']);
    const texts = bodies.map(textOf);
    expect(texts.flatMap((t) => englishWords(t, IDS))).toEqual([]);
    const all = texts.join('\n');
    expect(all).toContain('【体温检测告警】阳光花园');
    expect(all).toContain('> 事件：出入口 南门 测得发热 38.4 °C（访客）');
    expect(all).toContain('> 事件：出入口 南门 的测温设备 therm-g1（南门） 报告异常读数 33.0 °C');
    expect(all).toContain('> 事件：出入口 南门 放行了外卖员');
    expect(all).toContain('> 事件：设备 panel-g1（南门） 报告故障');
    expect(all).not.toContain('出入口 g1');
    expect(all).toContain('> 事件：活动室 club 处于开放状态');
    expect(all).toContain('> 级别：紧急');
  });
});

describe('English mode', () => {
  it('GW_NOTIFY_LANGUAGE=en writes the same messages in English', async () => {
    const receiver = await startReceiver();
    const svc = await startTestService({ GW_ALARM_WEBHOOK_URL: receiver.url, GW_ALARM_WEBHOOK_FORMAT: 'wecom', GW_NOTIFY_LANGUAGE: 'en' });
    try {
      const texts = (await raiseAlarms(svc, receiver)).map((b) => b.markdown.content as string).join('\n');
      expect(texts).toContain('### [Temperature checks alarm] 阳光花园');
      expect(texts).toContain('> Event: Fever 38.4 °C (visitor) at gate 南门');
      expect(texts).toContain('> Event: A food-delivery rider was let in at gate 南门');
      expect(texts).toContain('> Event: Device panel-g1 (南门) reported fault');
      expect(texts).not.toMatch(/[级事时]/);
    } finally {
      await svc.stop();
      await receiver.close();
    }
  });
});
