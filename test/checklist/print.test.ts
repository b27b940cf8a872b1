/**
 * The signed form on paper and on a phone, in real headless Chromium (Debian's /usr/bin/chromium,
 * playwright-core): printed to PDF on A4 it takes at most two pages, the total once, and the
 * signature lines carry the inspector's name and the company's (read back with Debian's
 * poppler-utils, pdfinfo and pdftotext); at 390 px the checklist fits the screen and can be filled.
 * If Chromium cannot start, this test fails: it never skips.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type Page } from 'playwright-core';
import { launchChromium } from '../support/chromium.js';
import { startTestService, TEST_COMMUNITY, type TestService } from '../support/service.js';
import { ASSISTED_ITEMS, DAY, goodDay, insertFacts, MANUAL_ITEMS } from './fixtures.js';
import { createAccount, PASSWORD } from '../access/support.js';

const ARTIFACTS = 'test-artifacts';
const PDF = `${ARTIFACTS}/inspection-signed.pdf`;
let svc: TestService;
let browser: Browser;
let inspectionId: number;

beforeAll(async () => {
  svc = await startTestService();
  insertFacts(svc.runtime.db, DAY, goodDay(DAY), Date.now());
  await createAccount(svc.runtime.db, 'wang-jc', 'inspector', null, '王检查');
  mkdirSync(ARTIFACTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await svc?.stop();
});

async function signIn(viewport: { width: number; height: number }): Promise<Page> {
  const page = await browser.newPage({ viewport, locale: 'zh-CN' });
  await page.goto(`http://127.0.0.1:${svc.runtime.httpPort}/`);
  await page.fill('#username', 'wang-jc');
  await page.fill('#password', PASSWORD);
  await page.click('#signin');
  await page.waitForSelector(`tr[data-community="${TEST_COMMUNITY}"]`);
  return page;
}

/** The page's own API calls (session cookie and CSRF header), as its buttons make them. */
const call = (page: Page, method: string, path: string, body?: unknown): Promise<any> =>
  page.evaluate(async ([m, p, b]) => {
    const headers: Record<string, string> = { 'x-gatewatch-csrf': '1', ...(b === undefined ? {} : { 'content-type': 'application/json' }) };
    const res = await fetch(p as string, { method: m as string, headers, body: b === undefined ? undefined : JSON.stringify(b) });
    return res.json();
  }, [method, path, body] as const);

const pdfText = (path: string) => execFileSync('pdftotext', ['-layout', path, '-'], { encoding: 'utf8' });
const pdfPages = (path: string) => Number(/^Pages:\s+(\d+)$/m.exec(execFileSync('pdfinfo', [path], { encoding: 'utf8' }))![1]);

describe('the signed form on paper and on a phone', () => {
  it('starts real headless Chromium', async () => {
    browser = await launchChromium();
    expect(browser.version()).toMatch(/^\d+\./);
  });

  it('prints on at most two A4 pages, the total once, signature lines with the names', async () => {
    const page = await signIn({ width: 1280, height: 900 });
    const draft = await call(page, 'POST', '/api/v1/inspections', { communityId: TEST_COMMUNITY, date: DAY });
    inspectionId = draft.id;
    // Every manual item at its full points, the assisted proposals confirmed: a real day's form.
    const checklist = await call(page, 'GET', '/api/v1/checklist');
    const full = (id: string) => Math.max(...checklist.items.find((i: { id: string }) => i.id === id).allowedScores);
    const manualScores = Object.fromEntries([...MANUAL_ITEMS, ...ASSISTED_ITEMS].map((id) => [id, full(id)]));
    const filled = await call(page, 'PUT', `/api/v1/inspections/${inspectionId}`, {
      manualScores, overrides: { '4.3': { score: 5, reason: '纸质消毒台账显示当日垃圾容器消毒两次，设备漏报一次' } },
    });
    expect(filled).toMatchObject({ complete: true });
    const signed = await call(page, 'POST', `/api/v1/inspections/${inspectionId}/sign`);
    expect(signed).toMatchObject({ status: 'signed', inspectorName: '王检查', signedByName: '王检查' });

    await page.goto(`http://127.0.0.1:${svc.runtime.httpPort}/#/i/${inspectionId}`);
    await page.waitForSelector('#signed');
    expect(await page.locator('#signed').textContent()).toContain('签署人：王检查');
    await page.emulateMedia({ media: 'print' });
    await page.pdf({ path: PDF, format: 'A4', printBackground: true });
    await page.screenshot({ path: `${ARTIFACTS}/inspection-print.png`, fullPage: true });

    const pages = pdfPages(PDF);
    const text = pdfText(PDF);
    console.log(`signed form: ${pages} A4 page(s)`);
    expect(pages).toBeLessThanOrEqual(2);
    expect(text.match(/合计/g)).toHaveLength(1);
    expect(text).toContain('疫情防控检查考核管理评分表');
    expect(text).toContain('阳光花园');
    expect(text).toMatch(/检查人（签字）：\s*王检查/);
    expect(text).toMatch(/物业公司负责人（签字）：\s*安居物业/);
    expect(text).not.toContain('inspector:');
    expect(text).not.toContain('wang-jc');
    await page.close();
  });

  it('lays the criterion out wide enough to read on paper', async () => {
    const page = await signIn({ width: 1280, height: 900 });
    await page.goto(`http://127.0.0.1:${svc.runtime.httpPort}/#/i/${inspectionId}`);
    await page.waitForSelector('#signed');
    // A4 less the 12 mm margins, at 96 dpi: 186 mm = 703 px; the criterion gets at least half of it.
    await page.setViewportSize({ width: 703, height: 1000 });
    await page.emulateMedia({ media: 'print' });
    const [criterion, table] = (await page.evaluate("['th.colCriterion', 'table.checklist'].map((s) => document.querySelector(s).getBoundingClientRect().width)")) as number[];
    expect(criterion! / table!).toBeGreaterThanOrEqual(0.5);
    await page.close();
  });

  it('fits a 390 px phone: no sideways scrolling, the scores readable and choosable', async () => {
    const page = await signIn({ width: 390, height: 844 });
    const draft = await call(page, 'POST', '/api/v1/inspections', { communityId: TEST_COMMUNITY, date: DAY });
    await page.goto(`http://127.0.0.1:${svc.runtime.httpPort}/#/i/${draft.id}`);
    await page.waitForSelector('select[data-manual="1.1"]');
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    // Each item reads as a block: its criterion at least 300 px wide, its score control on screen.
    const criterionWidth = await page.locator('tr[data-item="1.1"] .criterion-text').evaluate((el) => el.getBoundingClientRect().width);
    expect(criterionWidth).toBeGreaterThanOrEqual(300);
    const select = page.locator('select[data-manual="1.1"]');
    const box = (await select.boundingBox())!;
    expect(box.x + box.width).toBeLessThanOrEqual(390);
    await select.selectOption('3');
    await expect.poll(() => page.locator('tr[data-item="1.1"] .final').textContent()).toBe('3');
    await page.screenshot({ path: `${ARTIFACTS}/inspection-phone.png`, fullPage: true });
    await page.screenshot({ path: `${ARTIFACTS}/inspection-phone-screen.png` });
    await page.close();
  });
});
