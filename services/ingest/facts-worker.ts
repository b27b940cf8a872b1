/**
 * The facts thread (facts-thread.ts starts it): computes one community-day's facts at a time from a copy of
 * the community's rules state, with the same pure function the ingest thread would run (rules/engine.ts
 * dailyFacts), so a busy day's recompute (hundreds of ms at bench rates) never holds a partition's ingest.
 * It has no database and no clock: everything comes in with the job; the facts go back.
 */
import { parentPort } from 'node:worker_threads';
import { dailyFacts } from '../rules/index.js';
import type { FactsJobRequest, FactsJobResult } from './facts-thread.js';

const port = parentPort!;

port.on('message', ({ id, job }: FactsJobRequest) => {
  const started = performance.now();
  let answer: FactsJobResult;
  try {
    const state = { version: 2 as const, communities: job.community ? { [job.layout.communityId]: job.community } : {} };
    const facts = dailyFacts(state, job.layout, job.day, job.asOf, { config: job.config });
    answer = { id, facts, computeMs: performance.now() - started };
  } catch (err) {
    answer = { id, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
  }
  port.postMessage(answer);
});
