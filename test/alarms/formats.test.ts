import { describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { alarmMessage, inspectionMessage, webhookBody } from '../../services/notify/formats.js';
import { signedUrl } from '../../services/notify/webhook-outbox.js';
import type { Alarm } from '../../services/domain/alarm.js';

const alarm: Alarm = {
  id: 7, communityId: 'hc-001', rule: 'gate-staffed', subject: 'gate:g1', severity: 'high', status: 'open', title: 'Gate g1 unstaffed since 02:10',
  titleMessage: { code: 'alarm.gate-staffed', params: { gate: 'g1', minutes: 20 } },
  details: {}, firstEventTime: Date.parse('2021-02-03T02:10:00+08:00'), lastEventTime: 0, occurrences: 1, readingIds: [], openedAt: 0,
  acknowledgedAt: null, acknowledgedBy: null, acknowledgeNote: null, resolvedAt: null, resolvedBy: null, resolveNote: null,
};

describe('webhook formats', () => {
  const message = alarmMessage(alarm, '阳光花园');

  it('writes the chat message in Chinese with local time, from the dictionary', () => {
    expect(message).toEqual({
      title: '【出入口值守告警】阳光花园',
      lines: ['级别：高', '事件：出入口 g1 已无人值守 20 分钟', '时间：2021/02/03 02:10:00', '告警编号：7'],
    });
  });

  it('writes it in English when asked, and in the community\'s time zone', () => {
    expect(alarmMessage(alarm, '阳光花园', 'Asia/Urumqi', 'en')).toEqual({
      title: '[Gate staffed alarm] 阳光花园',
      lines: ['Severity: high', 'Event: Gate g1 unstaffed for 20 min', 'Time: 2021-02-03 00:10:00', 'Alarm no.: 7'],
    });
  });

  it('announces a signed inspection in Chinese or English', () => {
    const signed = { id: 3, communityId: 'hc-001', communityName: '阳光花园', propertyCompany: '安居物业', date: '2021-02-03', total: 52, passed: false, rectificationDeadline: '2021-02-18', inspectorName: '王检查', reinspectionOf: null };
    expect(inspectionMessage(signed)).toEqual({
      title: '【检查结果】阳光花园 52分 不合格',
      lines: ['小区：阳光花园', '物业公司：安居物业', '检查日期：2021-02-03', '总分：52 / 100', '结果：不合格', '整改期限：2021-02-18 前完成整改并申请复查', '检查人：王检查', '检查编号：3'],
    });
    expect(inspectionMessage({ ...signed, passed: true, total: 91, reinspectionOf: 2 }, 'en').lines.slice(2, 5)).toEqual(['Inspection date: 2021-02-03 (re-inspection of inspection 2)', 'Total: 91 / 100', 'Result: pass']);
  });

  it('builds WeCom and DingTalk group-robot markdown bodies', () => {
    const markdown = '### 【出入口值守告警】阳光花园\n> 级别：高\n> 事件：出入口 g1 已无人值守 20 分钟\n> 时间：2021/02/03 02:10:00\n> 告警编号：7';
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
