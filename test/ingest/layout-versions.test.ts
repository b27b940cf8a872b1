/**
 * The layout is an input with a version (issue 14 step 4): facts record the
 * layout version they were computed with, its snapshot is kept, and a closed
 * day recomputed later (a late reading) uses the layout recorded on its facts,
 * not today's registry; a backfill (an admin's act after fixing the registry)
 * recomputes its days with the current layout. Real SQLite, repositories and ingest.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../services/store/db.js';
import { createRepositories } from '../../services/store/repositories.js';
import { applyRegistry } from '../../services/store/registry-loader.js';
import { createIngest } from '../../services/ingest/ingest.js';
import { layoutFromRegistry } from '../../services/ingest/engine-rules.js';
import { layoutVersionOf } from '../../services/store/layout-versions-repo.js';
import { createMetrics } from '../../services/observability/metrics.js';
import { silentLogger } from '../../services/observability/logger.js';
import { EventBus, InCommit } from '../../services/events.js';
import { DEFAULT_RULES_CONFIG, type CommunityLayout } from '../../services/rules/index.js';
import { TEST_COMMUNITY, TEST_REGISTRY } from '../support/service.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const C = TEST_COMMUNITY;
const CLOSED = '2026-12-01';
const TODAY = '2026-12-02';
let now = Date.parse(`${TODAY}T10:00:00+08:00`);

const reading = (seq: number, ts: string) => ({
  topic: `gatewatch/v1/${C}/therm-g1/temperature`,
  payload: { seq, ts, gateId: 'g1', temperatureC: 36.5, subject: 'resident', personRef: `p-00${seq}` },
});
const received = (r: ReturnType<typeof reading>) => ({ receivedAt: now, clientId: 'therm-g1', topic: r.topic, payload: Buffer.from(JSON.stringify(r.payload)), qos: 1 });

describe('layout versions on the facts', () => {
  it('recomputes a closed day with its recorded layout, a backfilled one with the current', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-layout-'));
    dirs.push(dir);
    const db = openDatabase(join(dir, 'gatewatch.sqlite'));
    const repos = createRepositories(db);
    await applyRegistry(TEST_REGISTRY, db, repos.registry, now);
    const logger = silentLogger();
    const ingest = createIngest({
      db, ...repos, rulesConfig: DEFAULT_RULES_CONFIG, metrics: createMetrics(false), logger, bus: new EventBus(logger), inCommit: new InCommit(() => db.inTransaction),
      maxPayloadBytes: 4096, factsRefreshMs: 60_000, retentionDays: 400, now: () => now,
    });
    const feverPlaces = (day: string) => repos.facts.range(C, day, day).filter((f) => f.rule === 'fever').map((f) => `${f.place} ${f.status} ${f.figures.measured}`);

    // The evening before: one reading at g1; the day's facts record layout v1 (one gate).
    const v1Layout = layoutFromRegistry(repos.registry, C)!;
    const v1 = layoutVersionOf(v1Layout);
    expect(v1Layout.version).toBe(v1);
    expect(v1).toMatch(/^[0-9a-f]{16}$/);
    ingest.processBatch([received(reading(1, `${CLOSED}T22:00:00+08:00`))]);
    ingest.runPeriodic();
    expect(feverPlaces(CLOSED)).toEqual(['g1 pass 1']);
    expect(repos.facts.layoutVersionOf(C, CLOSED)).toBe(v1);

    // The registry gains a gate today: a new version, with today's facts.
    repos.registry.upsertGate({ communityId: C, id: 'g2', name: '北门' });
    now += 60_000;
    ingest.runPeriodic();
    const v2 = layoutVersionOf(layoutFromRegistry(repos.registry, C)!);
    expect(v2).not.toBe(v1);
    expect(feverPlaces(TODAY)).toEqual(['g1 no_data 0', 'g2 no_data 0']);
    expect(repos.facts.layoutVersionOf(C, TODAY)).toBe(v2);

    // A late reading of the closed day: recomputed with the layout its facts recorded (no g2).
    ingest.processBatch([received(reading(2, `${CLOSED}T23:00:00+08:00`))]);
    ingest.runPeriodic();
    expect(feverPlaces(CLOSED)).toEqual(['g1 pass 2']);
    expect(repos.facts.layoutVersionOf(C, CLOSED)).toBe(v1);
    // Both snapshots are kept, by version.
    expect(repos.layoutVersions.get(C, v1)).toEqual(v1Layout);
    expect(repos.layoutVersions.get<CommunityLayout>(C, v2)?.gates).toEqual([{ id: 'g1' }, { id: 'g2' }]);

    // A backfill of that day (after the registry was fixed) takes the current layout, and records it.
    const line = JSON.stringify(reading(3, `${CLOSED}T23:30:00+08:00`));
    const report = await ingest.backfill.importLines(line, 'test-admin', 'recorder');
    expect(report).toMatchObject({ accepted: 1, rejected: 0, days: [{ communityId: C, day: CLOSED }] });
    expect(feverPlaces(CLOSED)).toEqual(['g1 pass 3', 'g2 no_data 0']);
    expect(repos.facts.layoutVersionOf(C, CLOSED)).toBe(v2);
    ingest.stop();
    db.close();
  });
});
