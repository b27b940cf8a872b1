/**
 * Inspection announcements: the result of each signed inspection is queued
 * for the group-chat webhook (channel 'announcements') inside the signing
 * transaction (an in-commit participant of 'inspection.signed',
 * services/events.ts), so a signature is never without its announcement and
 * the outbox retries it until delivered.
 */
import type { CommitParticipant } from '../events.js';
import type { Language } from '../i18n/index.js';
import { inspectionMessage, webhookBody, type SignedInspection, type WebhookFormat } from './formats.js';
import type { WebhookOutbox } from './webhook-outbox.js';

export const ANNOUNCEMENTS = 'announcements';

export function inspectionAnnouncer(deps: { outbox: WebhookOutbox; format: WebhookFormat; language: Language }): CommitParticipant {
  const announce = (signed: SignedInspection): void => {
    const raw = {
      type: 'inspection.signed',
      inspection: {
        id: signed.id, communityId: signed.communityId, communityName: signed.communityName, propertyCompany: signed.propertyCompany,
        date: signed.date, total: signed.total, passed: signed.passed, rectificationDeadline: signed.rectificationDeadline, reinspectionOf: signed.reinspectionOf,
      },
    };
    deps.outbox.enqueue(ANNOUNCEMENTS, webhookBody(deps.format, inspectionMessage(signed, deps.language), raw));
  };
  return { name: 'announcements', 'inspection.signed': (signed) => announce(signed) };
}
