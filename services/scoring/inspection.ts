/**
 * totalInspection: the inspector's sheet for one community and date. Telemetry
 * sub-scores, manual scores from the visit and overrides (each with a kept
 * reason) combine into a final score per item and a total; under 60 fails
 * (不合格) and starts a rectification period. Pure: persistence and signing are
 * the caller's.
 */
import { CodedError } from '../domain/errors.js';
import { CHECKLIST, findItem, type ChecklistItem, type Fill } from './checklist.js';
import { scoreProblem } from './allowed-scores.js';
import type { ItemScore } from './types.js';

/** "对物业管理小区考评分数低于60分视为不合格": 60 passes, 59 fails. */
export const PASS_MARK = 60;

export interface Override {
  score: number;
  reason: string;
}

export interface InspectionInput {
  itemScores: readonly ItemScore[];
  manualScores?: Record<string, number>;
  overrides?: Record<string, Override>;
}

/** Where the final score came from, strongest first. */
export type ScoreSource = 'override' | 'manual' | 'auto' | 'proposed' | 'missing';

export interface InspectionItem {
  itemId: string;
  fill: Fill;
  points: number;
  /** Telemetry's score or proposal; null for manual items and insufficient data. */
  auto: number | null;
  manual: number | null;
  override: Override | null;
  final: number | null;
  source: ScoreSource;
}

export interface InspectionTotal {
  items: InspectionItem[];
  total: number;
  /** total >= 60. Scores only add up, so a partial total of 60 is already a pass. */
  passed: boolean;
  /** Items with no final score yet. */
  missing: string[];
  /** Assisted items still on telemetry's proposal, not confirmed by a manual score or override. */
  unconfirmed: string[];
  /** Nothing missing and nothing unconfirmed: ready to sign. */
  complete: boolean;
}

export interface InspectionIssue {
  itemId: string;
  message: string;
}

export class InspectionInputError extends CodedError {
  constructor(readonly issues: InspectionIssue[]) {
    super(400, 'INSPECTION_SCORE_INVALID', issues.map((i) => `item ${i.itemId}: ${i.message}`).join('; '));
  }
}

/** Every reason to refuse the input, each naming its item. */
export function inspectionIssues(input: InspectionInput): InspectionIssue[] {
  const issues: InspectionIssue[] = [];
  const check = (itemId: string, what: string, score: number, extra?: (item: ChecklistItem) => string | null) => {
    const item = findItem(itemId);
    if (!item) {
      issues.push({ itemId, message: `${what}: no such item on the checklist` });
      return;
    }
    const problem = scoreProblem(item, score) ?? extra?.(item) ?? null;
    if (problem) issues.push({ itemId, message: `${what}: ${problem}` });
  };
  const seen = new Set<string>();
  for (const s of input.itemScores) {
    if (seen.has(s.itemId)) issues.push({ itemId: s.itemId, message: 'telemetry score: given twice' });
    seen.add(s.itemId);
    if (findItem(s.itemId)?.fill === 'manual') issues.push({ itemId: s.itemId, message: 'telemetry score: the item is manual' });
    else if (s.score !== null) check(s.itemId, 'telemetry score', s.score);
  }
  for (const [itemId, score] of Object.entries(input.manualScores ?? {})) {
    check(itemId, 'manual score', score, (item) =>
      item.fill === 'auto' ? 'the item is scored by telemetry; change it with an override and a reason' : null,
    );
  }
  for (const [itemId, o] of Object.entries(input.overrides ?? {})) {
    check(itemId, 'override', o.score, () =>
      typeof o.reason !== 'string' || o.reason.trim() === '' ? 'an override needs a reason' : null,
    );
  }
  return issues;
}

/** The final score of one item: override, then the inspector's score, then telemetry's. */
export function resolveItem(
  item: ChecklistItem,
  telemetry: ItemScore | undefined,
  manual: number | undefined,
  override: Override | undefined,
): InspectionItem {
  const auto = telemetry?.score ?? null;
  const base = { itemId: item.id, fill: item.fill, points: item.points, auto, manual: manual ?? null };
  if (override) return { ...base, override: { score: override.score, reason: override.reason.trim() }, final: override.score, source: 'override' };
  if (manual !== undefined) return { ...base, override: null, final: manual, source: 'manual' };
  if (auto !== null) return { ...base, override: null, final: auto, source: item.fill === 'auto' ? 'auto' : 'proposed' };
  return { ...base, override: null, final: null, source: 'missing' };
}

/** Combine telemetry, manual scores and overrides; throws InspectionInputError naming each bad item. */
export function totalInspection(input: InspectionInput): InspectionTotal {
  const issues = inspectionIssues(input);
  if (issues.length > 0) throw new InspectionInputError(issues);
  const telemetry = new Map(input.itemScores.map((s) => [s.itemId, s]));
  const items = CHECKLIST.map((item) =>
    resolveItem(item, telemetry.get(item.id), input.manualScores?.[item.id], input.overrides?.[item.id]),
  );
  const total = items.reduce((sum, i) => sum + (i.final ?? 0), 0);
  const missing = items.filter((i) => i.source === 'missing').map((i) => i.itemId);
  const unconfirmed = items.filter((i) => i.source === 'proposed').map((i) => i.itemId);
  return {
    items,
    total,
    passed: total >= PASS_MARK,
    missing,
    unconfirmed,
    complete: missing.length === 0 && unconfirmed.length === 0,
  };
}
