/**
 * In real headless Chromium (Debian's /usr/bin/chromium, playwright-core): an
 * operator of 安居物业 signs in with username and password and sees only its
 * company's communities; another company's community, even by its address,
 * is not found; signing out returns to the sign-in form. If Chromium cannot
 * start, this fails: it never skips.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type Page } from 'playwright-core';
import { launchChromium } from '../support/chromium.js';
import { OTHER_COMMUNITY, startTestService, TEST_COMMUNITY, type TestService } from '../support/service.js';
import { createAccount, PASSWORD } from './support.js';

let svc: TestService;
let browser: Browser;
let page: Page;
const problems: string[] = [];

beforeAll(async () => {
  svc = await startTestService();
  await createAccount(svc.runtime.db, 'li.ming', 'operator', '安居物业', '李明');
  // A second community of the same company, so "only theirs" is more than one row.
  const put = await svc.api('PUT', '/api/v1/communities/hc-003', { body: { name: '安居新苑', propertyCompany: '安居物业' } });
  expect(put.status).toBe(200);
});
afterAll(async () => {
  await browser?.close();
  await svc?.stop();
});

const base = () => `http://127.0.0.1:${svc.runtime.httpPort}/`;

describe('an operator in the browser', () => {
  it('starts real headless Chromium', async () => {
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
    page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error' && !/status of 40[14]/.test(msg.text())) problems.push(`console: ${msg.text()}`);
    });
  });

  it('shows the sign-in form in Chinese first, in English on the switch', async () => {
    await page.goto(base());
    await page.waitForSelector('#username');
    expect(await page.locator('label[for="username"]').textContent()).toBe('用户名');
    expect(await page.locator('label[for="password"]').textContent()).toBe('密码');
    await page.click('#lang');
    await expect.poll(() => page.locator('label[for="username"]').textContent()).toBe('Username');
    await page.click('#lang');
    await expect.poll(() => page.locator('label[for="password"]').textContent()).toBe('密码');
  });

  it("signs in and sees only its company's communities", async () => {
    await page.fill('#username', 'li.ming');
    await page.fill('#password', PASSWORD);
    await page.click('#signin');
    await page.locator('table.overview tbody tr').first().waitFor();
    const rows = await page.locator('table.overview tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-community')));
    expect(rows).toEqual([TEST_COMMUNITY, 'hc-003']);
    expect(await page.locator('table.overview').textContent()).not.toContain('宜家物业');
    expect(await page.locator('#who').textContent()).toBe('李明 · 物业 · 安居物业');
  });

  it("opens its own community, and finds another company's community not found even by address", async () => {
    await page.click(`tr[data-community="${TEST_COMMUNITY}"] a`);
    await page.waitForSelector('#date');
    expect(await page.locator('h1').textContent()).toContain('阳光花园');
    expect(await page.locator('#start').count()).toBe(0); // operators do not inspect
    await page.goto(`${base()}#/c/${OTHER_COMMUNITY}`);
    await page.waitForSelector('#error');
    expect(await page.locator('#error').textContent()).toContain('not found');
    expect(await page.locator('body').textContent()).not.toContain('幸福小区');
  });

  it('signs out back to the sign-in form, and the old session is gone', async () => {
    await page.goto(base());
    await page.click('#signout');
    await page.waitForSelector('#username');
    const status = await page.evaluate(async () => (await fetch('/api/v1/me')).status);
    expect(status).toBe(401);
  });

  it('raised no script errors or policy violations', () => {
    expect(problems).toEqual([]);
  });
});
