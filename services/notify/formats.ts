/**
 * Webhook bodies: plain JSON for integrations, or the markdown message of a
 * WeCom (企业微信) or DingTalk (钉钉) group robot, so alarms reach the property
 * company's group chat as the plan expects. Chat text is Chinese: it is read
 * by the county's and the companies' staff.
 */
import type { Alarm } from '../domain/alarm.js';

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
const localTimeFormats = new Map<string, Intl.DateTimeFormat>();

export function localTime(ms: number, timeZone = 'Asia/Shanghai'): string {
  // Building an Intl.DateTimeFormat costs far more than using one: one per time zone.
  let f = localTimeFormats.get(timeZone);
  if (!f) localTimeFormats.set(timeZone, (f = new Intl.DateTimeFormat('sv-SE', { timeZone, dateStyle: 'short', timeStyle: 'medium' })));
  return f.format(ms);
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

/** What an announcement needs of a signed inspection (schemas/src/checklist.ts InspectionBody). */
export interface SignedInspection {
  id: number;
  communityId: string;
  communityName: string;
  propertyCompany: string;
  date: string;
  total: number | null;
  passed: boolean | null;
  rectificationDeadline: string | null;
  inspectorName: string;
  reinspectionOf: number | null;
}

/** The group-chat message of a signed inspection: community, company, total, 合格 / 不合格, deadline. */
export function inspectionMessage(i: SignedInspection): ChatMessage {
  const verdict = i.passed ? '合格' : '不合格';
  return {
    title: `【检查结果】${i.communityName} ${i.total ?? '—'}分 ${verdict}`,
    lines: [
      `小区：${i.communityName}`,
      `物业公司：${i.propertyCompany}`,
      `检查日期：${i.date}${i.reinspectionOf ? `（复查，原检查编号 ${i.reinspectionOf}）` : ''}`,
      `总分：${i.total ?? '—'} / 100`,
      `结果：${verdict}`,
      ...(i.passed ? [] : [`整改期限：${i.rectificationDeadline ?? '—'} 前完成整改并申请复查`]),
      `检查人：${i.inspectorName}`,
      `检查编号：${i.id}`,
    ],
  };
}
