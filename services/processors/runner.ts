/**
 * Runs one processor over the journal (the reactor / projector pattern of
 * event-sourcing libraries such as emmett): after every journal commit it is
 * kicked, and it takes what is pending in short steps, each one transaction
 * that commits its outputs together with its checkpoint. Between steps the
 * event loop is free (setImmediate), so the next batch of device messages is
 * journaled and acknowledged while a backlog is worked off.
 *
 * A step that throws committed nothing: the processor stops, and retries
 * from its checkpoint after a backoff (doubling up to `maxBackoffMs`); no
 * journal row is skipped or taken twice because of it. A processor's own
 * poison input (a rule that throws on one reading) is the processor's
 * business, not the runner's: the rules processor flags such a reading and
 * goes on (services/ingest/safe-replay.ts).
 */
import type { Logger } from '../observability/logger.js';
import { createBackoff, type Backoff } from './backoff.js';
import { createIdleWaiters } from './waiters.js';

export interface Processor {
  /** Its checkpoint's name, and its label in logs and metrics. */
  readonly name: string;
  /**
   * Takes the next pending journal rows (as many as its own bound allows) in
   * one transaction with its checkpoint. Returns how many it took: 0 when it
   * is caught up. Throws when nothing of the step committed.
   */
  step(): number;
}

export interface RunnerOptions {
  logger: Logger;
  /** First wait after a failed step, doubled after each further failure. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Each failed step (metrics). */
  onFailure?: (name: string) => void;
}

/** A failed step's retry wait, both runners: 100 ms doubling to 5 s unless the options say otherwise. */
export function retryBackoff(options: Pick<RunnerOptions, 'initialBackoffMs' | 'maxBackoffMs'>): Backoff {
  return createBackoff({ first: options.initialBackoffMs ?? 100, max: options.maxBackoffMs ?? 5_000 });
}

export function createProcessorRunner(processor: Processor, options: RunnerOptions) {
  const log = options.logger.child({ component: 'processor', processor: processor.name });
  const backoff = retryBackoff(options);
  let scheduled: NodeJS.Immediate | undefined;
  let retry: NodeJS.Timeout | undefined;
  let stopped = false;
  let failures = 0;
  const idleWaiters = createIdleWaiters();

  function turn(): void {
    scheduled = undefined;
    if (stopped) return;
    let took: number;
    try {
      took = processor.step();
    } catch (err) {
      failures++;
      options.onFailure?.(processor.name);
      const retryInMs = backoff.next();
      log.error({ err, retryInMs, failures }, 'processor step failed: nothing of it committed; retrying from its checkpoint');
      retry = setTimeout(() => {
        retry = undefined;
        kick();
      }, retryInMs);
      retry.unref();
      return;
    }
    if (backoff.current !== 0) log.info({ failures }, 'processor recovered');
    backoff.reset();
    if (took > 0) kick();
    else idleWaiters.settle();
  }

  function kick(): void {
    if (stopped || scheduled || retry) return;
    scheduled = setImmediate(turn);
  }

  return {
    name: processor.name,
    /** New journal rows committed: take them on a later turn. */
    kick,
    /**
     * Everything pending, now, on this call's stack (start, a backfill that
     * reports its alarms, tests). A failure throws to the caller.
     */
    drain(): number {
      let total = 0;
      for (let took = processor.step(); took > 0; took = processor.step()) total += took;
      return total;
    },
    /** Resolves when the processor next finds nothing pending. */
    idle(): Promise<void> {
      const idle = idleWaiters.wait();
      kick();
      return idle;
    },
    /** Failed steps since start. */
    failures: () => failures,
    stop(): void {
      stopped = true;
      if (scheduled) clearImmediate(scheduled);
      if (retry) clearTimeout(retry);
      scheduled = undefined;
      retry = undefined;
      idleWaiters.settle();
    },
  };
}

export type ProcessorRunner = ReturnType<typeof createProcessorRunner>;
