import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack';
import { eventually, stackClient } from '../integration/helpers';
import { sharedStack } from '../integration/shared-stack';
import { chromiumAvailable, workerBrowser } from './chromium';

/**
 * The real analytics.js (`@segment/analytics-next`, its standalone bundle) on a customer's page in
 * headless Chromium, pointed at leadflow by `cdnURL` alone: it loads its settings from leadflow and
 * sends its calls there, across origins, as it would to Segment. What it sent is stored and scored.
 */

const BUNDLES = dirname(createRequire(import.meta.url).resolve('@segment/analytics-next/dist/umd/index.js'));

let stack: LocalStack;
let browser: Browser;
let site: Server;
let siteOrigin: string;
const { admin, getLead } = stackClient(() => stack);

/** A customer's website: any path is a page with the stock snippet; analytics.js's bundles are served where it looks for them. */
function customerSite(): Promise<Server> {
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://site').pathname;
    if (path.startsWith('/analytics-next/bundles/')) {
      const file = join(BUNDLES, path.slice('/analytics-next/bundles/'.length).replace(/[^A-Za-z0-9._-]/g, ''));
      if (!existsSync(file)) return response.writeHead(404).end();
      return response.writeHead(200, { 'content-type': 'text/javascript' }).end(readFileSync(file));
    }
    response.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><title>Pricing</title>
<script>window.analytics = { _cdn: location.origin };</script>
<script src="/analytics-next/bundles/index.js"></script>`);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

beforeAll(async () => {
  if (!chromiumAvailable) return;
  site = await customerSite();
  siteOrigin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  browser = await workerBrowser();
  stack = await sharedStack();
});

afterAll(async () => {
  await new Promise((resolve) => site?.close(resolve));
});

async function addSource(origins: string[]): Promise<string> {
  const response = await admin('POST', '/v1/admin/sources', { name: `site-${randomUUID()}`, origins });
  expect(response.status).toBe(201);
  return ((await response.json()) as { writeKey: string }).writeKey;
}

/** Loads analytics.js on a page of the site as its documentation says, with leadflow as its CDN. */
async function loadAnalytics(page: Page, path: string, writeKey: string): Promise<void> {
  await page.goto(`${siteOrigin}${path}`);
  await page.evaluate(
    async ({ writeKey, cdnURL }) => {
      const next = (globalThis as unknown as { AnalyticsNext: { AnalyticsBrowser: { load(settings: object): [unknown, unknown] } } }).AnalyticsNext;
      const [analytics] = await next.AnalyticsBrowser.load({ writeKey, cdnURL });
      (globalThis as unknown as { ajs: unknown }).ajs = analytics;
    },
    { writeKey, cdnURL: stack.apiUrl },
  );
}

type Ajs = { page(): Promise<unknown>; track(event: string, properties?: object): Promise<unknown>; identify(userId: string, traits: object): Promise<unknown> };
const ajs = (page: Page) => ({
  page: () => page.evaluate(() => (globalThis as unknown as { ajs: Ajs }).ajs.page().then(() => undefined)),
  track: (event: string, properties: object) => page.evaluate(({ event, properties }) => (globalThis as unknown as { ajs: Ajs }).ajs.track(event, properties).then(() => undefined), { event, properties }),
  identify: (userId: string, traits: object) => page.evaluate(({ userId, traits }) => (globalThis as unknown as { ajs: Ajs }).ajs.identify(userId, traits).then(() => undefined), { userId, traits }),
});

describe.skipIf(!chromiumAvailable)('the stock analytics.js snippet against the collector', () => {
  it("stores and scores a visitor's pages and events, joined to the lead when they identify", async () => {
    const writeKey = await addSource([siteOrigin]);
    const context = await browser.newContext();
    const page = await context.newPage();
    const sent: { path: string; status: number }[] = [];
    page.on('response', (response) => {
      if (response.url().startsWith(stack.apiUrl)) sent.push({ path: new URL(response.url()).pathname, status: response.status() });
    });
    await loadAnalytics(page, '/pricing', writeKey);
    const calls = ajs(page);
    await calls.page();
    await calls.track('Webinar Registered', { webinarId: 'scoring-101' });
    const email = `ajs-${randomUUID()}@example.com`;
    await calls.identify(`user-${randomUUID()}`, { email, firstName: 'Ana' });
    await context.close();

    expect(sent).toEqual(
      expect.arrayContaining([
        { path: `/v1/projects/${writeKey}/settings`, status: 200 },
        { path: '/v1/p', status: 200 },
        { path: '/v1/t', status: 200 },
        { path: '/v1/i', status: 200 },
      ]),
    );
    // The lead its address made: read from the table, as no admin route looks leads up by address.
    const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: stack.endpoints.dynamodb }));
    const leadId = await eventually(async () => {
      const { Item } = await documents.send(new GetCommand({ TableName: stack.settings.tableName, Key: { pk: `EMAIL#${email}`, sk: 'EMAIL' } }));
      return Item?.leadId as string | undefined;
    });
    const lead = await eventually(async () => {
      const view = (await getLead(leadId)) as Awaited<ReturnType<typeof getLead>> & { score?: { breakdown?: Record<string, unknown> } };
      const rules = Object.keys(view.score?.breakdown ?? {});
      return rules.includes('pricing-page') && rules.includes('webinar-registration') ? view : undefined;
    }, 60_000);
    expect(lead.score?.total).toBeGreaterThan(0);
  });

  it('gets a 403 for a page outside the source\'s origins, readable by the snippet', async () => {
    const writeKey = await addSource(['https://www.example.com']);
    const context = await browser.newContext();
    const page = await context.newPage();
    await loadAnalytics(page, '/demo', writeKey);
    const refused = page.waitForResponse((response) => response.url() === `${stack.apiUrl}/v1/p`);
    void ajs(page).page().catch(() => undefined);
    expect((await refused).status()).toBe(403);
    await context.close();
  });
});
