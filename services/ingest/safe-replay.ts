/**
 * Evaluating journaled readings so that a rule's throw never leaves the
 * state half-updated. The engine updates its state in place (services/rules
 * README), so a rule that throws after the reading was recorded leaves memory
 * holding a reading whose outcomes were never applied. Here such a reading is
 * flagged (store/reevaluation-repo.ts: it stays in the journal) and its
 * community's state is rebuilt from the journal without the flagged readings,
 * so memory and journal agree. Flagged readings are taken in again by
 * EngineRules.reevaluateFlagged() after the fix.
 */
import { createInitialState, evaluate, type CommunityLayout, type EngineContext, type EvaluateContext, type ReadingInput, type RulesState } from '../rules/index.js';
import type { DeviceMessage } from '../../schemas/src/device-messages.js';
import type { Journal, StoredReading } from '../store/journal.js';
import type { ReevaluationRepo } from '../store/reevaluation-repo.js';

export const RULE_EXCEPTION = 'RULE_EXCEPTION';

/** What is said of a reading a rule threw on: ids and the error's class only, no payload, no person. */
export interface RuleFailure {
  readingId: number;
  communityId: string;
  deviceId: string;
  kind: string;
  code: typeof RULE_EXCEPTION;
  /** The error's class name (its message may quote a payload). */
  error: string;
}

type CommunityState = RulesState['communities'][string];
type LayoutOf = (communityId: string) => CommunityLayout | undefined;

export function createSafeReplay(deps: { base: EngineContext; reevaluation: ReevaluationRepo; now: () => number; onFailure: (f: RuleFailure) => void }) {
  /** One evaluate() context per community for a whole replay, not one per reading. */
  const contexts = (layoutOf: LayoutOf) => {
    const m = new Map<string, EvaluateContext>();
    return (r: ReadingInput): EvaluateContext => {
      let c = m.get(r.communityId);
      if (!c) m.set(r.communityId, (c = { ...deps.base, layout: layoutOf(r.communityId) }));
      return c;
    };
  };

  function flag(r: ReadingInput, err: unknown): void {
    const error = err instanceof Error ? err.name : typeof err;
    deps.reevaluation.flag(r.readingId, RULE_EXCEPTION, error, deps.now());
    deps.onFailure({ readingId: r.readingId, communityId: r.communityId, deviceId: r.deviceId, kind: r.kind, code: RULE_EXCEPTION, error });
  }

  /** One reading evaluated, or flagged (and added to `flagged`) when a rule throws: then null. */
  function step(state: RulesState, r: ReadingInput, ctxOf: ReturnType<typeof contexts>, flagged: Set<number>): RulesState | null {
    try {
      return evaluate(state, r, ctxOf(r)).state;
    } catch (err) {
      flag(r, err);
      flagged.add(r.readingId);
      return null;
    }
  }

  /**
   * One community's state from its journal rows (id order), without flagged
   * readings; a reading that throws is flagged and the replay starts again
   * without it (each restart flags one more reading, so it ends).
   */
  function community(rows: readonly ReadingInput[], layoutOf: LayoutOf, flagged = deps.reevaluation.flaggedIds()): CommunityState | undefined {
    const ctxOf = contexts(layoutOf);
    for (;;) {
      let state = createInitialState();
      let failed = false;
      for (const r of rows) {
        if (flagged.has(r.readingId)) continue;
        const next = step(state, r, ctxOf, flagged);
        if (next === null) {
          failed = true;
          break;
        }
        state = next;
      }
      if (!failed) return rows.length > 0 ? state.communities[rows[0]!.communityId] : undefined;
    }
  }

  /**
   * The state from journal readings in id order (the engine's rebuildState,
   * made safe): on a throw, the reading is flagged and its community rebuilt
   * from `rowsOf` (its journal rows). Readings the stream yields again after
   * that rebuild are duplicates to the engine and change nothing.
   */
  function rebuild(readings: Iterable<ReadingInput>, layoutOf: LayoutOf, rowsOf: (communityId: string) => readonly ReadingInput[]): RulesState {
    let state = createInitialState();
    const flagged = deps.reevaluation.flaggedIds();
    const ctxOf = contexts(layoutOf);
    for (const r of readings) {
      if (flagged.has(r.readingId)) continue;
      const next = step(state, r, ctxOf, flagged);
      if (next !== null) {
        state = next;
        continue;
      }
      const cs = community(rowsOf(r.communityId), layoutOf, flagged);
      if (cs) state.communities[r.communityId] = cs;
      else delete state.communities[r.communityId];
    }
    return state;
  }

  return { flag, community, rebuild };
}

/** Journal readings with event time from `sinceMs`, in id order up to id `upTo`, as engine inputs. */
export function* journalReadings(journal: Journal, sinceMs: number, upTo = Number.MAX_SAFE_INTEGER): Generator<ReadingInput> {
  let after = 0;
  for (;;) {
    const page = journal.readingsSince(after, 5000);
    if (page.length === 0) return;
    for (const r of page) {
      if (r.id > upTo) return;
      after = r.id;
      if (r.eventTime < sinceMs) continue;
      yield toInput(r);
    }
  }
}

export function toInput(r: StoredReading): ReadingInput {
  return { kind: r.kind, communityId: r.communityId, deviceId: r.deviceId, payload: r.payload, readingId: r.id, eventTime: r.eventTime, receivedAt: r.receivedAt } as DeviceMessage as ReadingInput;
}
