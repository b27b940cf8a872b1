/**
 * Webhook bodies: plain JSON for integrations, or the markdown message of a
 * WeCom (企业微信) or DingTalk (钉钉) group robot, so alarms reach the property
 * company's group chat as the plan expects. Chat text is Chinese by default
 * (GW_NOTIFY_LANGUAGE=en for English), from the dictionaries of services/i18n:
 * it is read by the county's and the companies' staff.
 */
import { DEFAULT_TIME_ZONE, formatMessage, msg, type Language } from '../i18n/index.js';
import { namePlaces, type PlaceNames } from '../i18n/places.js';
import type { Alarm } from '../domain/alarm.js';

export type WebhookFormat = 'json' | 'wecom' | 'dingtalk';

export interface ChatMessage {
  title: string;
  lines: string[];
}

/**
 * The chat message of a new alarm, in `lang`, its time in the community's zone;
 * its gate, room or device by the registered name (`places`), the id where the registry has none.
 */
export function alarmMessage(alarm: Alarm, communityName: string, timeZone = DEFAULT_TIME_ZONE, lang: Language = 'zh', places: PlaceNames | null = null): ChatMessage {
  const t = (code: string, params: Parameters<typeof msg>[1]) => formatMessage(lang, msg(code, params), timeZone);
  return {
    title: t('notify.alarm.title', { rule: msg(`rule.${alarm.rule}`), community: communityName }),
    lines: [
      t('notify.alarm.severity', { severity: alarm.severity }),
      t('notify.alarm.event', { event: namePlaces(alarm.titleMessage, places) }),
      t('notify.alarm.time', { at: alarm.firstEventTime }),
      t('notify.alarm.id', { id: alarm.id }),
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
export function inspectionMessage(i: SignedInspection, lang: Language = 'zh'): ChatMessage {
  const t = (code: string, params: Parameters<typeof msg>[1] = {}) => formatMessage(lang, msg(code, params));
  const total = i.total ?? '—';
  const passed = String(Boolean(i.passed));
  return {
    title: t('notify.inspection.title', { community: i.communityName, total, passed }),
    lines: [
      t('notify.inspection.community', { community: i.communityName }),
      t('notify.inspection.company', { company: i.propertyCompany }),
      t('notify.inspection.date', { date: i.date, reinspectionOf: i.reinspectionOf ?? 'none' }),
      t('notify.inspection.total', { total }),
      t('notify.inspection.result', { passed }),
      ...(i.passed ? [] : [t('notify.inspection.deadline', { deadline: i.rectificationDeadline ?? '—' })]),
      t('notify.inspection.inspector', { inspector: i.inspectorName }),
      t('notify.inspection.id', { id: i.id }),
    ],
  };
}
