/**
 * HTTP bodies of the API. The same zod schemas validate requests, serialise
 * responses, type the handlers and produce the OpenAPI document.
 */
import { z } from 'zod';
import { CommunityId } from './common.js';
import { Message } from './message.js';

export const ErrorBody = z
  .object({
    statusCode: z.number().int(),
    code: z.string().describe('Stable machine code, e.g. VALIDATION_FAILED'),
    message: z.string(),
    fields: z.array(z.object({ path: z.string(), message: z.string() })).optional().describe('Field-level problems of a 400'),
  })
  .meta({ id: 'Error' });

export const AlarmStatus = z.enum(['open', 'acknowledged', 'resolved']);
export const Severity = z.enum(['critical', 'high', 'medium', 'low']);

export const AlarmBody = z
  .object({
    id: z.number().int(),
    communityId: z.string(),
    rule: z.string(),
    subject: z.string(),
    severity: Severity,
    status: AlarmStatus,
    title: z.string().describe('In English, for integrations; people read titleMessage formatted in their language'),
    titleMessage: Message,
    details: z.record(z.string(), z.unknown()),
    firstEventTime: z.iso.datetime({ offset: true }),
    lastEventTime: z.iso.datetime({ offset: true }),
    occurrences: z.number().int(),
    readingIds: z.array(z.number().int()),
    openedAt: z.iso.datetime({ offset: true }),
    acknowledgedAt: z.iso.datetime({ offset: true }).nullable(),
    acknowledgedBy: z.string().nullable(),
    acknowledgeNote: z.string().nullable(),
    resolvedAt: z.iso.datetime({ offset: true }).nullable(),
    resolvedBy: z.string().nullable(),
    resolveNote: z.string().nullable(),
  })
  .meta({ id: 'Alarm' });

export const AlarmListQuery = z.object({
  status: z.enum(['open', 'acknowledged', 'resolved', 'active']).optional().describe('"active" = open or acknowledged'),
  communityId: CommunityId.optional(),
  rule: z.string().max(40).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export const AlarmActionBody = z.object({
  note: z.string().max(2000).optional().describe('What was done, e.g. "resident sent to the fever clinic"'),
});

export const IdParams = z.object({ id: z.coerce.number().int().min(1) });

export const DeadLetterBody = z
  .object({
    id: z.number().int(),
    receivedAt: z.iso.datetime({ offset: true }),
    clientId: z.string(),
    topic: z.string(),
    payload: z.string(),
    code: z.string(),
    reason: z.string(),
    readmittedAt: z.iso.datetime({ offset: true }).nullable().describe('When it went through ingest again and got in (POST /api/v1/dead-letters/readmit)'),
    readmittedReadingId: z.number().int().nullable().describe('The reading it became; null when it was already journaled'),
  })
  .meta({ id: 'DeadLetter' });

/** POST /api/v1/dead-letters/readmit: which dead letters go through ingest again (every criterion given must match). */
export const ReadmitBody = z
  .object({
    ids: z.array(z.number().int().min(1)).min(1).max(10_000).optional(),
    deviceId: z.string().min(1).max(64).optional(),
    code: z.string().min(1).max(40).optional().describe('e.g. DEVICE_UNKNOWN, EVENT_TOO_LATE, EVENT_FROM_FUTURE'),
    from: z.iso.datetime({ offset: true }).optional().describe('Received at or after'),
    to: z.iso.datetime({ offset: true }).optional().describe('Received at or before'),
  })
  .refine((b) => Object.values(b).some((v) => v !== undefined), { message: 'name at least one of ids, deviceId, code, from, to (re-admitting everything is not a default)' });

export const BackfillReportBody = z
  .object({
    accepted: z.number().int(),
    duplicate: z.number().int().describe('Already journaled (device, seq): nothing changed'),
    rejected: z.number().int(),
    problems: z
      .array(z.object({ line: z.number().int().optional(), deadLetterId: z.number().int().optional(), code: z.string(), reason: z.string() }))
      .describe('The first 1,000 refusals: the import line, the dead letter that holds it, the code and reason'),
    days: z.array(z.object({ communityId: z.string(), day: z.iso.date() })).describe('Local days whose facts were recomputed'),
    alarms: z.number().int().describe('Time-driven alarms (device silent, gate unstaffed, broadcast stopped) due in the touched days, recorded (resolved) by re-judging them as live data would have; episodes already recorded are not counted'),
  })
  .meta({ id: 'BackfillReport' });

export const ReevaluationReportBody = z
  .object({
    reevaluated: z.number().int().describe('Flagged readings (a rule threw on them) evaluated now: alarms applied, days recomputed, flags gone'),
    stillFailing: z.number().int().describe('Flagged readings a rule still throws on: kept in the journal, still flagged'),
  })
  .meta({ id: 'ReevaluationReport' });

export const DeadLetterListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  beforeId: z.coerce.number().int().min(1).optional(),
});

export type AlarmBody = z.infer<typeof AlarmBody>;

/**
 * What GET /api/v1/events streams (Server-Sent Events; the SSE `event` field is the `type`):
 * an alarm as it opens or changes, a device going online or offline.
 */
export const AlarmLiveEvent = z.object({ type: z.literal('alarm'), alarm: AlarmBody }).meta({ id: 'AlarmLiveEvent' });
export const PresenceLiveEvent = z
  .object({
    type: z.literal('presence'),
    deviceId: z.string(),
    communityId: z.string(),
    online: z.boolean(),
    at: z.iso.datetime({ offset: true }),
    reason: z.string(),
  })
  .meta({ id: 'PresenceLiveEvent' });
export const LiveEvent = z.discriminatedUnion('type', [AlarmLiveEvent, PresenceLiveEvent]);
export type LiveEvent = z.infer<typeof LiveEvent>;

export const LiveEventsQuery = z.object({
  communityId: CommunityId.optional().describe('Only this community (default: every community the caller sees)'),
});

export const RuleIdEnum = z.enum([
  'fever', 'staff-fever', 'staff-ledger', 'area-disinfection', 'post-ventilation', 'touch-points', 'ventilation', 'garbage',
  'gate-staffed', 'entry-checks', 'no-couriers', 'contractors', 'venues-closed', 'broadcast', 'device-health',
]);

export const DailyFactBody = z
  .object({
    communityId: z.string(),
    day: z.iso.date(),
    rule: RuleIdEnum,
    place: z.string().describe('gate, area, room, staff ref, device, or "*" for the whole community'),
    status: z.enum(['pass', 'fail', 'no_data']),
    figures: z.record(z.string(), z.number()),
    summary: z.string().describe('In English; summaryMessage is the same per language'),
    summaryMessage: Message,
    readingIds: z.array(z.number().int()).describe('Journal readings the fact rests on (GET /api/v1/readings?ids=...)'),
  })
  .meta({ id: 'DailyFact' });

export const FactsQuery = z.object({
  from: z.iso.date().describe('First local day, YYYY-MM-DD'),
  to: z.iso.date().optional().describe('Last local day (inclusive); defaults to from'),
  rule: RuleIdEnum.optional(),
  status: z.enum(['pass', 'fail', 'no_data']).optional(),
});
