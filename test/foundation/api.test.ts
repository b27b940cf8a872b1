import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import SwaggerParser from '@apidevtools/swagger-parser';
import { startTestService, TEST_COMMUNITY, type TestService } from '../support/service.js';
import { createAlarmsRepo } from '../../services/store/alarms-repo.js';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService();
});
afterAll(async () => svc?.stop());

describe('HTTP API basics', () => {
  it('serves health and readiness without a token', async () => {
    expect(await svc.api('GET', '/healthz', { token: null })).toEqual({ status: 200, json: { status: 'ok' } });
    expect(await svc.api('GET', '/readyz', { token: null })).toEqual({ status: 200, json: { status: 'ready', checks: { database: true, mqtt: true, storage: true } } });
  });

  it('exposes Prometheus metrics', async () => {
    const res = await svc.runtime.http.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.body).toContain('# TYPE gatewatch_messages_in_total counter');
    expect(res.body).toContain('# TYPE gatewatch_ingest_latency_seconds histogram');
  });

  it('answers 401 to anonymous and unknown tokens, 403 to a role that may not act', async () => {
    expect((await svc.api('GET', '/api/v1/alarms', { token: null })).status).toBe(401);
    expect((await svc.api('GET', '/api/v1/alarms', { token: 'gw_not-a-token' })).json).toEqual({ statusCode: 401, code: 'UNAUTHENTICATED', message: 'unknown or revoked API token' });
    expect((await svc.api('GET', '/api/v1/alarms', { token: svc.tokens.inspector })).status).toBe(200);
    // An existing alarm: an unknown one is 404 whoever asks (tenancy is checked before the role).
    const { alarm } = createAlarmsRepo(svc.runtime.db).raise(
      { communityId: TEST_COMMUNITY, rule: 'fever', subject: 'person:p-role', severity: 'critical', title: 'fever', details: {}, eventTime: Date.now(), readingIds: [] }, Date.now(),
    );
    const forbidden = await svc.api('POST', `/api/v1/alarms/${alarm.id}/acknowledge`, { token: svc.tokens.inspector, body: {} });
    expect(forbidden).toEqual({ status: 403, json: { statusCode: 403, code: 'FORBIDDEN', message: 'role inspector may not do this' } });
    expect((await svc.api('GET', '/api/v1/dead-letters', { token: svc.tokens.inspector })).status).toBe(403);
  });

  it('answers a bad body or query with a field-level 400', async () => {
    const res = await svc.api('POST', '/api/v1/alarms/1/acknowledge', { token: svc.tokens.operator, body: { note: 42 } });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ code: 'VALIDATION_FAILED', fields: [{ path: 'body.note' }] });
    const query = await svc.api('GET', '/api/v1/alarms?limit=0&status=closed');
    expect(query.status).toBe(400);
    expect(query.json.fields.map((f: { path: string }) => f.path).sort()).toEqual(['querystring.limit', 'querystring.status']);
  });

  it('answers 404 with a coded body for unknown alarms and routes', async () => {
    expect((await svc.api('GET', '/api/v1/alarms/999')).json).toEqual({ statusCode: 404, code: 'NOT_FOUND', message: 'alarm not found' });
    expect((await svc.api('GET', '/api/v1/nothing')).status).toBe(404);
  });

  it('serves a valid OpenAPI 3.1 document that lists the routes', async () => {
    const doc = (await svc.api('GET', '/openapi.json', { token: null })).json;
    await expect(SwaggerParser.validate(structuredClone(doc))).resolves.toBeTruthy();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/alarms', '/api/v1/alarms/{id}', '/api/v1/alarms/{id}/acknowledge', '/api/v1/dead-letters']));
  });
});
