/**
 * Inspection announcements: the result of each signed inspection is queued
 * for the group-chat webhook (channel 'announcements') inside the signing
 * transaction (InspectionsServiceDeps.onSigned), so a signature is never
 * without its announcement and the outbox retries it until delivered.
 */
import type { Language } from '../i18n/index.js';
import { inspectionMessage, webhookBody, type SignedInspection, type WebhookFormat } from './formats.js';
import type { WebhookOutbox } from './webhook-outbox.js';

export const ANNOUNCEMENTS = 'announcements';

export function inspectionAnnouncer(deps: { outbox: WebhookOutbox; format: WebhookFormat; language: Language }): (signed: SignedInspection) => void {
  return (signed) => {
    const raw = {
      type: 'inspection.signed',
      inspection: {
        id: signed.id, communityId: signed.communityId, communityName: signed.communityName, propertyCompany: signed.propertyCompany,
        date: signed.date, total: signed.total, passed: signed.passed, rectificationDeadline: signed.rectificationDeadline, reinspectionOf: signed.reinspectionOf,
      },
    };
    deps.outbox.enqueue(ANNOUNCEMENTS, webhookBody(deps.format, inspectionMessage(signed, deps.language), raw));
  };
}
