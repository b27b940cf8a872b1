/**
 * Hostile input at the HTTP edge and in dead letters, over real HTTP and TCP:
 * - a malformed session cookie (`gw_session=%E0%A4%A`) is an unauthenticated
 *   request: 401, and no error or stack trace in the log (it was a 500 from
 *   decodeURIComponent, to anyone);
 * - a dead letter's topic and reason are cut to 256 and 1024 characters
 *   (schemas/src/redact.ts): a 60 KB topic made a ~120 KB row and log line.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_DEAD_LETTER_REASON_CHARS, MAX_DEAD_LETTER_TOPIC_CHARS } from '../../schemas/src/redact.js';
import { createLogger } from '../../services/observability/logger.js';
import { startTestService, type TestService } from '../support/service.js';

let svc: TestService;
const logLines: string[] = [];
beforeAll(async () => {
  const sink = new Writable({ write(chunk, _enc, done) { logLines.push(String(chunk)); done(); } });
  svc = await startTestService({}, undefined, createLogger('info', sink));
});
afterAll(async () => svc?.stop());

const url = (path: string) => `http://127.0.0.1:${svc.runtime.httpPort}${path}`;

describe('a malformed session cookie', () => {
  it.each(['gw_session=%E0%A4%A', 'gw_session=%', 'gw_session=%ZZ; other=1', 'gw_session="%E0%A4%A"', '__Host-gw_session=%E0%A4%A'])('%s is answered 401 without an error in the log', async (cookie) => {
    const before = logLines.length;
    for (const path of ['/api/v1/alarms', '/api/v1/dead-letters']) {
      const res = await fetch(url(path), { headers: { cookie } });
      expect({ path, status: res.status }).toEqual({ path, status: 401 });
      expect(await res.text()).not.toMatch(/URIError|stack/i);
    }
    const logged = logLines.slice(before).join('');
    expect(logged).not.toMatch(/URIError|"stack"|"level":50/);
  });
});

describe('dead-letter topic and reason bounds', () => {
  it('cuts a 60 KB topic and its reason to the documented bounds, in the row, the API and the log', async () => {
    const device = await svc.connect('therm-g1');
    const kind = 'k'.repeat(60_000);
    await device.publishAsync(`gatewatch/v1/hc-001/therm-g1/${kind}`, '{}', { qos: 1 });
    const row = svc.runtime.db.prepare('SELECT topic, reason, code FROM dead_letters ORDER BY id DESC LIMIT 1').get() as { topic: string; reason: string; code: string };
    expect(row.code).toBe('TOPIC_INVALID');
    expect([row.topic.length, row.reason.length]).toEqual([MAX_DEAD_LETTER_TOPIC_CHARS, MAX_DEAD_LETTER_REASON_CHARS]);
    expect(row.topic.startsWith('gatewatch/v1/hc-001/therm-g1/kkk')).toBe(true);
    expect(row.topic.endsWith(`… (${29 + 60_000} chars)`)).toBe(true);
    const res = await fetch(url('/api/v1/dead-letters?limit=1'), { headers: { authorization: `Bearer ${svc.tokens.admin}` } });
    const [item] = ((await res.json()) as { items: { topic: string; reason: string }[] }).items;
    expect([item!.topic, item!.reason]).toEqual([row.topic, row.reason]);
    const line = logLines.find((l) => l.includes('"dead-lettered"') && l.includes('TOPIC_INVALID'))!;
    expect(line.length).toBeLessThan(MAX_DEAD_LETTER_TOPIC_CHARS + MAX_DEAD_LETTER_REASON_CHARS + 400);
  });
});
