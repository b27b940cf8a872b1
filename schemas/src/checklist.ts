/**
 * HTTP bodies of the checklist, scores, inspections and overview. One zod
 * schema each validates requests, serialises responses, types the service and
 * produces the OpenAPI document.
 */
import { z } from 'zod';
import { CommunityId } from './common.js';
import { Message } from './message.js';

export const LocalDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a YYYY-MM-DD date')
  .describe('Local calendar day (Asia/Shanghai), YYYY-MM-DD');
export const ItemId = z.string().regex(/^[1-8]\.[1-9]$/, 'must be a checklist item id such as "3.1"').describe('Checklist item id, e.g. "3.1"');
const Iso = z.iso.datetime({ offset: true });

export const Fill = z.enum(['auto', 'assisted', 'manual']).describe('auto: telemetry decides; assisted: telemetry proposes, the inspector confirms; manual: a visit judges');
export const ScoringMode = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('all_or_nothing') }),
  z.object({ kind: z.literal('deduct'), minDeduction: z.number().int(), maxDeduction: z.number().int() }),
  z.object({ kind: z.literal('judgement'), min: z.number().int(), max: z.number().int() }),
]);

export const ChecklistSectionBody = z.object({ id: z.number().int(), zh: z.string(), en: z.string(), points: z.number().int() });
export const ChecklistItemBody = z
  .object({
    id: ItemId,
    section: z.number().int(),
    points: z.number().int(),
    mode: ScoringMode,
    fill: Fill,
    rules: z.array(z.string()),
    zh: z.string().describe('Criterion, verbatim from the form'),
    en: z.string(),
    allowedScores: z.array(z.number().int()).describe('Every score the form allows for the item'),
  })
  .meta({ id: 'ChecklistItem' });
export const ChecklistBody = z
  .object({
    title: z.object({ zh: z.string(), en: z.string() }),
    total: z.number().int(),
    passMark: z.number().int().describe('A total below this fails (不合格)'),
    sections: z.array(ChecklistSectionBody),
    items: z.array(ChecklistItemBody),
  })
  .meta({ id: 'Checklist' });

export const DayWindowBody = z.object({ from: LocalDay, to: LocalDay });
export const FactStatus = z.enum(['pass', 'fail', 'no_data']);

export const EvidenceBody = z
  .object({
    rules: z.array(z.string()),
    window: DayWindowBody,
    lines: z.array(
      z.object({ day: LocalDay, place: z.string(), rule: z.string(), status: FactStatus, summary: z.string(), summaryMessage: Message, figures: z.record(z.string(), z.number()) }),
    ),
    missing: z.array(z.object({ day: LocalDay, place: z.string(), rule: z.string() })).describe('(day, place, rule) cells with no fact'),
    readingIds: z.array(z.number().int()).describe('Journal ids of the readings behind the figures (GET /api/v1/readings?ids=)'),
    alarmIds: z.array(z.union([z.number(), z.string()])),
    unknownRefs: z.array(z.string()).optional(),
  })
  .meta({ id: 'Evidence' });

export const ItemScoreBody = z
  .object({
    itemId: ItemId,
    fill: z.enum(['auto', 'assisted']),
    points: z.number().int(),
    score: z.number().int().nullable().describe('null when status is insufficient_data'),
    status: z.enum(['scored', 'insufficient_data']),
    proposed: z.boolean(),
    evidence: EvidenceBody,
    explanation: z.string().describe('Why this score, in English'),
    explanationMessage: Message.describe('Why this score, as a message formatted per language'),
  })
  .meta({ id: 'ItemScore' });

export const ScoresQuery = z.object({
  from: LocalDay.optional().describe('First day of the window; default today'),
  to: LocalDay.optional().describe('Last day of the window; default `from`'),
});
export const ScoresBody = z
  .object({
    communityId: z.string(),
    window: DayWindowBody,
    items: z.array(ItemScoreBody),
    factsComputedAt: Iso.nullable().describe('When the newest fact of the window was computed'),
  })
  .meta({ id: 'Scores' });

export const OverrideInput = z.object({
  score: z.number().int().min(0).max(10),
  reason: z.string().trim().min(1, 'an override needs a reason').max(2000),
});
export const OverrideBody = z.object({ score: z.number().int(), reason: z.string(), by: z.string(), at: Iso });
export const OverrideLogEntry = z.object({ itemId: ItemId, score: z.number().int().nullable().describe('null: withdrawn'), reason: z.string(), by: z.string(), at: Iso });

export const CreateInspectionBody = z
  .object({
    communityId: CommunityId,
    date: LocalDay.optional().describe('检查日期; default today'),
    from: LocalDay.optional().describe('First day scored; default `date`'),
    to: LocalDay.optional().describe('Last day scored; default `date`'),
    inspectorName: z.string().trim().min(1).max(100).optional().describe('Name printed on the form; default the token name'),
  })
  .strict();

export const UpdateInspectionBody = z
  .object({
    manualScores: z.record(ItemId, z.number().int().min(0).max(10).nullable()).optional().describe('Scores from the visit; null removes one'),
    overrides: z.record(ItemId, OverrideInput.nullable()).optional().describe('Overrides with a reason; null withdraws one (the reason stays in the log)'),
    inspectorName: z.string().trim().min(1).max(100).optional(),
    notes: z.string().max(5000).optional(),
  })
  .strict();

export const ReinspectionBody = z
  .object({
    date: LocalDay.optional().describe('Date of the re-inspection; default today'),
    inspectorName: z.string().trim().min(1).max(100).optional(),
  })
  .strict();

export const InspectionItemBody = z.object({
  itemId: ItemId,
  fill: Fill,
  points: z.number().int(),
  auto: z.number().int().nullable(),
  manual: z.number().int().nullable(),
  override: z.object({ score: z.number().int(), reason: z.string() }).nullable(),
  final: z.number().int().nullable(),
  source: z.enum(['override', 'manual', 'auto', 'proposed', 'missing']),
});

export const InspectionStatus = z.enum(['draft', 'signed']);

/** A community's places by registered name, as evidence names them (services/i18n/places.ts). */
export const InspectionPlacesBody = z
  .object({
    id: z.string(),
    name: z.string(),
    gates: z.array(z.object({ id: z.string(), name: z.string() })),
    areas: z.array(z.object({ id: z.string(), name: z.string() })),
    devices: z.array(z.object({ id: z.string(), location: z.string() })),
  })
  .meta({ id: 'InspectionPlaces' });

export const InspectionBody = z
  .object({
    id: z.number().int(),
    communityId: z.string(),
    communityName: z.string(),
    propertyCompany: z.string(),
    inspector: z.string(),
    inspectorName: z.string(),
    date: LocalDay,
    window: DayWindowBody,
    status: InspectionStatus,
    notes: z.string(),
    createdAt: Iso,
    updatedAt: Iso,
    signedAt: Iso.nullable(),
    signedBy: z.string().nullable().describe('Who signed, as the record names them (role:username)'),
    signedByName: z.string().nullable().describe('The signer as a person reads it (display name), printed on the form'),
    manualScores: z.record(z.string(), z.number().int()),
    overrides: z.record(z.string(), OverrideBody),
    overrideLog: z.array(OverrideLogEntry),
    itemScores: z.array(ItemScoreBody).describe('Telemetry sub-scores: live for a draft, frozen at signing'),
    items: z.array(InspectionItemBody),
    total: z.number().int(),
    passed: z.boolean(),
    missing: z.array(z.string()),
    unconfirmed: z.array(z.string()),
    complete: z.boolean(),
    rectificationDeadline: LocalDay.nullable().describe('For a signed fail: rectify by this day'),
    reinspectionOf: z.number().int().nullable(),
    reinspectionId: z.number().int().nullable(),
    factsComputedAt: Iso.nullable().describe('Newest fact the item scores rest on'),
    newerDataAt: Iso.nullable().describe('Signed only: facts or alarms of the window changed after signing'),
    timeZone: z.string().describe("The community's IANA time zone: times are shown in it"),
    places: InspectionPlacesBody.nullable().describe(
      'The names evidence gives places: for a signed inspection those in force at signing (a later rename does not rewrite a signed form), for a draft the current registry; null when the registry has no such community and none was frozen',
    ),
  })
  .meta({ id: 'Inspection' });

export const InspectionSummaryBody = z
  .object({
    id: z.number().int(),
    communityId: z.string(),
    communityName: z.string(),
    date: LocalDay,
    status: InspectionStatus,
    inspectorName: z.string(),
    total: z.number().int().nullable().describe('Signed only'),
    passed: z.boolean().nullable(),
    rectificationDeadline: LocalDay.nullable(),
    reinspectionOf: z.number().int().nullable(),
    reinspectionId: z.number().int().nullable(),
    signedAt: Iso.nullable(),
  })
  .meta({ id: 'InspectionSummary' });

export const InspectionListQuery = z.object({
  communityId: CommunityId.optional(),
  status: InspectionStatus.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export const OverviewBody = z
  .object({
    today: LocalDay,
    communities: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        propertyCompany: z.string(),
        timeZone: z.string().describe("IANA time zone; the page shows the community's times in it"),
        latest: InspectionSummaryBody.nullable().describe('Latest signed inspection'),
        draftId: z.number().int().nullable().describe('Newest unsigned inspection'),
        rectification: z
          .enum(['none', 'pending', 'overdue', 'passed_reinspection'])
          .describe('For a latest fail: pending until the deadline, then overdue; passed once a re-inspection passes'),
        openAlarms: z.number().int(),
        activeAlarms: z.number().int().describe('open or acknowledged'),
      }),
    ),
  })
  .meta({ id: 'Overview' });

export const ReadingsQuery = z.object({
  ids: z
    .string()
    .regex(/^\d+(,\d+){0,199}$/, 'must be up to 200 comma-separated reading ids')
    .describe('Comma-separated journal ids, as listed in evidence.readingIds'),
});
export const ReadingBody = z
  .object({
    id: z.number().int(),
    communityId: z.string(),
    deviceId: z.string(),
    kind: z.string(),
    eventTime: Iso,
    receivedAt: Iso,
    payload: z.unknown(),
  })
  .meta({ id: 'Reading' });

export const MeBody = z
  .object({
    name: z.string().describe('Username of an account, or the name of an API token'),
    displayName: z.string(),
    role: z.enum(['admin', 'operator', 'inspector']),
    company: z.string().nullable().describe("An operator's property company; null = the whole county"),
    via: z.enum(['session', 'token']),
  })
  .meta({ id: 'Me' });

export type ChecklistBody = z.infer<typeof ChecklistBody>;
export type ItemScoreBody = z.infer<typeof ItemScoreBody>;
export type ScoresBody = z.infer<typeof ScoresBody>;
export type CreateInspectionBody = z.infer<typeof CreateInspectionBody>;
export type UpdateInspectionBody = z.infer<typeof UpdateInspectionBody>;
export type ReinspectionBody = z.infer<typeof ReinspectionBody>;
export type InspectionBody = z.infer<typeof InspectionBody>;
export type InspectionPlacesBody = z.infer<typeof InspectionPlacesBody>;
export type InspectionSummaryBody = z.infer<typeof InspectionSummaryBody>;
export type OverviewBody = z.infer<typeof OverviewBody>;
export type ReadingBody = z.infer<typeof ReadingBody>;
