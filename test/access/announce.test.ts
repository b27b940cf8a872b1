/**
 * Announcements: signing an inspection queues its result for the group-chat
 * robot in the signing transaction; a receiver that is down for a while only
 * delays it, and it arrives once, as a WeCom markdown message in Chinese.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { eventually, startTestService, TEST_COMMUNITY, type TestService } from '../support/service.js';
import { DAY, goodDay, insertFacts } from '../checklist/fixtures.js';

let svc: TestService;
let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver();
  svc = await startTestService({ GW_ANNOUNCE_WEBHOOK_URL: receiver.url, GW_ANNOUNCE_WEBHOOK_FORMAT: 'wecom' });
  insertFacts(svc.runtime.db, DAY, goodDay(DAY), Date.now());
});
afterAll(async () => {
  await svc?.stop();
  await receiver?.close();
});

const outbox = () => svc.runtime.db.prepare("SELECT attempts, last_error FROM webhook_outbox WHERE channel = 'announcements'").all() as { attempts: number; last_error: string | null }[];

async function signFailing(): Promise<number> {
  const auth = { token: svc.tokens.inspector };
  const draft = (await svc.api('POST', '/api/v1/inspections', { ...auth, body: { communityId: TEST_COMMUNITY, date: DAY, inspectorName: '王检查' } })).json;
  const zero = { '1.1': 0, '1.2': 0, '1.3': 0, '2.2': 0, '5.1': 0, '5.2': 0, '6.2': 0, '7.1': 0, '8.1': 0, '8.2': 0, '1.4': 1, '2.1': 0, '3.3': 0, '4.2': 0, '7.3': 0 };
  expect((await svc.api('PUT', `/api/v1/inspections/${draft.id}`, { ...auth, body: { manualScores: zero } })).json.complete).toBe(true);
  const signed = await svc.api('POST', `/api/v1/inspections/${draft.id}/sign`, auth);
  expect(signed.json).toMatchObject({ status: 'signed', total: 29, passed: false, rectificationDeadline: '2021-02-18' });
  return draft.id;
}

describe('inspection announcements', () => {
  it('reach the group-chat robot after the receiver was down for a while, once', async () => {
    receiver.failing = true;
    const id = await signFailing();
    // Queued with the signature (nothing delivered yet), then retried while the receiver is down.
    await eventually(() => outbox()[0]!.attempts >= 2, 10_000, 50);
    expect(outbox()).toEqual([{ attempts: expect.any(Number), last_error: 'HTTP 503: down' }]);
    expect(receiver.received).toEqual([]);
    receiver.failing = false;
    const got = await eventually(() => receiver.received[0], 15_000, 50);
    expect(got.body).toEqual({
      msgtype: 'markdown',
      markdown: {
        content: [
          '### 【检查结果】阳光花园 29分 不合格',
          '> 小区：阳光花园',
          '> 物业公司：安居物业',
          `> 检查日期：${DAY}`,
          '> 总分：29 / 100',
          '> 结果：不合格',
          '> 整改期限：2021-02-18 前完成整改并申请复查',
          '> 检查人：王检查',
          `> 检查编号：${id}`,
        ].join('\n'),
      },
    });
    await eventually(() => outbox().length === 0, 5000);
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.received).toHaveLength(1);
  }, 40_000);

  it('is not queued when the signature fails', async () => {
    const before = receiver.received.length;
    const draft = (await svc.api('POST', '/api/v1/inspections', { token: svc.tokens.inspector, body: { communityId: TEST_COMMUNITY, date: DAY } })).json;
    expect((await svc.api('POST', `/api/v1/inspections/${draft.id}/sign`, { token: svc.tokens.inspector })).status).toBe(409);
    expect(outbox()).toEqual([]);
    expect(receiver.received).toHaveLength(before);
  });
});
