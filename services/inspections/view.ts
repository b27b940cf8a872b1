/** From stored records and scoring results to the HTTP bodies of schemas/src/checklist.ts. */
import type { ChecklistBody, InspectionBody, InspectionPlacesBody, InspectionSummaryBody } from '../../schemas/src/checklist.js';
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
 * A community's places as the registry names them now, null for a community
 * it no longer has. The messages keep the ids; names go in as parameters
 * when formatting (services/i18n/places.ts). Signing freezes them with the
 * evidence (Snapshot.places): a signed form reads as it was signed, a later
 * rename does not rewrite it.
 */
export function registryPlaces(registry: RegistryRepo, communityId: string): InspectionPlacesBody | null {
  const c = registry.getCommunity(communityId);
  if (!c) return null;
  return {
    id: c.id, name: c.name,
    gates: registry.gates(c.id).map((g) => ({ id: g.id, name: g.name })),
    areas: registry.areas(c.id).map((a) => ({ id: a.id, name: a.name })),
    devices: registry.devices(c.id).map((d) => ({ id: d.id, location: d.location })),
  };
}

/** The names of an inspection's places, for the CSV (the page formats from the body's `places` itself). */
export const placesOf = (body: Pick<InspectionBody, 'places'>): PlaceNames | null => (body.places ? placeNames(body.places) : null);

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
  /** The place names in force at signing; absent in snapshots signed before they were kept (then the current ones). */
  places?: InspectionPlacesBody | null;
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
  places: InspectionPlacesBody | null;
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
    places: s.places,
  };
}

export function summaryBody(r: InspectionRecord): InspectionSummaryBody {
  return {
    id: r.id, communityId: r.communityId, communityName: r.communityName, date: r.date, status: r.status, inspectorName: r.inspectorName,
    total: r.total, passed: r.passed, rectificationDeadline: r.rectificationDeadline, reinspectionOf: r.reinspectionOf,
    reinspectionId: r.reinspectionId, signedAt: isoOrNull(r.signedAt),
  };
}
