/**
 * Inspections: a thin service between the HTTP routes and the pure scoring
 * core. A draft is scored live from the daily facts; signing freezes the
 * telemetry sub-scores and their evidence, so late data never changes a
 * signed inspection (it only flags that newer data exists). A fail gets a
 * rectification deadline and may be followed by one linked re-inspection.
 */
import type {
  CreateInspectionBody,
  InspectionBody,
  InspectionSummaryBody,
  OverviewBody,
  ReinspectionBody,
  ScoresBody,
  UpdateInspectionBody,
} from '../../schemas/src/checklist.js';
import type { Language } from '../i18n/index.js';
import { inspectionIssues, totalInspection } from '../scoring/inspection.js';
import type { InCommit } from '../events.js';
import { DEFAULT_SCORING_POLICY, type ScoringPolicy } from '../scoring/policy.js';
import { scoreItems } from '../scoring/score.js';
import type { DayWindow } from '../scoring/types.js';
import { daysOf } from '../scoring/window.js';
import { addDays, DEFAULT_TIME_ZONE, localDay } from '../time/local-day.js';
import type { Db } from '../store/db.js';
import type { FactsRepo } from '../store/facts-repo.js';
import type { InspectionsRepo, InspectionRecord, InspectionStatus, OverrideLogRow, StoredOverride } from '../store/inspections-repo.js';
import type { RegistryRepo } from '../store/registry-repo.js';
import { createScoringSourcesRepo } from '../store/scoring-sources-repo.js';
import type { AuditRepo } from '../store/audit-repo.js';
import type { Visible } from '../store/visible.js';
import { inspectionCsv } from './csv.js';
import { InspectionError, notFound, type FieldProblem } from './errors.js';
import { createSources } from './sources.js';
import { checklistBody, inspectionBody, isoOrNull, placesOf, registryPlaces, summaryBody, withMessages, type InspectionState, type Snapshot } from './view.js';

export const DEFAULT_RECTIFICATION_DAYS = 15;

export interface InspectionsServiceDeps {
  db: Db;
  /**
   * Where the scoring's alarms and readings are read, when not `db`: with partitions, the read connection
   * across them (store/partitioning.ts); inspections themselves are written to `db`.
   */
  readDb?: Db;
  now?: () => number;
  /** Days from the inspection date to the rectification deadline of a fail. */
  rectificationDays?: number;
  /**
   * Told of each signature ('inspection.signed') inside the signing
   * transaction, so what its participants queue (InfluxDB points, the
   * group-chat announcement) commits with it.
   */
  inCommit?: InCommit;
  policy?: ScoringPolicy;
  /** The county's IANA zone: a community's own zone comes from the registry; this one dates the county overview. */
  countyTimeZone?: string;
  /** Each change (creation, scores, overrides, signature, re-inspection) is recorded in the same transaction. */
  audit?: AuditRepo;
  /** The repositories it reads and writes, built once by the composition root. */
  registry: RegistryRepo;
  inspections: InspectionsRepo;
  facts: FactsRepo;
}

/** What the audit log keeps of an inspection: its inputs and result, not the (recomputable) evidence. */
export function inspectionAuditShape(r: InspectionRecord) {
  return {
    communityId: r.communityId, propertyCompany: r.propertyCompany, date: r.date, window: { from: r.windowFrom, to: r.windowTo },
    inspector: r.inspector, inspectorName: r.inspectorName, status: r.status, manualScores: r.manualScores, overrides: r.overrides, notes: r.notes,
    signedBy: r.signedBy, signedByName: r.signedByName, signedAt: r.signedAt, total: r.total, passed: r.passed, rectificationDeadline: r.rectificationDeadline, reinspectionOf: r.reinspectionOf,
  };
}

export function createInspectionsService(deps: InspectionsServiceDeps) {
  const now = deps.now ?? Date.now;
  const policy = deps.policy ?? DEFAULT_SCORING_POLICY;
  const rectificationDays = deps.rectificationDays ?? DEFAULT_RECTIFICATION_DAYS;
  const { registry, inspections: repo } = deps;
  const countyTimeZone = deps.countyTimeZone ?? DEFAULT_TIME_ZONE;
  /** A community's zone (registry), the county's for an unknown one. */
  const zoneOf = (communityId: string): string => registry.getCommunity(communityId)?.timeZone ?? countyTimeZone;
  const sources = createSources({ queries: createScoringSourcesRepo(deps.readDb ?? deps.db, policy.feverAlarmRules), facts: deps.facts, registry, zoneOf });
  /** Today in a community's zone, or in the county's. */
  const today = (communityId?: string): string => localDay(now(), communityId === undefined ? countyTimeZone : zoneOf(communityId));

  function community(id: string) {
    const c = registry.getCommunity(id);
    if (!c) throw notFound(`community ${id}`);
    return c;
  }

  /** Throws ScoringInputError (400) for a malformed, reversed or too long window. */
  function checkedWindow(from: string, to: string): DayWindow {
    const window = { from, to };
    daysOf(window);
    return window;
  }

  function record(id: number): InspectionRecord {
    const r = repo.get(id);
    if (!r) throw notFound(`inspection ${id}`);
    return r;
  }

  function stateOf(r: InspectionRecord): InspectionState {
    const window = { from: r.windowFrom, to: r.windowTo };
    const overrideLog = repo.overrideLog(r.id);
    if (r.status === 'signed') {
      const { places, ...snap } = withMessages(r.snapshot as Snapshot);
      return { ...snap, places: places ?? registryPlaces(registry, r.communityId), newerDataAt: sources.changedSince(r.communityId, window, r.signedAt!), overrideLog };
    }
    const itemScores = scoreItems(sources.scoreInput(r.communityId, window), policy);
    const result = totalInspection({ itemScores, manualScores: r.manualScores, overrides: r.overrides });
    return { itemScores, result, factsComputedAt: sources.factsComputedAt(r.communityId, window), newerDataAt: null, overrideLog, places: registryPlaces(registry, r.communityId) };
  }

  const view = (r: InspectionRecord): InspectionBody =>
    inspectionBody(r, stateOf(r), registry.getCommunity(r.communityId)?.timeZone ?? DEFAULT_TIME_ZONE);

  function draftOrConflict(id: number): InspectionRecord {
    const r = record(id);
    if (r.status !== 'draft') throw new InspectionError(409, 'INSPECTION_SIGNED', `inspection ${id} is signed and can no longer change`);
    return r;
  }

  /** Field-level problems of the scores in a PUT body, named by their path. */
  function scoreProblems(body: UpdateInspectionBody): FieldProblem[] {
    const manual = Object.fromEntries(Object.entries(body.manualScores ?? {}).filter((e): e is [string, number] => e[1] !== null));
    const overrides = Object.fromEntries(
      Object.entries(body.overrides ?? {}).filter((e): e is [string, { score: number; reason: string }] => e[1] !== null),
    );
    return [
      ...inspectionIssues({ itemScores: [], manualScores: manual }).map((i) => ({ path: `body.manualScores.${i.itemId}`, message: i.message })),
      ...inspectionIssues({ itemScores: [], overrides }).map((i) => ({ path: `body.overrides.${i.itemId}`, message: i.message })),
    ];
  }

  function audited(auditActor: string, action: string, before: InspectionRecord | null, after: InspectionRecord): void {
    deps.audit?.record(
      { actor: auditActor, action, objectType: 'inspection', objectId: after.id, communityId: after.communityId, before: before && inspectionAuditShape(before), after: inspectionAuditShape(after) },
      now(),
    );
  }

  function create(
    input: { communityId: string; date: string; from: string; to: string; inspectorName: string; reinspectionOf?: number },
    actor: string,
    auditActor: string,
  ) {
    const c = community(input.communityId);
    const window = checkedWindow(input.from, input.to);
    return deps.db.transaction(() => {
      const r = repo.create(
        {
          communityId: c.id, communityName: c.name, propertyCompany: c.propertyCompany, inspector: actor, inspectorName: input.inspectorName,
          date: input.date, windowFrom: window.from, windowTo: window.to, reinspectionOf: input.reinspectionOf ?? null,
        },
        now(),
      );
      audited(auditActor, input.reinspectionOf ? 'inspection.reinspection' : 'inspection.create', null, r);
      return r;
    })();
  }

  return {
    checklist: checklistBody,
    today,
    zoneOf,

    /** The scoring core's item scores of one window (for InfluxDB points). */
    itemScores(communityId: string, from: string, to: string) {
      return scoreItems(sources.scoreInput(communityId, checkedWindow(from, to)), policy);
    },

    /** Telemetry sub-scores with evidence for a community and window (default: today). */
    scores(communityId: string, from?: string, to?: string): ScoresBody {
      community(communityId);
      const start = from ?? to ?? today(communityId);
      const window = checkedWindow(start, to ?? start);
      return {
        communityId,
        window,
        items: scoreItems(sources.scoreInput(communityId, window), policy),
        factsComputedAt: isoOrNull(sources.factsComputedAt(communityId, window)),
      };
    },

    create(body: CreateInspectionBody, actor: string, actorName: string, auditActor = actor): InspectionBody {
      const date = body.date ?? today(body.communityId);
      const r = create(
        { communityId: body.communityId, date, from: body.from ?? date, to: body.to ?? date, inspectorName: body.inspectorName ?? actorName },
        actor,
        auditActor,
      );
      return view(r);
    },

    get: (id: number): InspectionBody => view(record(id)),

    list(filter: { communityId?: string; status?: InspectionStatus; limit: number; visible?: Visible }): InspectionSummaryBody[] {
      return repo.list(filter).map(summaryBody);
    },

    /** Merge manual scores and overrides into a draft; null removes one. Every override change is logged with its reason. */
    update(id: number, body: UpdateInspectionBody, actor: string, auditActor = actor): InspectionBody {
      const r = draftOrConflict(id);
      const problems = scoreProblems(body);
      if (problems.length > 0) {
        throw new InspectionError(400, 'INSPECTION_SCORE_INVALID', problems.map((p) => `${p.path}: ${p.message}`).join('; '), problems);
      }
      const at = now();
      const manualScores = { ...r.manualScores };
      for (const [itemId, score] of Object.entries(body.manualScores ?? {})) {
        if (score === null) delete manualScores[itemId];
        else manualScores[itemId] = score;
      }
      const overrides: Record<string, StoredOverride> = { ...r.overrides };
      const log: OverrideLogRow[] = [];
      for (const [itemId, o] of Object.entries(body.overrides ?? {})) {
        const before = overrides[itemId];
        if (o === null) {
          if (!before) continue;
          delete overrides[itemId];
          log.push({ itemId, score: null, reason: before.reason, actor, at });
        } else if (!before || before.score !== o.score || before.reason !== o.reason) {
          overrides[itemId] = { score: o.score, reason: o.reason, by: actor, at };
          log.push({ itemId, score: o.score, reason: o.reason, actor, at });
        }
      }
      deps.db.transaction(() => {
        const saved = repo.saveDraft(id, { manualScores, overrides, notes: body.notes ?? r.notes, inspectorName: body.inspectorName ?? r.inspectorName }, log, at);
        if (!saved) throw new InspectionError(409, 'INSPECTION_SIGNED', `inspection ${id} is signed and can no longer change`);
        audited(auditActor, 'inspection.update', r, record(id));
      })();
      return view(record(id));
    },

    /**
     * Freeze the scores and sign. Every item needs a final score and every proposal a confirmation.
     * `actorName` is the signer as a person reads it (printed on the form); `actor` the record's reference.
     */
    sign(id: number, actor: string, auditActor = actor, actorName = actor): InspectionBody {
      const r = draftOrConflict(id);
      const state = stateOf(r);
      const { result } = state;
      if (!result.complete) {
        const fields = [
          ...result.missing.map((itemId) => ({ path: `items.${itemId}`, message: 'no score yet: enter one, or override insufficient data with a reason' })),
          ...result.unconfirmed.map((itemId) => ({ path: `items.${itemId}`, message: 'telemetry proposal not confirmed: enter the score' })),
        ];
        throw new InspectionError(409, 'INSPECTION_INCOMPLETE', `inspection ${id} cannot be signed: ${fields.length} item(s) need a score or a confirmation`, fields);
      }
      const signedAt = now();
      const snapshot: Snapshot = { itemScores: state.itemScores, result, factsComputedAt: state.factsComputedAt, places: state.places };
      // One transaction: the signature and what its participants queue (points, announcement) land together.
      return deps.db.transaction(() => {
        const ok = repo.sign(id, {
          signedAt, signedBy: actor, signedByName: actorName, snapshot, total: result.total, passed: result.passed,
          rectificationDeadline: result.passed ? null : addDays(r.date, rectificationDays),
        });
        if (!ok) throw new InspectionError(409, 'INSPECTION_SIGNED', `inspection ${id} is already signed`);
        audited(auditActor, 'inspection.sign', r, record(id));
        const signed = view(record(id));
        deps.inCommit?.dispatch('inspection.signed', signed, result);
        return signed;
      })();
    },

    /** A re-inspection of a signed fail, linked to it; one per failed inspection. */
    reinspect(id: number, body: ReinspectionBody, actor: string, actorName: string, auditActor = actor): InspectionBody {
      const parent = record(id);
      if (parent.status !== 'signed' || parent.passed !== false) {
        throw new InspectionError(409, 'NOT_A_FAILED_INSPECTION', `inspection ${id} is not a signed fail; only a fail is re-inspected`);
      }
      if (parent.reinspectionId !== null) {
        throw new InspectionError(409, 'REINSPECTION_EXISTS', `inspection ${id} already has re-inspection ${parent.reinspectionId}`);
      }
      const date = body.date ?? today(parent.communityId);
      if (date < parent.date) {
        throw new InspectionError(400, 'VALIDATION_FAILED', `re-inspection date ${date} is before the inspection date ${parent.date}`, [
          { path: 'body.date', message: `must not be before ${parent.date}` },
        ]);
      }
      const r = create(
        { communityId: parent.communityId, date, from: date, to: date, inspectorName: body.inspectorName ?? actorName, reinspectionOf: id },
        actor,
        auditActor,
      );
      return view(r);
    },

    /** Every community: latest signed inspection, rectification state, open alarms. */
    /** `visible`: the caller's communities (null = the county). */
    overview(visible: Visible = null): OverviewBody {
      const day = today();
      const { signed, drafts } = repo.latestByCommunity();
      const alarms = sources.alarmCounts();
      return {
        today: day,
        communities: registry.listCommunities(visible).map((c) => {
          const latest = signed.get(c.id);
          let rectification: OverviewBody['communities'][number]['rectification'] = 'none';
          if (latest?.passed === false) rectification = latest.rectificationDeadline !== null && latest.rectificationDeadline < today(c.id) ? 'overdue' : 'pending';
          else if (latest?.reinspectionOf != null) rectification = 'passed_reinspection';
          const counts = alarms.get(c.id) ?? { open: 0, active: 0 };
          return {
            id: c.id, name: c.name, propertyCompany: c.propertyCompany, timeZone: c.timeZone, latest: latest ? summaryBody(latest) : null,
            draftId: drafts.get(c.id) ?? null, rectification, openAlarms: counts.open, activeAlarms: counts.active,
          };
        }),
      };
    },

    /** Journal readings by id, only of `visible` communities (null = all); others are left out like unknown ids. */
    readings: (ids: readonly number[], visible: Visible = null) => {
      const allowed = visible === null ? null : new Set(visible);
      return sources.readings(ids).filter((r) => allowed === null || allowed.has(r.communityId));
    },

    exportCsv(id: number, lang: Language = 'zh'): { filename: string; csv: string } {
      const body = view(record(id));
      return { filename: `inspection-${body.id}-${body.communityId}-${body.date}.csv`, csv: inspectionCsv(body, lang, placesOf(body)) };
    },
  };
}

export type InspectionsService = ReturnType<typeof createInspectionsService>;
