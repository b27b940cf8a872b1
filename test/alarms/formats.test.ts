import { describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { alarmMessage, localTime, webhookBody } from '../../services/notify/formats.js';
import { signedUrl } from '../../services/notify/webhook-outbox.js';
import type { Alarm } from '../../services/store/alarms-repo.js';

const alarm: Alarm = {
  id: 7, communityId: 'hc-001', rule: 'gate-staffed', subject: 'gate:g1', severity: 'high', status: 'open', title: 'Gate g1 unstaffed since 02:10',
  titleMessage: { code: 'alarm.gate-staffed', params: { gate: 'g1', minutes: 20 } },
  details: {}, firstEventTime: Date.parse('2021-02-03T02:10:00+08:00'), lastEventTime: 0, occurrences: 1, readingIds: [], openedAt: 0,
  acknowledgedAt: null, acknowledgedBy: null, acknowledgeNote: null, resolvedAt: null, resolvedBy: null, resolveNote: null,
};

describe('webhook formats', () => {
  const message = alarmMessage(alarm, '阳光花园');

  it('writes the chat message in Chinese with local time', () => {
    expect(localTime(alarm.firstEventTime)).toBe('2021-02-03 02:10:00');
    expect(message).toEqual({
      title: '【出入口值守告警】阳光花园',
      lines: ['级别：高', '事件：Gate g1 unstaffed since 02:10', '时间：2021-02-03 02:10:00', '告警编号：7'],
    });
  });

  it('builds WeCom and DingTalk group-robot markdown bodies', () => {
    const markdown = '### 【出入口值守告警】阳光花园\n> 级别：高\n> 事件：Gate g1 unstaffed since 02:10\n> 时间：2021-02-03 02:10:00\n> 告警编号：7';
    expect(webhookBody('wecom', message, {})).toEqual({ msgtype: 'markdown', markdown: { content: markdown } });
    expect(webhookBody('dingtalk', message, {})).toEqual({ msgtype: 'markdown', markdown: { title: '【出入口值守告警】阳光花园', text: markdown } });
    expect(webhookBody('json', message, { type: 'alarm.opened' })).toEqual({ type: 'alarm.opened', text: `【出入口值守告警】阳光花园\n${message.lines.join('\n')}` });
  });

  it('signs DingTalk URLs with timestamp and HMAC-SHA256 (加签)', () => {
    const url = signedUrl({ url: 'https://robot.invalid/send?access_token=abc', dingtalkSecret: 'SECxyz' }, 1612310400000);
    const sign = createHmac('sha256', 'SECxyz').update('1612310400000\nSECxyz').digest('base64');
    expect(url).toBe(`https://robot.invalid/send?access_token=abc&timestamp=1612310400000&sign=${encodeURIComponent(sign)}`);
    expect(signedUrl({ url: 'http://127.0.0.1/hook' }, 1)).toBe('http://127.0.0.1/hook');
  });
});
