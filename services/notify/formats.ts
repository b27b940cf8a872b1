/**
 * Webhook bodies: plain JSON for integrations, or the markdown message of a
 * WeCom (企业微信) or DingTalk (钉钉) group robot, so alarms reach the property
 * company's group chat as the plan expects. Chat text is Chinese: it is read
 * by the county's and the companies' staff.
 */
import type { Alarm } from '../store/alarms-repo.js';

export type WebhookFormat = 'json' | 'wecom' | 'dingtalk';

const RULE_ZH: Record<string, string> = {
  fever: '发热', 'staff-fever': '员工发热', 'staff-ledger': '员工健康台账', 'area-disinfection': '公共区域消毒',
  'post-ventilation': '消毒后通风', 'touch-points': '常触部件消毒', ventilation: '室内通风', garbage: '垃圾容器消毒',
  'gate-staffed': '出入口值守', 'entry-checks': '一测二问三核查', 'no-couriers': '快递外卖禁入', contractors: '施工人数',
  'venues-closed': '活动场所关闭', broadcast: '防控广播', 'device-health': '设备状态',
};
const SEVERITY_ZH: Record<string, string> = { critical: '紧急', high: '高', medium: '中', low: '低' };

export const ruleNameZh = (rule: string): string => RULE_ZH[rule] ?? rule;

/** Local time as the chat readers expect it: 2021-02-03 08:15:00 (UTC+8 unless told). */
export function localTime(ms: number, timeZone = 'Asia/Shanghai'): string {
  return new Intl.DateTimeFormat('sv-SE', { timeZone, dateStyle: 'short', timeStyle: 'medium' }).format(ms);
}

export interface ChatMessage {
  title: string;
  lines: string[];
}

export function alarmMessage(alarm: Alarm, communityName: string, timeZone?: string): ChatMessage {
  return {
    title: `【${ruleNameZh(alarm.rule)}告警】${communityName}`,
    lines: [
      `级别：${SEVERITY_ZH[alarm.severity] ?? alarm.severity}`,
      `事件：${alarm.title}`,
      `时间：${localTime(alarm.firstEventTime, timeZone)}`,
      `告警编号：${alarm.id}`,
    ],
  };
}

/** The body for a receiver of the given format. `json` carries the raw object. */
export function webhookBody(format: WebhookFormat, message: ChatMessage, raw: Record<string, unknown>): Record<string, unknown> {
  const markdown = [`### ${message.title}`, ...message.lines.map((l) => `> ${l}`)].join('\n');
  if (format === 'wecom') return { msgtype: 'markdown', markdown: { content: markdown } };
  if (format === 'dingtalk') return { msgtype: 'markdown', markdown: { title: message.title, text: markdown } };
  return { ...raw, text: `${message.title}\n${message.lines.join('\n')}` };
}
