/**
 * The inspectors' page in real headless Chromium (Debian's /usr/bin/chromium,
 * driven by playwright-core): sign in with username and password, open a community, see auto-filled
 * scores and their evidence, fill the manual items, override with a reason,
 * sign; total and pass/fail are right; English works; a screenshot is saved.
 * If Chromium cannot start, this test fails: it never skips.
 */
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type Page } from 'playwright-core';
import { launchChromium } from '../support/chromium.js';
import { startTestService, TEST_COMMUNITY, type TestService } from '../support/service.js';
import { DAY, goodDay, insertFacts } from './fixtures.js';
import { createAccount, PASSWORD } from '../access/support.js';

const ARTIFACTS = 'test-artifacts';
let svc: TestService;
let browser: Browser;
let page: Page;
const problems: string[] = [];

beforeAll(async () => {
  svc = await startTestService();
  insertFacts(svc.runtime.db, DAY, goodDay(DAY), Date.now());
  await createAccount(svc.runtime.db, 'test-inspector', 'inspector', null, '王检查');
  mkdirSync(ARTIFACTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await svc?.stop();
});

const final = (itemId: string) => page.locator(`tr[data-item="${itemId}"] .final`);

/** Choose a score; the page saves it and re-renders, so wait for the new final score. */
async function choose(itemId: string, score: number) {
  await page.selectOption(`select[data-manual="${itemId}"]`, String(score));
  await expect.poll(() => final(itemId).textContent()).toBe(String(score));
}

describe('the inspectors page', () => {
  // A test, not a hook: if Chromium cannot start, this fails visibly (and everything after it fails too).
  it('starts real headless Chromium', async () => {
    browser = await launchChromium();
    expect(browser.version()).toMatch(/^\d+\./);
    page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
    page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
    });
  });

  it('signs in with username and password and shows the county overview', async () => {
    await page.goto(`http://127.0.0.1:${svc.runtime.httpPort}/`);
    await page.fill('#username', 'test-inspector');
    await page.fill('#password', 'not the password');
    await page.click('#signin');
    await page.waitForSelector('text=用户名或密码错误');
    problems.length = 0; // the browser logs the expected 401s (no session yet, the wrong password)
    await page.fill('#username', 'test-inspector');
    await page.fill('#password', PASSWORD);
    await page.click('#signin');
    const row = page.locator(`tr[data-community="${TEST_COMMUNITY}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain('阳光花园');
    expect(await row.textContent()).toContain('安居物业');
    expect(await page.locator('#who').textContent()).toBe('王检查 · 检查员');
    // The session cookie is HttpOnly: the page's scripts cannot read it, and nothing is kept in storage.
    expect(await page.evaluate('[document.cookie, sessionStorage.length]')).toEqual(['', 0]);
    const [cookie] = await page.context().cookies();
    expect(cookie).toMatchObject({ name: 'gw_session', httpOnly: true, sameSite: 'Strict', path: '/' });
  });

  it('opens a community and shows the auto-filled scores of a day, with their evidence', async () => {
    await page.click(`tr[data-community="${TEST_COMMUNITY}"] a`);
    await page.waitForSelector('#date');
    await page.fill('#date', DAY);
    await page.locator('#date').dispatchEvent('change');
    await expect.poll(() => page.locator('#form-date').textContent()).toBe('2021 年 2 月 3 日');
    expect(await final('3.1').textContent()).toBe('8');
    expect(await final('4.3').textContent()).toBe('4');
    expect(await final('1.1').textContent()).toBe('—');
    expect(await page.locator('tr[data-item="3.1"] .badge').textContent()).toBe('自动');
    expect(await page.locator('tr[data-item="1.4"] .badge').textContent()).toBe('辅助');
    expect(await page.locator('tr[data-item="5.2"] .badge').textContent()).toBe('人工');

    await page.click('[data-evidence-toggle="4.3"]');
    const evidence = page.locator('[data-evidence="4.3"]');
    await evidence.waitFor();
    const text = await evidence.textContent();
    expect(text).toContain('垃圾容器消毒有 1 个日期/位置不达标，每个扣 1 分');
    expect(text).toContain('规则：垃圾容器消毒 · ');
    expect(text).toContain(`${DAY}bins-1垃圾容器消毒不达标有效次数 1，无效次数 0，要求次数 2`);
    expect(text).toMatch(/读数编号：\d+/);

    // A registered place by its name, the id as its tooltip: gate g1 is 南门 in the registry.
    await page.click('[data-evidence-toggle="3.1"]');
    const gate = page.locator('[data-evidence="3.1"] td.place[data-place="g1"]');
    await gate.first().waitFor();
    expect(await gate.allTextContents()).toEqual(['南门', '南门']);
    expect(await gate.evaluateAll((cells) => cells.map((c) => c.getAttribute('title')))).toEqual(['g1', 'g1']);
  });

  it('starts an inspection, takes manual scores, confirmations and an override, and signs', async () => {
    await page.click('#start');
    await page.waitForSelector('select[data-manual="1.1"]');
    expect(await page.locator('#total').textContent()).toBe('56');
    expect(await page.locator('#verdict').textContent()).toBe('未完成');
    expect(await page.locator('#sign').isDisabled()).toBe(true);
    // The evidence stays one click away on the draft too.
    expect(await page.locator('[data-evidence="4.3"]').count()).toBe(1);

    const manual: [string, number][] = [['1.1', 3], ['1.2', 2], ['1.3', 2], ['2.2', 0], ['5.1', 5], ['5.2', 10], ['6.2', 3], ['7.1', 6], ['8.1', 4], ['8.2', 5]];
    for (const [itemId, score] of manual) await choose(itemId, score);
    await choose('1.4', 2);
    for (const itemId of ['2.1', '3.3', '4.2', '7.3']) {
      await page.click(`[data-accept="${itemId}"]`);
      await page.locator(`[data-accept="${itemId}"]`).waitFor({ state: 'detached' });
    }
    expect(await page.locator('#total').textContent()).toBe('95');
    expect(await page.locator('#verdict').textContent()).toBe('合格');

    await page.click('[data-override="4.3"]');
    await page.selectOption('select[data-override-score="4.3"]', '5');
    await page.click('[data-override-save="4.3"]');
    await page.waitForSelector('text=更正必须填写理由');
    await page.fill('input[data-override-reason="4.3"]', '纸质消毒台账显示两次');
    await page.click('[data-override-save="4.3"]');
    await expect.poll(() => final('4.3').textContent()).toBe('5');
    expect(await page.locator('tr[data-item="4.3"] .note').textContent()).toBe('自动得分 4，已更正；更正理由：纸质消毒台账显示两次');
    expect(await page.locator('#total').textContent()).toBe('96');
    await page.screenshot({ path: `${ARTIFACTS}/checklist-draft.png`, fullPage: true });

    await page.click('#sign');
    await page.click('#confirm-sign');
    await page.waitForSelector('#signed');
    expect(await page.locator('#signed').textContent()).toContain('已签署 · 签署人：王检查');
    expect(await page.locator('#total').textContent()).toBe('96');
    expect(await page.locator('#verdict').textContent()).toBe('合格');
    expect(await page.locator('select').count()).toBe(0);
    await page.locator('table.checklist').screenshot({ path: `${ARTIFACTS}/checklist.png` });
    await page.screenshot({ path: `${ARTIFACTS}/checklist-page.png`, fullPage: true });

    const stored = (await svc.api('GET', '/api/v1/inspections')).json.items[0];
    expect(stored).toMatchObject({ status: 'signed', total: 96, passed: true });
  });

  it('prints the signed form without controls, with the signature lines', async () => {
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('#print').isVisible()).toBe(false);
    expect(await page.locator('header.top').isVisible()).toBe(false);
    expect(await page.locator('.signatures').isVisible()).toBe(true);
    expect(await page.locator('.signatures').textContent()).toContain('检查人（签字）：王检查');
    await page.screenshot({ path: `${ARTIFACTS}/checklist-print.png`, fullPage: true });
    await page.emulateMedia({ media: 'screen' });
  });

  it('switches to English and back', async () => {
    await page.click('#lang');
    await expect.poll(() => page.locator('th.colCriterion').textContent()).toBe('Criterion');
    expect(await page.locator('#verdict').textContent()).toBe('Pass');
    expect(await page.locator('tr[data-item="3.1"] .badge').textContent()).toBe('auto');
    expect(await page.locator('tr[data-item="3.1"] .criterion-text').textContent()).toMatch(/^Gates have dedicated attendants 24 hours a day/);
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await page.locator('table.checklist').screenshot({ path: `${ARTIFACTS}/checklist-en.png` });
    await page.click('#lang');
    await expect.poll(() => page.locator('th.colCriterion').textContent()).toBe('评分标准');
  });

  it('raised no script errors or policy violations', () => {
    expect(problems).toEqual([]);
  });
});
