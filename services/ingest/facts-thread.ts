/**
 * The ingest thread's handle on its facts thread (facts-worker.ts). A job carries the community's rules state
 * (postMessage copies it here, synchronously: ~5 ms for a community-day of 150,000 readings, against the
 * ~250 ms its facts take to compute); the facts come back, and the ingest thread writes them in its own
 * transaction as before (facts-materializer.ts). One thread, one job at a time (the materializer waits for
 * each answer): a pool would only let the recompute take more of the cores the partitions need.
 * A thread that dies fails its pending jobs (their days stay due) and is started again by the next job.
 */
import { Worker } from 'node:worker_threads';
import { threadEntry, threadExecArgv } from '../lifecycle/thread-entry.js';
import type { Logger } from '../observability/logger.js';
import type { CommunityLayout, CommunityState, DailyFact, RulesConfig } from '../rules/index.js';

/** Everything dailyFacts() reads: one community's state, its layout for the day, the day, the instant, the config. */
export interface FactsJob {
  community: CommunityState | undefined;
  layout: CommunityLayout;
  day: string;
  asOf: number;
  config: RulesConfig;
}

export interface FactsJobRequest {
  id: number;
  job: FactsJob;
}

export type FactsJobResult = { id: number; facts: DailyFact[]; computeMs: number } | { id: number; error: string };

export interface FactsThread {
  /** The day's facts and how long the thread computed them. Rejects when the computation threw or the thread died. */
  compute(job: FactsJob): Promise<{ facts: DailyFact[]; computeMs: number }>;
  /** Ends the thread; pending jobs reject. */
  close(): Promise<void>;
}

export function startFactsThread(deps: { logger: Logger }): FactsThread {
  const log = deps.logger.child({ component: 'facts-thread' });
  const entry = threadEntry(import.meta.url, 'facts-worker');
  const execArgv = threadExecArgv();
  const pending = new Map<number, { resolve: (r: { facts: DailyFact[]; computeMs: number }) => void; reject: (e: Error) => void }>();
  let worker: Worker | undefined;
  let nextId = 1;
  let closed = false;

  const failAll = (error: Error) => {
    for (const p of pending.values()) p.reject(error);
    pending.clear();
  };
  function started(): Worker {
    if (worker) return worker;
    const w = new Worker(entry.code, { eval: entry.eval, execArgv });
    // Idle between jobs, it must not keep the process alive.
    w.unref();
    w.on('message', (m: FactsJobResult) => {
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      if ('error' in m) p.reject(new Error(`facts computation failed: ${m.error}`));
      else p.resolve(m);
    });
    w.on('error', (err) => log.error({ err }, 'facts thread failed'));
    w.on('exit', (code) => {
      if (worker === w) worker = undefined;
      if (!closed) log.warn({ code }, 'facts thread ended: the next job starts another');
      failAll(new Error(`facts thread ended (exit code ${code})`));
    });
    return (worker = w);
  }

  return {
    compute(job) {
      if (closed) return Promise.reject(new Error('facts thread closed'));
      const id = nextId++;
      const w = started();
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        w.postMessage({ id, job } satisfies FactsJobRequest);
      });
    },
    async close() {
      closed = true;
      const w = worker;
      worker = undefined;
      failAll(new Error('facts thread closed'));
      if (w) await w.terminate();
    },
  };
}
