/**
 * Runs one processor whose step awaits I/O (the InfluxDB projection of
 * readings: a step POSTs its lines, then commits its checkpoint), with the
 * contract of runner.ts: one step in flight, a failed step committed nothing
 * and is retried from the checkpoint after a backoff (doubling up to
 * `maxBackoffMs`), no journal row is skipped or taken twice because of it,
 * `idle()` waits for the processor to catch up.
 *
 * What differs is pacing. A synchronous step is cheap, so runner.ts takes
 * whatever one commit journaled; a step here is a network round trip, and
 * one POST per ingest commit would send a few lines each. So a step that
 * found a full batch (`fullStep` rows) is followed at once by the next (a
 * backlog drains back to back), and a step that found less has caught up: the
 * next one waits for `pollMs` (the batch fills meanwhile) or for a `kick()`.
 */
import { retryBackoff, type RunnerOptions } from './runner.js';
import { createIdleWaiters } from './waiters.js';

export interface AsyncProcessor {
  /** Its checkpoint's name, and its label in logs and metrics. */
  readonly name: string;
  /**
   * Takes the next pending journal rows (at most `fullStep`), delivers them
   * and commits its checkpoint after them. Resolves with how many it took
   * (0: nothing pending); rejects when the checkpoint did not advance.
   */
  step(): Promise<number>;
}

export interface AsyncRunnerOptions extends RunnerOptions {
  /** The most rows one step takes: a step that took this many found a backlog. */
  fullStep: number;
  /** Once caught up, the next step this long after the last one (no kick needed). */
  pollMs: number;
}

export function createAsyncProcessorRunner(processor: AsyncProcessor, options: AsyncRunnerOptions) {
  const log = options.logger.child({ component: 'processor', processor: processor.name });
  const backoff = retryBackoff(options);
  let timer: NodeJS.Timeout | undefined;
  let retrying = false;
  let inFlight: Promise<number> | undefined;
  let kickedDuringStep = false;
  let stopped = false;
  let failures = 0;
  const idleWaiters = createIdleWaiters();

  function schedule(ms: number, isRetry: boolean): void {
    if (timer) clearTimeout(timer);
    retrying = isRetry;
    timer = setTimeout(() => {
      timer = undefined;
      retrying = false;
      turn();
    }, ms);
    timer.unref();
  }

  /** One step, never two at a time: drain() and the loop share this. */
  function oneStep(): Promise<number> {
    const step = (inFlight ?? Promise.resolve(0)).catch(() => 0).then(() => processor.step());
    const mine = step.finally(() => {
      if (inFlight === mine) inFlight = undefined;
    });
    inFlight = mine;
    return mine;
  }

  function turn(): void {
    if (stopped || inFlight) return;
    kickedDuringStep = false;
    oneStep().then(
      (took) => {
        if (backoff.current !== 0) log.info({ failures }, 'processor recovered');
        backoff.reset();
        if (stopped) return;
        if (took >= options.fullStep || kickedDuringStep) schedule(0, false);
        else {
          idleWaiters.settle();
          schedule(options.pollMs, false);
        }
      },
      (err: unknown) => {
        failures++;
        options.onFailure?.(processor.name);
        const retryInMs = backoff.next();
        log.warn({ err, retryInMs, failures }, 'processor step failed: its checkpoint did not advance; retrying from it');
        if (!stopped) schedule(retryInMs, true);
      },
    );
  }

  /** Runs the next step now unless one is in flight or a failure's backoff is pending. */
  function kick(): void {
    if (stopped || retrying) return;
    if (inFlight) {
      kickedDuringStep = true;
      return;
    }
    schedule(0, false);
  }

  return {
    name: processor.name,
    /** Starts the loop (a first step at once). */
    start: kick,
    /** New journal rows committed: take them now rather than at the next poll. */
    kick,
    /**
     * Steps until one finds less than a full batch, after the step in flight
     * (start, tests, tools). A failure rejects to the caller.
     */
    async drain(): Promise<number> {
      let total = 0;
      try {
        for (;;) {
          const took = await oneStep();
          total += took;
          if (took < options.fullStep) return total;
        }
      } finally {
        // A poll or kick that came while these steps ran found one in flight and left: re-arm it.
        if (!stopped && !timer) schedule(kickedDuringStep ? 0 : options.pollMs, false);
      }
    },
    /** Resolves when the processor next catches up (a step that found less than a full batch), or stops. */
    idle(): Promise<void> {
      if (stopped) return Promise.resolve();
      const idle = idleWaiters.wait();
      kick();
      return idle;
    },
    /** Failed steps since start. */
    failures: () => failures,
    /** Stops the loop; resolves once the step in flight (if any) has committed or failed. */
    async stop(): Promise<void> {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await inFlight?.catch(() => undefined);
      idleWaiters.settle();
    },
  };
}

export type AsyncProcessorRunner = ReturnType<typeof createAsyncProcessorRunner>;
