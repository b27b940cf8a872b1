/**
 * Which scores the form allows for an item, by its mode. Used to validate what
 * an inspector enters (manual scores, overrides) and what telemetry proposes.
 * Scores are whole points: the form only ever speaks of whole points.
 */
import type { ChecklistItem } from './checklist.js';

/** Every score the item may take, ascending. */
export function allowedScores(item: ChecklistItem): number[] {
  const mode = item.mode;
  switch (mode.kind) {
    case 'all_or_nothing':
      return [0, item.points];
    case 'deduct': {
      // No deduction, or a deduction between min and max (never below 0).
      const lowest = Math.max(0, item.points - mode.maxDeduction);
      const highestDeducted = item.points - mode.minDeduction;
      const deducted = Array.from({ length: Math.max(0, highestDeducted - lowest + 1) }, (_, i) => lowest + i);
      return [...deducted, item.points];
    }
    case 'judgement':
      return Array.from({ length: mode.max - mode.min + 1 }, (_, i) => mode.min + i);
  }
}

/** Why `score` is not allowed for the item, or null when it is. */
export function scoreProblem(item: ChecklistItem, score: number): string | null {
  if (typeof score !== 'number' || !Number.isInteger(score)) return `score ${String(score)} is not a whole number`;
  if (score < 0 || score > item.points) return `score ${score} is outside 0..${item.points}`;
  if (allowedScores(item).includes(score)) return null;
  const mode = item.mode;
  switch (mode.kind) {
    case 'all_or_nothing':
      return `score ${score} is not allowed: the item is all or nothing (0 or ${item.points})`;
    case 'deduct':
      return `score ${score} is not allowed: the item deducts ${mode.minDeduction}-${mode.maxDeduction} from ${item.points}`;
    case 'judgement':
      return `score ${score} is not allowed: the item is judged ${mode.min}-${mode.max}`;
  }
}
