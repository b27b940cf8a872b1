/**
 * The rules processor: the single writer of the rules' state and of alarms.
 * It reads the journal from its checkpoint ('rules'), evaluates each reading
 * in journal order (arrival order, as a replay does), applies the outcomes to
 * the alarms, and dispatches the in-commit events of each reading
 * ('reading.accepted': no participant in the service now; InfluxDB reads the journal, influx/readings.ts) and alarm change ('alarm.changed':
 * InfluxDB, the alarm webhook), all in one transaction with its new
 * checkpoint. A step is bounded in rows and in time, so ingest's next batch
 * waits for at most one step.
 *
 * When a step does not commit, the rules' state of the communities it touched
 * is resynced from the journal up to the committed checkpoint, so memory
 * never holds a reading whose outputs were rolled back; the runner retries
 * from there (processors/runner.ts).
 */
import type { Db } from '../store/db.js';
import type { Journal } from '../store/journal.js';
import type { CheckpointsRepo } from '../store/checkpoints-repo.js';
import type { AcceptedReading, InCommit } from '../events.js';
import type { Processor } from '../processors/runner.js';
import type { AlarmChange, AlarmOutcomes } from './alarm-outcomes.js';
import type { EngineRules } from './engine-rules.js';
import { toInput } from './safe-replay.js';

export const RULES_PROCESSOR = 'rules';

export interface RulesProcessorDeps {
  db: Db;
  journal: Journal;
  checkpoints: CheckpointsRepo;
  rules: EngineRules;
  outcomes: AlarmOutcomes;
  inCommit: InCommit;
  now: () => number;
  /** Most journal rows read for one step. */
  maxRows?: number;
  /** Most time one step spends evaluating before it commits (ms). */
  maxStepMs?: number;
}

/** The processor and where it stands: the rules' state holds exactly the journal up to `position()`. */
export interface RulesProcessor extends Processor {
  /** The last journal row evaluated into the rules' state (committed, or in the step under way). */
  position(): number;
}

export function createRulesProcessor(deps: RulesProcessorDeps): RulesProcessor {
  const maxRows = deps.maxRows ?? 512;
  const maxStepMs = deps.maxStepMs ?? 4;
  let position = deps.checkpoints.position(RULES_PROCESSOR);
  const touched = new Set<string>();

  const commitStep = deps.db.transaction((rows: ReturnType<Journal['readingsSince']>, changes: AlarmChange[]): number => {
    const until = performance.now() + maxStepMs;
    let taken = 0;
    for (const r of rows) {
      if (taken > 0 && performance.now() >= until) break;
      position = r.id;
      touched.add(r.communityId);
      // Checked first: with no participant (no InfluxDB), no object is built per reading.
      if (deps.inCommit.wants('reading.accepted')) {
        deps.inCommit.dispatch('reading.accepted', { kind: r.kind, communityId: r.communityId, deviceId: r.deviceId, payload: r.payload, readingId: r.id, seq: r.seq, eventTime: r.eventTime } as AcceptedReading);
      }
      deps.outcomes.apply(deps.rules.evaluate(toInput(r)), changes);
      taken++;
    }
    deps.checkpoints.advance(RULES_PROCESSOR, position, deps.now());
    return taken;
  });

  return {
    name: RULES_PROCESSOR,
    position: () => position,
    step(): number {
      const committed = deps.checkpoints.position(RULES_PROCESSOR);
      const rows = deps.journal.readingsSince(committed, maxRows);
      if (rows.length === 0) return 0;
      const changes: AlarmChange[] = [];
      touched.clear();
      let taken: number;
      try {
        taken = commitStep(rows, changes);
      } catch (err) {
        position = committed;
        for (const id of touched) deps.rules.resync(id);
        throw err;
      } finally {
        touched.clear();
      }
      deps.outcomes.announce(changes);
      return taken;
    },
  };
}
