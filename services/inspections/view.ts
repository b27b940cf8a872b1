/** From stored records and scoring results to the HTTP bodies of schemas/src/checklist.ts. */
import type { ChecklistBody, InspectionBody, InspectionSummaryBody } from '../../schemas/src/checklist.js';
import { allowedScores } from '../scoring/allowed-scores.js';
import { CHECKLIST, SECTIONS } from '../scoring/checklist.js';
import { PASS_MARK, type InspectionTotal } from '../scoring/inspection.js';
import type { ItemScore } from '../scoring/types.js';
import type { InspectionRecord, OverrideLogRow } from '../store/inspections-repo.js';
import { legacyText } from '../i18n/index.js';
import { placeNames, type PlaceNames } from '../i18n/places.js';
import type { RegistryRepo } from '../store/registry-repo.js';

export const iso = (ms: number): string => new Date(ms).toISOString();
export const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));

export const FORM_TITLE = {
  zh: '桦川县住宅小区物业服企业疫情防控检查考核管理评分表',
  en: 'Huachuan County residential property-management companies: epidemic prevention inspection scoring form',
};

/**
 * The registered names of a community's places, for texts a person reads
 * (CSV; the page names them itself from the registry): the messages keep the
 * ids, names go in as parameters when formatting (services/i18n/places.ts).
 * The current registry, also for a signed inspection: its evidence is frozen
 * by id, the names are how the places are called now. Null for a community
 * the registry no longer has.
 */
export function placesOf(registry: RegistryRepo, communityId: string): PlaceNames | null {
  const c = registry.getCommunity(communityId);
  return c ? placeNames({ id: c.id, name: c.name, gates: registry.gates(c.id), areas: registry.areas(c.id), devices: registry.devices(c.id) }) : null;
}

export function checklistBody(): ChecklistBody {
  return {
    title: FORM_TITLE,
    total: CHECKLIST.reduce((sum, i) => sum + i.points, 0),
    passMark: PASS_MARK,
    sections: SECTIONS.map((s) => ({ ...s })),
    items: CHECKLIST.map((i) => ({
      id: i.id, section: i.section, points: i.points, mode: { ...i.mode }, fill: i.fill, rules: [...i.rules], zh: i.zh, en: i.en,
      allowedScores: allowedScores(i),
    })),
  };
}

/** What signing freezes: the telemetry sub-scores with their evidence, and the result they gave. */
export interface Snapshot {
  itemScores: ItemScore[];
  result: InspectionTotal;
  factsComputedAt: number | null;
}

/**
 * Snapshots signed before texts were messages hold English strings only: they
 * carry them as messages that print as they are (frozen evidence is not rewritten).
 */
export function withMessages(snap: Snapshot): Snapshot {
  return {
    ...snap,
    itemScores: snap.itemScores.map((s) => ({
      ...s,
      explanationMessage: s.explanationMessage ?? legacyText(s.explanation),
      evidence: { ...s.evidence, lines: s.evidence.lines.map((l) => ({ ...l, summaryMessage: l.summaryMessage ?? legacyText(l.summary) })) },
    })),
  };
}

export interface InspectionState {
  itemScores: ItemScore[];
  result: InspectionTotal;
  factsComputedAt: number | null;
  newerDataAt: number | null;
  overrideLog: OverrideLogRow[];
}

export function inspectionBody(r: InspectionRecord, s: InspectionState, timeZone: string): InspectionBody {
  return {
    id: r.id, communityId: r.communityId, communityName: r.communityName, propertyCompany: r.propertyCompany,
    inspector: r.inspector, inspectorName: r.inspectorName, date: r.date, window: { from: r.windowFrom, to: r.windowTo },
    status: r.status, notes: r.notes, createdAt: iso(r.createdAt), updatedAt: iso(r.updatedAt),
    signedAt: isoOrNull(r.signedAt), signedBy: r.signedBy,
    // Signed before names were kept: the reference is all there is.
    signedByName: r.signedByName ?? r.signedBy, manualScores: r.manualScores,
    overrides: Object.fromEntries(Object.entries(r.overrides).map(([k, o]) => [k, { ...o, at: iso(o.at) }])),
    overrideLog: s.overrideLog.map((l) => ({ itemId: l.itemId, score: l.score, reason: l.reason, by: l.actor, at: iso(l.at) })),
    itemScores: s.itemScores,
    items: s.result.items,
    total: s.result.total,
    passed: s.result.passed,
    missing: s.result.missing,
    unconfirmed: s.result.unconfirmed,
    complete: s.result.complete,
    rectificationDeadline: r.rectificationDeadline,
    reinspectionOf: r.reinspectionOf,
    reinspectionId: r.reinspectionId,
    factsComputedAt: isoOrNull(s.factsComputedAt),
    newerDataAt: isoOrNull(s.newerDataAt),
    timeZone,
  };
}

export function summaryBody(r: InspectionRecord): InspectionSummaryBody {
  return {
    id: r.id, communityId: r.communityId, communityName: r.communityName, date: r.date, status: r.status, inspectorName: r.inspectorName,
    total: r.total, passed: r.passed, rectificationDeadline: r.rectificationDeadline, reinspectionOf: r.reinspectionOf,
    reinspectionId: r.reinspectionId, signedAt: isoOrNull(r.signedAt),
  };
}
