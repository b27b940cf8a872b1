/**
 * Every operation of the served OpenAPI document has an operationId, set
 * where its route is declared (services/api/routes/), unique and stable:
 * client generators name their functions after it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../support/service.js';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService();
});
afterAll(async () => svc?.stop());

describe('OpenAPI operationId', () => {
  it('every operation has one, and no two share it', async () => {
    const res = await svc.runtime.http.inject({ method: 'GET', url: '/openapi.json' });
    const doc = res.json() as { paths: Record<string, Record<string, { operationId?: string }>> };
    const ops = Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ op: `${method} ${path}`, id: op.operationId })));
    expect(ops.length).toBe(38);
    expect(ops.filter((o) => !o.id).map((o) => o.op)).toEqual([]);
    const ids = ops.map((o) => o.id);
    expect(new Set(ids).size).toBe(ids.length);
    // Stable: named from the method and path, so a few are fixed here.
    const byOp = Object.fromEntries(ops.map((o) => [o.op, o.id]));
    expect(byOp['get /api/v1/alarms']).toBe('getAlarms');
    expect(byOp['post /api/v1/alarms/{id}/acknowledge']).toBe('postAlarmsByIdAcknowledge');
    expect(byOp['get /api/v1/inspections/{id}/export.csv']).toBe('getInspectionsByIdExportCsv');
    expect(byOp['post /api/v1/session']).toBe('postSession');
    expect(byOp['post /api/v1/dead-letters/readmit']).toBe('postDeadLettersReadmit');
    expect(byOp['post /api/v1/readings/reevaluate']).toBe('postReadingsReevaluate');
  });
});
