import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's chromium package: `npx playwright install` cannot download a browser on these machines. */
const CHROMIUM = '/usr/bin/chromium';

/**
 * Whether the browser tests can run here. In CI a missing Chromium fails the run (.ci/run installs
 * it); elsewhere the browser files say loudly that they skipped.
 */
export const chromiumAvailable = existsSync(CHROMIUM);
if (!chromiumAvailable) {
  if (process.env.CI === 'true') throw new Error(`${CHROMIUM} is missing: .ci/run installs Debian's chromium package`);
  console.warn(`\n*** SKIPPED: browser tests need ${CHROMIUM} (apt-get install chromium) ***\n`);
}

let running: Browser | undefined;
let launching: Promise<Browser> | undefined;

/**
 * The worker's one headless Chromium. The browser files run in turn in one worker process
 * (vitest.config.ts, shared-stack), so a file after the first uses the browser already running
 * instead of launching its own; each test works in a context of its own. One that was closed or
 * crashed is launched again. Playwright stops it when the worker process exits.
 */
export async function workerBrowser(): Promise<Browser> {
  if (running?.isConnected()) return running;
  launching ??= chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox'] }).finally(() => {
    launching = undefined;
  });
  running = await launching;
  return running;
}
