import { randomUUID } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_FORM_ID, type DemoSite, startDemoSite } from '../../local/demo-site';
import type { LocalStack } from '../../local/stack';
import { eventually, settled, stackClient } from '../integration/helpers';
import { sharedStack } from '../integration/shared-stack';
import { chromiumAvailable, workerBrowser } from './chromium';

/**
 * The demo marketing site of `npm start` as a new user meets it, in headless Chromium against the whole
 * local stack: consent, pricing three times, the whitepaper, the embedded demo form -> an MQL, one alert.
 */

/** Scoring, qualification and the alert run on the bus and queues after the requests are answered. */
const PIPELINE_DEADLINE_MS = 45_000;

let stack: LocalStack;
let browser: Browser;
let demo: DemoSite;
const { admin, getLead, mails } = stackClient(() => stack);
const demoFormVersion = async () => ((await (await admin('GET', `/v1/admin/forms/${DEMO_FORM_ID}`)).json()) as { version: number }).version;

beforeAll(async () => {
  if (!chromiumAvailable) return;
  browser = await workerBrowser();
  stack = await sharedStack();
  demo = await startDemoSite({ apiUrl: stack.apiUrl, devToken: stack.devToken, port: 0 });
});

afterAll(async () => {
  await demo?.stop();
});

describe.skipIf(!chromiumAvailable)('the demo site', () => {
  it('starting again on the same origin reuses its tracking source and leaves its form as it was', async () => {
    const again = await startDemoSite({ apiUrl: stack.apiUrl, devToken: stack.devToken, port: Number(new URL(demo.url).port) }).catch((error: unknown) => error);
    // The first site still holds the port: the second cannot listen, and makes nothing.
    expect(again).toBeInstanceOf(Error);
    const { writeKey } = demo;
    const version = await demoFormVersion();
    await demo.stop();
    demo = await startDemoSite({ apiUrl: stack.apiUrl, devToken: stack.devToken, port: Number(new URL(demo.url).port) });
    expect(demo.writeKey).toBe(writeKey);
    expect(await demoFormVersion()).toBe(version);
  });

  it("fits a phone's width, its consent banner included", async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    for (const path of ['/', '/pricing']) {
      await page.goto(`${demo.url}${path}`);
      await page.getByRole('region', { name: 'Cookie consent' }).waitFor();
      const fits = await page.evaluate(() => {
        const root = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement;
        return root.scrollWidth <= root.clientWidth;
      });
      expect(fits, `${path} is wider than the phone`).toBe(true);
    }
    await context.close();
  });

  it('the contact page links to the form hosted by the API, the same form the demo page embeds', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${demo.url}/contact`);
    await page.getByRole('link', { name: 'Open the contact form' }).click();
    await page.waitForURL(`${stack.apiUrl}/f/${DEMO_FORM_ID}`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Book a demo');
    expect(await page.getByLabel('Team size').getAttribute('type')).toBe('number');
    await context.close();
  });

  it('a visitor who consents, views pricing three times, downloads the whitepaper and sends the embedded form qualifies, with one alert', async () => {
    const firstName = `Demo${randomUUID().slice(0, 8)}`;
    const email = `${firstName.toLowerCase()}@example.com`;
    const context = await browser.newContext();
    const page = await context.newPage();
    const batchesAccepted = () => page.waitForResponse((response) => response.url().endsWith('/v1/batch') && response.ok());

    await page.goto(demo.url);
    const homeSent = batchesAccepted();
    await page.getByRole('button', { name: 'Accept tracking' }).click();
    await homeSent;
    expect(await page.getByRole('region', { name: 'Cookie consent' }).isHidden()).toBe(true);

    for (let visit = 0; visit < 3; visit += 1) {
      const sent = batchesAccepted();
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Pricing' }).click();
      await page.waitForURL(`${demo.url}/pricing`);
      await sent;
      await page.goto(demo.url);
    }

    await page.goto(`${demo.url}/blog/lead-scoring-whitepaper`);
    const downloaded = page.waitForEvent('download');
    const trackSent = page.waitForResponse((response) => response.url().endsWith('/v1/batch') && (response.request().postData() ?? '').includes('Content Downloaded'));
    await page.getByRole('link', { name: 'Download the whitepaper' }).click();
    expect((await downloaded).suggestedFilename()).toBe('whitepaper.txt');
    await trackSent;

    await page.goto(`${demo.url}/demo`);
    const shownAt = Date.now();
    await page.getByLabel('Work email').fill(email);
    await page.getByLabel('First name').fill(firstName);
    await page.getByLabel('Company').fill('Acme Demo');
    await page.getByLabel('Role').fill('VP Marketing');
    await page.getByLabel('Industry').fill('SaaS');
    await page.getByLabel('Team size').fill('120');
    // A person takes a moment: the form refuses posts faster than its minimum time (2 s).
    await expect.poll(() => Date.now() - shownAt, { timeout: 5_000, interval: 100 }).toBeGreaterThanOrEqual(2_000);
    const identified = page.waitForRequest((request) => request.url().endsWith('/v1/batch') && (request.postData() ?? '').includes('"identify"'));
    await page.getByRole('button', { name: 'Send' }).click();
    await page.waitForURL(`${demo.url}/thanks`);
    await identified;
    await context.close();

    const alertsFor = async () => (await mails()).filter((mail) => mail.subject.startsWith(`MQL: ${firstName} `));
    const [alert] = await eventually(async () => ((await alertsFor()).length > 0 ? alertsFor() : undefined), PIPELINE_DEADLINE_MS);
    const leadId = /Lead id: (\S+)/.exec(alert?.body.text ?? '')?.[1] ?? '';
    const lead = await getLead(leadId);
    expect(lead.score?.qualified).toBe(true);
    // The anonymous visits joined the lead: pricing three times, the whitepaper, the demo page and the form.
    expect(lead.score?.breakdown).toMatchObject({ 'pricing-page': { times: 3 }, 'content-download': { times: 1 }, 'demo-page': { times: 1 }, 'form-submission': { times: 1 } });
    // Once everything queued is handled, still one alert: the lead qualified once.
    await settled(stack);
    expect(await alertsFor()).toHaveLength(1);
  });
});
