/**
 * The InfluxDB projection of readings: a processor over the journal
 * (services/processors/async-runner.ts) with its own checkpoint,
 * 'influx.readings'. A step reads the journal rows after the checkpoint (one
 * batch, `GW_INFLUX_BATCH_SIZE`), builds each line once (readingToLine, the
 * schema the dashboards read), hands them to the sink, which writes them to
 * the county database and to each company's (tenants.ts), and advances the
 * checkpoint in the transaction that queues what a company database did not
 * take (sink.ts, `project`). When the county database does not take them the
 * step fails and is retried from the checkpoint: during an outage nothing
 * accumulates but the lag, since the journal rows are the outbox.
 *
 * Before this (issue 18) each reading's line was an influx_outbox row
 * inserted in the rules processor's transaction and deleted after delivery:
 * one insert, one delete and its JSON per reading in the hot path's
 * transactions.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Db } from '../store/db.js';
import type { Journal } from '../store/journal.js';
import type { CheckpointsRepo } from '../store/checkpoints-repo.js';
import type { Logger } from '../observability/logger.js';
import { createAsyncProcessorRunner, type AsyncProcessor, type AsyncProcessorRunner } from '../processors/async-runner.js';
import type { InfluxConfig } from './config.js';
import { readingToLine, type JournalReading } from './points.js';
import type { InfluxSink, ProjectedLine } from './sink.js';

export const INFLUX_READINGS = 'influx.readings';

export interface ReadingsProjectionDeps {
  db: Db;
  journal: Pick<Journal, 'readingsSince'>;
  checkpoints: CheckpointsRepo;
  sink: Pick<InfluxSink, 'project'>;
  config: Pick<InfluxConfig, 'batchSize' | 'flushMs' | 'maxBackoffMs'>;
  logger: Logger;
  /** The service's registry: the lag gauge and the pruned-rows counter. */
  registry: Registry;
  now?: () => number;
}

export interface ReadingsProjection {
  readonly runner: AsyncProcessorRunner;
  /** Journal rows retention deleted before this processor projected them, since start. */
  prunedUnprojected(): number;
}

/**
 * Builds the processor and its runner (not started). The first time it runs
 * on an installation its checkpoint is put at the journal's end: turning
 * InfluxDB on later projects what arrives from then on, not the whole history.
 */
export function createReadingsProjection(deps: ReadingsProjectionDeps): ReadingsProjection {
  const now = deps.now ?? Date.now;
  const log = deps.logger.child({ component: 'influx', processor: INFLUX_READINGS });
  const maxRows = deps.config.batchSize;
  deps.checkpoints.ensure(INFLUX_READINGS, 'end', now());
  let pruned = 0;
  const metrics = registerMetrics(deps.registry, deps.db, deps.checkpoints);

  /** A batch read and built: the journal rows after `from`, their lines, and what is missing. */
  interface Prepared {
    from: number;
    upTo: number;
    taken: number;
    batch: ProjectedLine[];
    /** Rows deleted (retention) between `from` and `upTo` before they were projected. */
    missing: number;
    unbuildable: number;
  }

  function prepare(from: number): Prepared {
    const rows = deps.journal.readingsSince(from, maxRows);
    const batch: ProjectedLine[] = [];
    // Journal ids are handed out without gaps (AUTOINCREMENT; a rolled-back insert takes none),
    // so a gap after the checkpoint is rows deleted before they were projected: retention.
    let missing = 0;
    let previous = from;
    let unbuildable = 0;
    for (const r of rows) {
      missing += r.id - previous - 1;
      previous = r.id;
      const line = lineOf(r);
      if (line === null) unbuildable++;
      else batch.push({ readingId: r.id, communityId: r.communityId, line });
    }
    return { from, upTo: previous, taken: rows.length, batch, missing, unbuildable };
  }

  /** The next batch, read and built while the last one's POST was in flight (dropped unless the checkpoint is where it starts). */
  let prefetched: Prepared | null = null;

  const processor: AsyncProcessor = {
    name: INFLUX_READINGS,
    async step(): Promise<number> {
      const from = deps.checkpoints.position(INFLUX_READINGS);
      const current = prefetched?.from === from ? prefetched : prepare(from);
      prefetched = null;
      if (current.taken === 0) return 0;
      const advance = () => deps.checkpoints.advance(INFLUX_READINGS, current.upTo, now());
      // A full batch means more is likely waiting: build it while InfluxDB takes this one.
      let next: Prepared | null = null;
      const meanwhile = current.taken < maxRows ? undefined : () => {
        try {
          next = prepare(current.upTo);
        } catch {
          // Only a head start (the database closing under a stop, say): the next step reads it again.
        }
      };
      const result = current.batch.length > 0 ? await deps.sink.project(current.batch, advance, meanwhile) : (deps.db.transaction(advance)(), { deferred: 0 });
      prefetched = next;
      if (current.missing > 0) {
        pruned += current.missing;
        metrics.pruned.inc(current.missing);
        log.warn({ missing: current.missing, after: from, upTo: current.upTo }, 'journal rows were pruned by retention before they were projected to InfluxDB: their points are not written');
      }
      if (current.unbuildable > 0) metrics.unbuildable.inc(current.unbuildable);
      if (result.deferred > 0) log.debug({ deferred: result.deferred, upTo: current.upTo }, 'reading lines queued for company databases that did not take them now');
      return current.taken;
    },
  };

  // The journal holds validated payloads, so a line always builds; one that did not would fail
  // every retry of its step and stop the projection, so it is logged (ids only), counted once its
  // step commits, and passed.
  function lineOf(r: ReturnType<Journal['readingsSince']>[number]): string | null {
    try {
      return readingToLine(r as unknown as JournalReading);
    } catch (err) {
      log.error({ readingId: r.id, kind: r.kind, error: (err as Error).message }, 'no InfluxDB line for a journal reading: passed');
      return null;
    }
  }

  const runner = createAsyncProcessorRunner(processor, {
    logger: deps.logger,
    fullStep: maxRows,
    pollMs: deps.config.flushMs,
    initialBackoffMs: Math.min(deps.config.flushMs, 1000),
    maxBackoffMs: deps.config.maxBackoffMs,
  });
  return { runner, prunedUnprojected: () => pruned };
}

function registerMetrics(registry: Registry, db: Db, checkpoints: CheckpointsRepo) {
  new Gauge({
    name: 'gatewatch_processor_lag_readings',
    help: 'Journal rows a processor has not taken yet: the newest journal id minus its checkpoint',
    labelNames: ['processor'],
    registers: [registry],
    collect() {
      if (db.open) this.set({ processor: INFLUX_READINGS }, Math.max(0, checkpoints.journalEnd() - checkpoints.position(INFLUX_READINGS)));
    },
  });
  return {
    unbuildable: new Counter({
      name: 'gatewatch_influx_readings_unbuildable_total',
      help: 'Journal readings no InfluxDB line could be built for (logged with their ids, passed)',
      registers: [registry],
    }),
    pruned: new Counter({
      name: 'gatewatch_influx_readings_pruned_unprojected_total',
      help: 'Journal rows retention deleted before the InfluxDB readings processor projected them (their points are never written)',
      registers: [registry],
    }),
  };
}
