import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { chromiumAvailable, workerBrowser } from './chromium';
import { RUN_TEMPORARY_PREFIX } from '../run-temporary-folder';

/**
 * The process groups of the Chromiums this worker launched: Playwright starts each browser as the leader
 * of a group of its own, so a child of this process that leads its group is one (and killing the group
 * can never reach this process).
 */
function chromiumGroups(): number[] {
  const groups: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // After the command's parenthesised name: state, parent, process group.
      const [, parent, group] = readFileSync(`/proc/${entry}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
      const leadsItsGroup = Number(group) === Number(entry);
      if (Number(parent) === process.pid && leadsItsGroup && readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('chromium')) groups.push(Number(entry));
    } catch {
      // The process ended while it was read.
    }
  }
  return groups;
}

async function renders(browser: Browser): Promise<string | null> {
  const page = await browser.newPage();
  try {
    await page.setContent('<p>rendered</p>');
    return await page.textContent('p');
  } finally {
    await page.close();
  }
}

describe.skipIf(!chromiumAvailable)("the worker's browser (test/browser/chromium.ts)", () => {
  it('is one browser for every file of the worker, and a new one once it was closed', async () => {
    const first = await workerBrowser();
    expect(await workerBrowser()).toBe(first);

    await first.close();
    const second = await workerBrowser();

    expect(second).not.toBe(first);
    expect(await renders(second)).toBe('rendered');
  });

  it('is launched again after its process was killed', async () => {
    const browser = await workerBrowser();
    const disconnected = new Promise<void>((resolve) => browser.once('disconnected', () => resolve()));
    const groups = chromiumGroups();
    expect(groups).not.toEqual([]);

    for (const group of groups) process.kill(-group, 'SIGKILL');
    await disconnected;
    const relaunched = await workerBrowser();

    expect(relaunched).not.toBe(browser);
    expect(await renders(relaunched)).toBe('rendered');
    expect(chromiumGroups()).toHaveLength(1);
  });

  it("keeps its profile and singleton folders, which a killed browser leaves behind, in the run's temporary folder", async () => {
    await workerBrowser();
    expect(basename(tmpdir())).toMatch(new RegExp(`^${RUN_TEMPORARY_PREFIX}`));
    const made = readdirSync(tmpdir());
    expect(made.filter((name) => name.startsWith('playwright_chromiumdev_profile-'))).not.toEqual([]);
    expect(made.filter((name) => name.startsWith('org.chromium.Chromium.'))).not.toEqual([]);
  });
});
