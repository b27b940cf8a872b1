/**
 * Debian's headless Chromium, launched the one way every browser test needs:
 * no sandbox (tests run as root), nothing that phones home or updates itself.
 * A missing or broken Chromium throws here, so the test fails (never skips).
 */
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export async function launchChromium(): Promise<Browser> {
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ARGS });
  if (!/^\d+\./.test(browser.version())) throw new Error(`unexpected Chromium version "${browser.version()}"`);
  return browser;
}
