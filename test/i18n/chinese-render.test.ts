/**
 * A full demo day (npm run demo's three communities, played over MQTT into the
 * real service) read in Chinese in real headless Chromium: the overview, each
 * community's checklist with every evidence panel, its readings and alarms
 * open, a signed inspection on screen and in print, and the CSV export. Any
 * English word fails the test; ids (devices, gates, areas, people's refs) and
 * the small allow-list of test/support/english.ts are the only Latin text.
 * Screenshots go to test-artifacts/. If Chromium cannot start, this fails.
 */
import { mkdirSync } from 'node:fs';
import { type Browser, type Page } from 'playwright-core';
import { launchChromium } from '../support/chromium.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SCENARIOS, DEMO_SEED } from '../../devices-sim/demo-scenarios.js';
import { createAccount, PASSWORD } from '../access/support.js';
import { runGoldenDay, type GoldenRun } from '../golden/harness.js';
import { englishWords } from '../support/english.js';

const ARTIFACTS = 'test-artifacts';
const REF_KEYS = new Set(['personRef', 'staffRef', 'operatorRef', 'deviceId', 'gateId', 'areaId', 'roomId']);
let run: GoldenRun;
let browser: Browser;
let page: Page;
let ids: string[] = [];
const problems: string[] = [];

/** Every id of the day: the registry's (communities, gates, areas, staff, devices) and the refs in the messages. */
function idsOf(r: GoldenRun): string[] {
  const found = new Set<string>();
  for (const { community } of r.plan.communities) {
    [community.id, ...community.gates.map((g) => g.id), ...community.areas.map((a) => a.id), ...community.staff.map((s) => s.ref), ...community.devices.map((d) => d.id)].forEach((id) => found.add(id));
  }
  for (const m of r.messages) {
    for (const [k, v] of Object.entries((m as { payload?: Record<string, unknown> }).payload ?? {})) if (REF_KEYS.has(k) && typeof v === 'string') found.add(v);
  }
  return [...found];
}

/** Ids of `community`'s registered gates and areas printed as a place ("g1：…"), which should read as their names. */
function placeIds(r: GoldenRun, n: number, text: string): string[] {
  const { community } = r.plan.communities[n]!;
  return [...community.gates, ...community.areas].map((p) => p.id).filter((id) => new RegExp(`(?<![\\w-])${id}[：:]`).test(text));
}

/** English words of a text, each with a little context, for a failure that says where. */
function english(text: string): string[] {
  return englishWords(text, ids).map((w) => {
    const at = text.search(new RegExp(`\\b${w}\\b`));
    return `${w} … ${text.slice(Math.max(0, at - 30), at + 30).replace(/\s+/g, ' ')}`;
  });
}

const bodyText = () => page.evaluate<string>('document.body.innerText');

/** Open the evidence of these items (the page remembers open panels across views: open only the closed ones). */
async function openEvidence(items: (string | null)[]): Promise<void> {
  for (const item of items) {
    if ((await page.locator(`[data-evidence="${item}"]`).count()) === 0) await page.click(`[data-evidence-toggle="${item}"]`);
    await page.locator(`[data-evidence="${item}"]`).waitFor();
  }
}

beforeAll(async () => {
  run = await runGoldenDay(DEMO_SCENARIOS, DEMO_SEED);
  ids = idsOf(run);
  await createAccount(run.svc.runtime.db, 'wang', 'inspector', null, '王检查');
  mkdirSync(ARTIFACTS, { recursive: true });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await run?.stop();
});

describe('a demo day in Chinese', () => {
  it('starts real headless Chromium and signs in', async () => {
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
    page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
    await page.goto(`http://127.0.0.1:${run.svc.runtime.httpPort}/`);
    await page.fill('#username', 'wang');
    await page.fill('#password', PASSWORD);
    await page.click('#signin');
    await page.locator('table.overview tbody tr').first().waitFor();
    expect(await page.locator('table.overview tbody tr').count()).toBe(5); // the test registry's two and the day's three
    expect(english(await bodyText())).toEqual([]);
  });

  it.each([0, 1, 2])('community %i: the checklist with every evidence panel, reading and alarm open has no English', async (n) => {
    const id = run.plan.communities[n]!.community.id;
    await page.goto(`http://127.0.0.1:${run.svc.runtime.httpPort}/#/c/${id}?date=${run.day}`);
    await page.locator('#form-date').waitFor();
    const toggles = await page.locator('[data-evidence-toggle]').evaluateAll((els) => els.map((e) => e.getAttribute('data-evidence-toggle')));
    expect(toggles.length).toBe(11);
    await openEvidence(toggles);
    const loaders = await page.locator('.evidence button.link').all();
    for (const b of loaders) await b.click();
    await expect.poll(async () => (await bodyText()).includes('加载中'), { timeout: 20_000 }).toBe(false);
    const text = await bodyText();
    expect(text).not.toContain('出错了');
    expect(text).toContain('读数编号');
    // Places by their registered names, the id as the tooltip of a fact's place.
    expect(placeIds(run, n, text)).toEqual([]);
    const gate = run.plan.communities[n]!.community.gates[0]!;
    const cell = page.locator(`td.place[data-place="${gate.id}"]`).first();
    expect([await cell.textContent(), await cell.getAttribute('title')]).toEqual([gate.name, gate.id]);
    await page.screenshot({ path: `${ARTIFACTS}/zh-demo-${id}.png`, fullPage: true });
    for (const item of ['1.4', '3.3', '4.1']) await page.locator(`[data-evidence="${item}"]`).screenshot({ path: `${ARTIFACTS}/zh-demo-${id}-${item}.png` });
    expect(english(text)).toEqual([]);
  }, 60_000);

  it('a signed inspection on screen, in print and as CSV has no English', async () => {
    const id = run.plan.communities[2]!.community.id;
    const token = run.svc.tokens.inspector;
    const created = await run.svc.api('POST', '/api/v1/inspections', { token, body: { communityId: id, date: run.day, inspectorName: '王检查' } });
    expect(created.status).toBe(201);
    const checklist = (await run.svc.api('GET', '/api/v1/checklist', { token })).json;
    const auto = new Map((created.json.itemScores as { itemId: string; score: number | null }[]).map((s) => [s.itemId, s.score]));
    const manualScores: Record<string, number> = {};
    for (const item of checklist.items as { id: string; fill: string; allowedScores: number[] }[]) {
      if (item.fill === 'auto') continue;
      manualScores[item.id] = auto.get(item.id) ?? Math.max(...item.allowedScores);
    }
    const overrides = Object.fromEntries(
      (checklist.items as { id: string; fill: string }[]).filter((i) => i.fill === 'auto' && auto.get(i.id) === null).map((i) => [i.id, { score: 0, reason: '喷雾器离线，现场核查未消毒' }]),
    );
    expect((await run.svc.api('PUT', `/api/v1/inspections/${created.json.id}`, { token, body: { manualScores, overrides } })).status).toBe(200);
    const signed = await run.svc.api('POST', `/api/v1/inspections/${created.json.id}/sign`, { token });
    expect(signed.json).toMatchObject({ status: 'signed', complete: true });
    // Signed with an API token (a machine): its name is what there is to print. People sign under their
    // display name (test/checklist/print.test.ts).
    ids.push(signed.json.signedByName);

    await page.goto(`http://127.0.0.1:${run.svc.runtime.httpPort}/#/i/${created.json.id}`);
    await page.locator('#signed').waitFor();
    await openEvidence(await page.locator('[data-evidence-toggle]').evaluateAll((els) => els.map((e) => e.getAttribute('data-evidence-toggle'))));
    expect(english(await bodyText())).toEqual([]);
    await page.emulateMedia({ media: 'print' });
    const printed = await bodyText();
    await page.screenshot({ path: `${ARTIFACTS}/zh-demo-print.png`, fullPage: true });
    await page.emulateMedia({ media: 'screen' });
    expect(printed).toContain('检查人（签字）');
    expect(english(printed)).toEqual([]);
    expect(placeIds(run, 2, printed)).toEqual([]);

    const csv = await run.svc.runtime.http.inject({ method: 'GET', url: `/api/v1/inspections/${created.json.id}/export.csv`, headers: { authorization: `Bearer ${token}` } });
    expect(csv.statusCode).toBe(200);
    expect(csv.body).toContain('依据');
    expect(english(csv.body)).toEqual([]);
    expect(placeIds(run, 2, csv.body)).toEqual([]);
    expect(problems).toEqual([]);
  }, 60_000);
});
