/**
 * Alarm notifications: every newly opened alarm at or above the configured
 * severity is queued for the alarm webhook (JSON, WeCom or DingTalk robot),
 * in the ingest transaction that opened it: an in-commit participant
 * (services/events.ts) of 'alarm.changed'.
 */
import type { Language } from '../i18n/index.js';
import type { CommitParticipant } from '../events.js';
import { placeNames } from '../i18n/places.js';
import type { RegistryRepo } from '../store/registry-repo.js';
import type { Severity } from '../domain/alarm.js';
import { alarmToBody } from '../alarms/alarm-body.js';
import { alarmMessage, webhookBody, type WebhookFormat } from './formats.js';
import type { WebhookOutbox } from './webhook-outbox.js';

const RANK: Record<Severity, number> = { low: 0, medium: 1, high: 2, critical: 3 };

export function alarmNotifier(deps: { outbox: WebhookOutbox; registry: RegistryRepo; format: WebhookFormat; minSeverity: Severity; language: Language }): CommitParticipant {
  return {
    name: 'alarm-webhook',
    'alarm.changed': (alarm, event) => {
      if (event !== 'opened' || RANK[alarm.severity] < RANK[deps.minSeverity]) return;
      const community = deps.registry.getCommunity(alarm.communityId);
      // Its gate, room or device by the registered name: the registry as it is when the alarm opens.
      const places = community
        ? placeNames({ ...community, gates: deps.registry.gates(community.id), areas: deps.registry.areas(community.id), devices: deps.registry.devices(community.id) })
        : null;
      const message = alarmMessage(alarm, community?.name ?? alarm.communityId, community?.timeZone, deps.language, places);
      deps.outbox.enqueue('alarms', webhookBody(deps.format, message, { type: 'alarm.opened', alarm: alarmToBody(alarm) }));
    },
  };
}
