/**
 * A rule that throws never loses a reading (issue 14 step 4): the journal row
 * commits, the reading is flagged for re-evaluation, the rules' memory agrees
 * with the journal without it, a metric and a log line (ids only) say so, and
 * once the rule is fixed the reading is re-evaluated: by the admin's action
 * (ingest.reevaluateFlagged), and at start (a restarted service).
 *
 * The failing rule comes in through the rules registry parameter of ingest
 * (IngestDeps.rules): the real registry plus one more rule module, removed
 * again from the same array to stand for the fix. Everything else is real
 * (SQLite file, repositories, pipeline, engine, materializer).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Db } from '../../services/store/db.js';
import { createRepositories, type Repositories } from '../../services/store/repositories.js';
import { applyRegistry } from '../../services/store/registry-loader.js';
import { createIngest, type Ingest } from '../../services/ingest/ingest.js';
import { createMetrics } from '../../services/observability/metrics.js';
import { capturingLogger } from '../support/logs.js';
import { EventBus, InCommit, type CommitParticipant } from '../../services/events.js';
import { DEFAULT_RULES_CONFIG, RULES, type RuleModule } from '../../services/rules/index.js';
import { localDay } from '../../services/time/local-day.js';
import { HOUR_MS } from '../../services/time/durations.js';
import { layoutVersionOf } from '../../services/store/layout-versions-repo.js';
import { layoutFromRegistry } from '../../services/ingest/engine-rules.js';
import { OTHER_COMMUNITY, startTestService, TEST_COMMUNITY, TEST_REGISTRY } from '../support/service.js';
import { nowWithinOneLocalDay } from '../support/clock.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const C = TEST_COMMUNITY;
// Real time: the restarted service below runs on the service clock.
// The readings are up to 40 minutes before NOW and must share one local day: in the first hour of a Shanghai
// day (16:00-17:00 UTC) NOW is the last minute of the day before, so the test does not depend on the time it runs.
const NOW = nowWithinOneLocalDay(HOUR_MS);
const DAY = localDay(NOW - 30 * 60_000, 'Asia/Shanghai');

/** Throws on a fever reading only, before any other rule saw it (first in the list). */
const brokenRule: RuleModule = {
  id: 'fever',
  facts: () => [],
  onReading: (ctx) => {
    if (ctx.input.kind === 'temperature' && ctx.input.payload.temperatureC > 38) throw new TypeError(`cannot read ${ctx.input.payload.personRef}`);
    return [];
  },
};

const temperature = (seq: number, minutesAgo: number, temperatureC: number, personRef: string) => ({
  receivedAt: NOW,
  clientId: 'therm-g1',
  topic: `gatewatch/v1/${C}/therm-g1/temperature`,
  payload: Buffer.from(JSON.stringify({ seq, ts: new Date(NOW - minutesAgo * 60_000).toISOString(), gateId: 'g1', temperatureC, subject: 'resident', personRef })),
  qos: 1,
});

interface Harness { db: Db; repos: Repositories; ingest: Ingest; metrics: ReturnType<typeof createMetrics>; logs: Record<string, unknown>[] }

async function harness(dir: string, rules: readonly RuleModule[], now: () => number = () => NOW, participants: CommitParticipant[] = []): Promise<Harness> {
  const db = openDatabase(join(dir, 'gatewatch.sqlite'));
  const repos = createRepositories(db);
  await applyRegistry(TEST_REGISTRY, db, repos.registry, NOW);
  const { logger, lines: logs } = capturingLogger();
  const metrics = createMetrics(false);
  const inCommit = new InCommit(() => db.inTransaction);
  for (const p of participants) inCommit.add(p);
  const ingest = createIngest({
    db, ...repos, rulesConfig: DEFAULT_RULES_CONFIG, metrics, logger, bus: new EventBus(logger), inCommit,
    maxPayloadBytes: 4096, factsRefreshMs: 60_000, retentionDays: 400, now, rules,
  });
  return { db, repos, ingest, metrics, logs };
}

const journalRows = (db: Db) => db.prepare('SELECT id, device_id, seq FROM readings ORDER BY id').all();
const flags = (db: Db) => db.prepare('SELECT reading_id, code, error, flagged_at FROM readings_needing_reevaluation ORDER BY reading_id').all();
const feverFact = (h: Harness) => h.repos.facts.range(C, DAY, DAY).find((f) => f.rule === 'fever' && f.place === 'g1');
const feverAlarms = (h: Harness) => h.repos.alarms.list({ communityId: C, rule: 'fever', limit: 10 }).map((a) => ({ subject: a.subject, status: a.status, readingIds: a.readingIds }));

describe('a rule that throws', () => {
  it('keeps the reading in the journal, flags it, and re-evaluates it after the fix (admin action)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-rule-exc-'));
    dirs.push(dir);
    const rules = [brokenRule, ...RULES];
    const h = await harness(dir, rules);

    h.ingest.processBatch([temperature(1, 40, 36.5, 'p-aaa111'), temperature(2, 30, 38.4, 'p-bbb222'), temperature(3, 20, 36.6, 'p-ccc333')]);
    // Journal first: the rules processor takes the journaled readings after the commit.
    expect(h.ingest.processors.drain()).toBe(3);

    // The journal has all three; nothing was dead-lettered; the second is flagged with the error's class only.
    expect(journalRows(h.db)).toEqual([
      { id: 1, device_id: 'therm-g1', seq: 1 },
      { id: 2, device_id: 'therm-g1', seq: 2 },
      { id: 3, device_id: 'therm-g1', seq: 3 },
    ]);
    expect(h.db.prepare('SELECT COUNT(*) FROM dead_letters').pluck().get()).toBe(0);
    expect(flags(h.db)).toEqual([{ reading_id: 2, code: 'RULE_EXCEPTION', error: 'TypeError', flagged_at: NOW }]);
    // No fever alarm: the reading was not evaluated (the fever rule comes after the broken one).
    expect(feverAlarms(h)).toEqual([]);
    // Memory agrees with the journal without the flagged reading: the facts count the two others only.
    h.ingest.runPeriodic();
    expect(feverFact(h)).toMatchObject({ status: 'pass', figures: { measured: 2, fevers: 0, implausible: 0 }, readingIds: [] });
    // A metric and one log line with ids only (no person ref, no message).
    expect((await h.metrics.ruleExceptions.get()).values).toEqual([{ value: 1, labels: { kind: 'temperature' } }]);
    const lines = h.logs.filter((l) => l.msg === 'a rule threw: reading kept in the journal and flagged for re-evaluation');
    expect(lines.map(({ readingId, communityId, deviceId, kind, code, error }) => ({ readingId, communityId, deviceId, kind, code, error }))).toEqual([
      { readingId: 2, communityId: C, deviceId: 'therm-g1', kind: 'temperature', code: 'RULE_EXCEPTION', error: 'TypeError' },
    ]);
    expect(JSON.stringify(h.logs)).not.toContain('p-bbb222');

    // Still broken: a re-evaluation keeps it flagged and changes nothing.
    expect(h.ingest.reevaluateFlagged()).toEqual({ reevaluated: 0, stillFailing: 1 });
    expect(flags(h.db)).toEqual([{ reading_id: 2, code: 'RULE_EXCEPTION', error: 'TypeError', flagged_at: NOW }]);
    expect(feverAlarms(h)).toEqual([]);

    // The fix: the broken rule leaves the registry; the flagged reading is evaluated, its alarm raised, its day recomputed.
    rules.splice(rules.indexOf(brokenRule), 1);
    expect(h.ingest.reevaluateFlagged()).toEqual({ reevaluated: 1, stillFailing: 0 });
    expect(flags(h.db)).toEqual([]);
    expect(feverAlarms(h)).toEqual([{ subject: 'person:p-bbb222', status: 'open', readingIds: [2] }]);
    expect(feverFact(h)).toMatchObject({ status: 'pass', figures: { measured: 3, fevers: 1, implausible: 0 }, readingIds: [2] });
    expect(journalRows(h.db)).toHaveLength(3);
    // The facts record the layout they were computed with.
    const layout = layoutFromRegistry(h.repos.registry, C)!;
    expect(h.repos.facts.layoutVersionOf(C, DAY)).toBe(layoutVersionOf(layout));
    h.ingest.stop();
    h.db.close();
  });

  it('is re-evaluated when the service starts again with the fix', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-rule-exc-start-'));
    dirs.push(dir);
    const h = await harness(dir, [brokenRule, ...RULES]);
    h.ingest.processBatch([temperature(1, 30, 38.9, 'p-ddd444')]);
    expect(h.ingest.processors.drain()).toBe(1);
    expect(flags(h.db)).toEqual([{ reading_id: 1, code: 'RULE_EXCEPTION', error: 'TypeError', flagged_at: NOW }]);
    expect(feverAlarms(h)).toEqual([]);
    h.ingest.stop();
    h.db.close();

    // The real service on the same data directory, with the real registry of rules (the fix deployed).
    const svc = await startTestService({ GW_LOG_LEVEL: 'silent' }, dir);
    try {
      const { db } = svc.runtime;
      expect(flags(db)).toEqual([]);
      const alarms = (await svc.api('GET', '/api/v1/alarms?rule=fever')).json.items;
      expect(alarms.map((a: { subject: string; status: string; readingIds: number[] }) => [a.subject, a.status, a.readingIds])).toEqual([['person:p-ddd444', 'open', [1]]]);
      const facts = (await svc.api('GET', `/api/v1/communities/${C}/facts?from=${DAY}&rule=fever`)).json.items;
      expect(facts).toMatchObject([{ place: 'g1', status: 'pass', figures: { measured: 1, fevers: 1, implausible: 0 }, readingIds: [1] }]);
      // The admin's action (also `npm run admin -- reevaluate`): nothing is left flagged, and it is audited.
      const again = await svc.api('POST', '/api/v1/readings/reevaluate');
      expect([again.status, again.json]).toEqual([200, { reevaluated: 0, stillFailing: 0 }]);
      const audited = db.prepare("SELECT actor, after FROM audit_log WHERE action = 'readings.reevaluate'").all();
      expect(audited).toEqual([{ actor: 'admin:test-admin', after: JSON.stringify({ request: {}, reevaluated: 0, stillFailing: 0 }) }]);
    } finally {
      await svc.stop();
    }
  });

  it("in one community's tick costs that community's time-driven alarms of that tick only", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-rule-exc-tick-'));
    dirs.push(dir);
    const tickBroken: RuleModule = {
      id: 'device-health',
      facts: () => [],
      onTick: (ctx) => {
        if (ctx.communityId === OTHER_COMMUNITY) throw new RangeError('tick');
        return [];
      },
    };
    const rules = [...RULES, tickBroken];
    let clock = NOW;
    const h = await harness(dir, rules, () => clock);
    const offline = (c: string) => h.repos.alarms.list({ communityId: c, rule: 'device-health', limit: 50 }).map((a) => a.subject).sort();
    h.ingest.runPeriodic(); // every device is watched from now
    clock += 20 * 60_000; // silent for 20 minutes: device-offline alarms
    h.ingest.runPeriodic();
    expect(offline(C)).toEqual(['device:door-club', 'device:panel-g1', 'device:speaker-1', 'device:sprayer-1', 'device:therm-g1', 'device:therm-off', 'device:vent-b2']);
    expect(offline(OTHER_COMMUNITY)).toEqual([]);
    expect((await h.metrics.ruleExceptions.get()).values).toEqual([{ value: 2, labels: { kind: 'tick' } }]);
    expect(h.logs.filter((l) => l.code === 'RULE_EXCEPTION').map((l) => [l.communityId, l.error])).toEqual([[OTHER_COMMUNITY, 'RangeError'], [OTHER_COMMUNITY, 'RangeError']]);

    // The fix: the next tick raises the other community's alarm; the first's are not raised twice.
    rules.splice(rules.indexOf(tickBroken), 1);
    clock += 5_000;
    h.ingest.runPeriodic();
    expect(offline(OTHER_COMMUNITY)).toEqual(['device:therm-b1']);
    expect(h.repos.alarms.list({ communityId: C, rule: 'device-health', limit: 50 }).map((a) => a.occurrences)).toEqual([1, 1, 1, 1, 1, 1, 1]);
    h.ingest.stop();
    h.db.close();
  });

  it('a processor step that throws (an in-commit participant fails) commits nothing, is retried from its checkpoint, and loses nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-rule-exc-after-'));
    dirs.push(dir);
    let webhookDown = true;
    let webhookCalls = 0;
    // An in-commit participant (as the alarm webhook is) that fails: the processor's whole step rolls back.
    const webhook: CommitParticipant = {
      name: 'test-webhook',
      'alarm.changed': () => {
        webhookCalls++;
        if (webhookDown) throw new Error('outbox full');
      },
    };
    const h = await harness(dir, RULES, () => NOW, [webhook]);
    const checkpoint = () => h.db.prepare("SELECT position FROM processor_checkpoints WHERE name = 'rules'").pluck().get();
    h.ingest.processBatch([temperature(1, 30, 38.2, 'p-eee555'), temperature(2, 20, 36.4, 'p-fff666')]);
    // Journal first: both readings are journaled (and would be acknowledged); nothing is dead-lettered.
    expect(journalRows(h.db)).toEqual([{ id: 1, device_id: 'therm-g1', seq: 1 }, { id: 2, device_id: 'therm-g1', seq: 2 }]);
    expect(h.db.prepare('SELECT COUNT(*) FROM dead_letters').pluck().get()).toBe(0);
    // The runner's step fails: nothing of it committed, the checkpoint stays, the rules forgot what the step took.
    await new Promise((r) => setTimeout(r, 50));
    expect(await h.metrics.registry.getSingleMetricAsString('gatewatch_processor_failures_total')).toContain('gatewatch_processor_failures_total{processor="rules"} 1');
    expect(checkpoint()).toBe(0);
    expect(feverAlarms(h)).toEqual([]);
    expect(h.logs.filter((l) => l.msg === 'processor step failed: nothing of it committed; retrying from its checkpoint').map((l) => [l.processor, l.retryInMs])).toEqual([['rules', 100]]);
    expect(() => h.ingest.processors.drain()).toThrow('outbox full');
    expect(checkpoint()).toBe(0);

    // The cause is gone: the runner's retry takes both readings, exactly once each.
    webhookDown = false;
    const callsBefore = webhookCalls;
    await h.ingest.processors.idle();
    expect(checkpoint()).toBe(2);
    expect(webhookCalls - callsBefore).toBe(1);
    expect(feverAlarms(h)).toEqual([{ subject: 'person:p-eee555', status: 'open', readingIds: [1] }]);
    h.ingest.runPeriodic();
    expect(feverFact(h)).toMatchObject({ figures: { measured: 2, fevers: 1 }, readingIds: [1] });
    expect(h.db.prepare('SELECT COUNT(*) FROM dead_letters').pluck().get()).toBe(0);
    h.ingest.stop();
    h.db.close();
  });
});
