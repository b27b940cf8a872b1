/**
 * The periodic facts recompute runs on a thread of its own (issue 18 item 3): the ingest thread hands it a
 * copy of a community's state and writes the facts it answers. What it answers is exactly what the ingest
 * thread would compute; a periodic flush returns before the facts are computed; an explicit flush that
 * takes over the day being computed wins, and the thread's older answer is dropped; a failed computation
 * keeps its day due and lets the thread go on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dailyFacts } from '../../services/rules/index.js';
import { startFactsThread, type FactsThread } from '../../services/ingest/facts-thread.js';
import { createFactsMaterializer } from '../../services/ingest/facts-materializer.js';
import { createFactsRepo } from '../../services/store/facts-repo.js';
import { InCommit } from '../../services/events.js';
import { createLogger } from '../../services/observability/logger.js';
import type { Journal} from '../rules/fixtures.js';
import { C, DAY, at, ctx, feed, layout, online } from '../rules/fixtures.js';
import { startTestService, type TestService } from '../support/service.js';
import { reading } from '../broker/helpers.js';

const logger = createLogger('silent');

describe('the facts thread', () => {
  let thread: FactsThread;
  beforeAll(() => {
    thread = startFactsThread({ logger });
  });
  afterAll(async () => {
    await thread.close();
  });

  it('answers exactly the facts this thread computes from the same state', async () => {
    const journal: Journal = online();
    journal.shift(at('07:55'), 'start');
    for (let i = 0; i < 300; i++) journal.temp(at('08:00') + i * 60_000, 36.4 + (i % 12) / 10, `p-${(i % 40).toString(16).padStart(6, '0')}`);
    journal.spray(at('09:00'), 20, { concentrationMgPerL: 300 });
    journal.vent(at('09:30'), 40);
    journal.access(at('10:00'), 'courier');
    journal.shift(at('18:00'), 'end');
    const { state } = feed(journal.readings);
    const asOf = at('21:00');
    const here = dailyFacts(state, layout, DAY, asOf, ctx);
    const answer = await thread.compute({ community: state.communities[C], layout, day: DAY, asOf, config: ctx.config });
    expect(here.length).toBeGreaterThan(10);
    expect(answer.facts).toEqual(here);
    expect(answer.computeMs).toBeGreaterThan(0);
  });

  it('rejects a job its computation throws on, naming the error, and answers the next one', async () => {
    const bad = { ...layout, timeZone: 'Not/AZone' };
    await expect(thread.compute({ community: undefined, layout: bad, day: DAY, asOf: at('21:00'), config: ctx.config })).rejects.toThrow(/^facts computation failed: RangeError/);
    const good = await thread.compute({ community: undefined, layout, day: DAY, asOf: at('21:00'), config: ctx.config });
    expect(good.facts).toEqual(dailyFacts(feed([]).state, layout, DAY, at('21:00'), ctx));
  });

  it('once closed, refuses jobs', async () => {
    const other = startFactsThread({ logger });
    await other.close();
    await expect(other.compute({ community: undefined, layout, day: DAY, asOf: at('21:00'), config: ctx.config })).rejects.toThrow('facts thread closed');
  });
});

describe('the materializer with a facts thread, in the running service', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService();
  });
  afterAll(async () => {
    await svc?.stop();
  });

  /** A reading of hc-001 through the broker, evaluated: its day is due. Returns the day. */
  async function dueDay(seq: number): Promise<string> {
    const device = await svc.connect('therm-g1');
    await device.publishAsync('gatewatch/v1/hc-001/therm-g1/temperature', reading(seq), { qos: 1 });
    await device.endAsync();
    svc.runtime.ingest.processors.drain();
    return svc.runtime.ingest.rules.dayOf('hc-001', Date.now());
  }

  it('a periodic flush returns at once and the facts thread\'s answer is written after', async () => {
    const { materializer } = svc.runtime.ingest;
    await materializer.backgroundIdle();
    const day = await dueDay(1);
    const facts = createFactsRepo(svc.runtime.db);
    const asOf = Date.now() + 1;
    const before = facts.lastComputedAt('hc-001', day, day);
    materializer.flushInBackground(() => asOf);
    expect(facts.lastComputedAt('hc-001', day, day)).toBe(before);
    await materializer.backgroundIdle();
    expect(facts.lastComputedAt('hc-001', day, day)).toBe(asOf);
    const fever = facts.range('hc-001', day, day).find((f) => f.rule === 'fever' && f.place === 'g1');
    expect(fever?.figures.measured).toBeGreaterThanOrEqual(1);
    expect(materializer.pending()).toBe(0);
  });

  it('an explicit flush writes the day the thread is computing, and the thread\'s older answer is dropped', async () => {
    const { materializer } = svc.runtime.ingest;
    await materializer.backgroundIdle();
    const day = await dueDay(2);
    const facts = createFactsRepo(svc.runtime.db);
    const backgroundAsOf = Date.now() + 1;
    materializer.flushInBackground(() => backgroundAsOf);
    materializer.flush(backgroundAsOf + 60_000, true);
    expect(facts.lastComputedAt('hc-001', day, day)).toBe(backgroundAsOf + 60_000);
    await materializer.backgroundIdle();
    expect(facts.lastComputedAt('hc-001', day, day)).toBe(backgroundAsOf + 60_000);
    expect(materializer.pending()).toBe(0);
  });

  it('a computation that fails keeps its day due and is reported; the next flush writes it', async () => {
    const { db } = svc.runtime;
    await svc.runtime.ingest.materializer.backgroundIdle();
    const day = await dueDay(3);
    let failNext = true;
    const real = startFactsThread({ logger });
    const flaky: FactsThread = {
      compute: (job) => (failNext ? ((failNext = false), Promise.reject(new Error('thread lost'))) : real.compute(job)),
      close: () => real.close(),
    };
    const errors: string[] = [];
    const own = createFactsMaterializer({
      db, rules: svc.runtime.ingest.rules, facts: createFactsRepo(db), inCommit: new InCommit(() => db.inTransaction), todayEveryMs: 3_600_000,
      thread: flaky, onBackgroundError: (err) => errors.push((err as Error).message),
    });
    try {
      const asOf = Date.now() + 1;
      own.flushInBackground(() => asOf);
      await own.backgroundIdle();
      expect(errors).toEqual(['thread lost']);
      const due = own.pending();
      expect(due).toBeGreaterThanOrEqual(1);
      own.flushInBackground(() => asOf + 1);
      await own.backgroundIdle();
      expect(errors).toEqual(['thread lost']);
      expect(own.pending()).toBe(0);
      expect(createFactsRepo(db).lastComputedAt('hc-001', day, day)).toBe(asOf + 1);
    } finally {
      await flaky.close();
    }
  });
});
