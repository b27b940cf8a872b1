/** Who may do what: no anonymous access (401), a role that may not act gets 403. Tenancy: test/access/. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import SwaggerParser from '@apidevtools/swagger-parser';
import { startTestService, TEST_COMMUNITY, type TestService } from '../support/service.js';
import { DAY, goodDay, insertFacts } from './fixtures.js';
import { createAlarmsRepo } from '../../services/store/alarms-repo.js';

let svc: TestService;
let draftId: number;
beforeAll(async () => {
  svc = await startTestService();
  insertFacts(svc.runtime.db, DAY, goodDay(DAY), Date.now());
  const created = await svc.api('POST', '/api/v1/inspections', { token: svc.tokens.inspector, body: { communityId: TEST_COMMUNITY, date: DAY } });
  expect(created.status).toBe(201);
  draftId = created.json.id;
});
afterAll(async () => svc?.stop());

const READS = () => [
  '/api/v1/checklist',
  `/api/v1/communities/${TEST_COMMUNITY}/scores?from=${DAY}`,
  '/api/v1/overview',
  '/api/v1/inspections',
  `/api/v1/inspections/${draftId}`,
  `/api/v1/inspections/${draftId}/export.csv`,
  '/api/v1/readings?ids=1',
  '/api/v1/me',
];
const WRITES = (): [method: 'POST' | 'PUT', url: string, body: unknown][] => [
  ['POST', '/api/v1/inspections', { communityId: TEST_COMMUNITY, date: DAY }],
  ['PUT', `/api/v1/inspections/${draftId}`, { manualScores: { '1.1': 3 } }],
  ['POST', `/api/v1/inspections/${draftId}/sign`, undefined],
  ['POST', `/api/v1/inspections/${draftId}/reinspection`, {}],
];

describe('checklist API access', () => {
  it('answers 401 to anonymous callers and unknown tokens on every route', async () => {
    for (const url of READS()) {
      expect((await svc.api('GET', url, { token: null })).status, url).toBe(401);
      expect((await svc.api('GET', url, { token: 'gw_nope' })).status, url).toBe(401);
    }
    for (const [method, url, body] of WRITES()) {
      const res = await svc.api(method, url, { token: null, body });
      expect(res, `${method} ${url}`).toEqual({ status: 401, json: { statusCode: 401, code: 'UNAUTHENTICATED', message: 'sign in, or send an API token: Authorization: Bearer <token>' } });
    }
  });

  it('lets every role read', async () => {
    for (const role of ['admin', 'operator', 'inspector'] as const) {
      for (const url of READS()) {
        const res = await svc.runtime.http.inject({ method: 'GET', url, headers: { authorization: `Bearer ${svc.tokens[role]}` } });
        expect(res.statusCode, `${role} ${url}`).toBe(200);
      }
    }
    expect((await svc.api('GET', '/api/v1/me', { token: svc.tokens.operator })).json).toEqual({ name: 'test-operator', displayName: 'test-operator', role: 'operator', company: '安居物业', via: 'token' });
    expect((await svc.api('GET', '/api/v1/me', { token: svc.tokens.inspector })).json).toEqual({ name: 'test-inspector', displayName: 'test-inspector', role: 'inspector', company: null, via: 'token' });
  });

  it('forbids operators to create, fill, sign or re-inspect (403), and changes nothing', async () => {
    for (const [method, url, body] of WRITES()) {
      const res = await svc.api(method, url, { token: svc.tokens.operator, body });
      expect(res, `${method} ${url}`).toEqual({ status: 403, json: { statusCode: 403, code: 'FORBIDDEN', message: 'role operator may not do this' } });
    }
    const draft = (await svc.api('GET', `/api/v1/inspections/${draftId}`)).json;
    expect(draft.status).toBe('draft');
    expect(draft.manualScores).toEqual({});
    expect((await svc.api('GET', '/api/v1/inspections')).json.items).toHaveLength(1);
  });

  it('forbids inspectors what is not theirs: acknowledging alarms, dead letters', async () => {
    const { alarm } = createAlarmsRepo(svc.runtime.db).raise(
      { communityId: TEST_COMMUNITY, rule: 'fever', subject: 'person:p-role', severity: 'critical', title: 'fever', details: {}, eventTime: Date.now(), readingIds: [] }, Date.now(),
    );
    expect((await svc.api('POST', `/api/v1/alarms/${alarm.id}/acknowledge`, { token: svc.tokens.inspector, body: {} })).status).toBe(403);
    expect((await svc.api('POST', `/api/v1/alarms/${alarm.id}/resolve`, { token: svc.tokens.inspector, body: {} })).status).toBe(403);
    expect((await svc.api('GET', `/api/v1/alarms/${alarm.id}`)).json.status).toBe('open');
    expect((await svc.api('GET', '/api/v1/dead-letters', { token: svc.tokens.inspector })).status).toBe(403);
  });

  it('lets inspectors and admins fill a draft', async () => {
    expect((await svc.api('PUT', `/api/v1/inspections/${draftId}`, { token: svc.tokens.inspector, body: { manualScores: { '1.1': 3 } } })).status).toBe(200);
    const admin = await svc.api('PUT', `/api/v1/inspections/${draftId}`, { token: svc.tokens.admin, body: { manualScores: { '1.2': 2 } } });
    expect(admin.status).toBe(200);
    expect(admin.json.manualScores).toEqual({ '1.1': 3, '1.2': 2 });
  });

  it('serves the page and its files without a token, and nothing outside the web folder', async () => {
    const page = await svc.runtime.http.inject({ method: 'GET', url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.body).toContain('<html lang="zh-CN">');
    expect((await svc.runtime.http.inject({ method: 'GET', url: '/static/app.js' })).headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await svc.runtime.http.inject({ method: 'GET', url: '/static/../api/app.ts' })).statusCode).toBe(404);
    expect((await svc.runtime.http.inject({ method: 'GET', url: '/static/%2e%2e/api/app.ts' })).statusCode).toBe(404);
  });

  it('keeps the OpenAPI document valid with the checklist routes in it', async () => {
    const doc = (await svc.api('GET', '/openapi.json', { token: null })).json;
    await expect(SwaggerParser.validate(structuredClone(doc))).resolves.toBeTruthy();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/checklist', '/api/v1/communities/{id}/scores', '/api/v1/overview', '/api/v1/readings', '/api/v1/inspections',
        '/api/v1/inspections/{id}', '/api/v1/inspections/{id}/sign', '/api/v1/inspections/{id}/reinspection', '/api/v1/inspections/{id}/export.csv',
      ]),
    );
    expect(Object.keys(doc.paths)).not.toContain('/');
    expect(doc.paths['/api/v1/inspections/{id}'].put.requestBody.content['application/json'].schema.properties).toHaveProperty('overrides');
  });
});
