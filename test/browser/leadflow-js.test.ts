import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { text } from 'node:stream/consumers';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handler as serveSnippet } from '../../functions/serve-snippet/handler';
import type { BatchBody, Message } from '../../web/leadflow-js/messages';
import { context as lambdaContext, httpEvent } from '../handlers/fixtures';
import { chromiumAvailable, workerBrowser } from './chromium';

/**
 * leadflow.js in headless Chromium (Debian's package, through playwright-core). A site on one origin
 * loads the script from the serve-snippet handler on another, as a customer's site loads it from the
 * API; that API origin also records what reaches `/v1/batch` (the collector is tested on its own).
 */

interface Received {
  readonly method: string;
  readonly path: string;
  readonly contentType: string | undefined;
  readonly body: string;
}

const received: Received[] = [];
const batches = () => received.filter((request) => request.method === 'POST' && request.path === '/v1/batch').map((request) => JSON.parse(request.body) as BatchBody);
const messages = () => batches().flatMap((body) => body.batch);

/** The API: the script from the real handler, a recorder at /v1/batch answering as a collector with CORS would. */
async function api(request: IncomingMessage, response: ServerResponse) {
  const path = new URL(request.url ?? '/', 'http://api').pathname;
  const body = await text(request);
  received.push({ method: request.method ?? '', path, contentType: request.headers['content-type'], body });
  if (request.method === 'GET' && path === '/js/v1/leadflow.js') {
    const headers = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, String(value)]));
    const answer = (await serveSnippet(httpEvent({ method: 'GET', path, headers }), lambdaContext)) as APIGatewayProxyStructuredResultV2;
    response.writeHead(answer.statusCode ?? 200, answer.headers as Record<string, string>);
    response.end(answer.isBase64Encoded ? Buffer.from(answer.body ?? '', 'base64') : answer.body);
    return;
  }
  const cors = { 'access-control-allow-origin': request.headers.origin ?? '*' };
  if (request.method === 'OPTIONS') response.writeHead(204, { ...cors, 'access-control-allow-headers': 'content-type' }).end();
  else response.writeHead(200, { ...cors, 'content-type': 'application/json' }).end('{"success":true}');
}

let apiOrigin = '';
let siteOrigin = '';

/** The README's loader stub, exactly: a site whose Content-Security-Policy has no 'unsafe-inline' allows it by its hash. */
const LOADER_STUB = 'window.leadflow=window.leadflow||function(){(leadflow.q=leadflow.q||[]).push(arguments)};';
const LOADER_STUB_HASH = `'sha256-${createHash('sha256').update(LOADER_STUB).digest('base64')}'`;
/** The policy the README gives such a site: nothing inline but the stub, scripts and connections to the API only. */
const strictPolicy = () => `default-src 'self'; script-src ${LOADER_STUB_HASH} ${apiOrigin}; connect-src ${apiOrigin}`;

/** A page of the customer's site: the script tag, and what the test asks for around it. */
function sitePage(query: URLSearchParams) {
  const consent = query.get('consent') ?? 'required';
  const stub = query.has('stub')
    ? `<script>${LOADER_STUB}leadflow('consent',true);leadflow('track','Early Call',{from:'stub'});</script>`
    : query.has('csp')
      ? `<script>${LOADER_STUB}</script>`
      : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Pricing - Example</title>${stub}
<script src="${apiOrigin}/js/v1/leadflow.js" data-write-key="wk_site" data-consent="${consent}" async></script></head>
<body><h1>Pricing</h1>
<form data-leadflow-identify method="post" action="/thanks"><label>Email <input type="email" name="email"></label><label>Company <input name="company"></label><button>Send</button></form>
<a href="/other">Other page</a></body></html>`;
}

async function site(request: IncomingMessage, response: ServerResponse) {
  const url = new URL(request.url ?? '/', siteOrigin);
  await text(request);
  if (url.pathname === '/favicon.ico') response.writeHead(404).end();
  else {
    const policy = url.searchParams.has('csp') ? { 'content-security-policy': strictPolicy() } : {};
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...policy }).end(url.pathname === '/pricing' ? sitePage(url.searchParams) : '<!doctype html><title>Elsewhere</title><p>Elsewhere</p>');
  }
}

async function listen(server: Server) {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
const close = (server: Server) => new Promise((resolve) => server.close(resolve));

const serve = (handle: (request: IncomingMessage, response: ServerResponse) => Promise<void>) =>
  createServer((request, response) => {
    handle(request, response).catch((error: unknown) => response.writeHead(500).end(String(error)));
  });
const apiServer = serve(api);
const siteServer = serve(site);
let browser: Browser;
let context: BrowserContext;
/** Every request the browser made, in order: none may go anywhere but the site and the API. */
let requested: string[];

beforeAll(async () => {
  if (!chromiumAvailable) return;
  apiOrigin = await listen(apiServer);
  siteOrigin = await listen(siteServer);
  browser = await workerBrowser();
});

afterAll(async () => {
  apiServer.closeAllConnections();
  siteServer.closeAllConnections();
  await Promise.all([close(apiServer), close(siteServer)]);
});

beforeEach(() => {
  received.length = 0;
});

async function open(options: { globalPrivacyControl?: boolean } = {}): Promise<Page> {
  context = await browser.newContext();
  requested = [];
  context.on('request', (request) => requested.push(request.url()));
  // Chromium has no setting for it (Firefox and Brave send it): the page sees what a GPC browser shows.
  if (options.globalPrivacyControl) await context.addInitScript({ content: "Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true })" });
  return context.newPage();
}

/** Navigates and waits until leadflow.js has run on the page. */
async function visit(page: Page, path: string) {
  await page.goto(`${siteOrigin}${path}`);
  await page.waitForFunction('window.leadflow?.loaded === true');
}

// The project compiles without the DOM library: code run in the page reaches it through globalThis or as a string.
const leadflow = (page: Page, ...command: unknown[]) =>
  page.evaluate((args) => (globalThis as unknown as { leadflow: (...command: unknown[]) => void }).leadflow(...args), command);

/**
 * A request made after everything the page did so far: once the API has it, any request leadflow.js
 * had started before it was made too (the browser reports requests in the order it makes them).
 */
async function sentinel(page: Page) {
  await page.evaluate((origin) => fetch(`${origin}/sentinel`, { mode: 'no-cors' }).then(() => undefined), apiOrigin);
  expect(received.some((request) => request.path === '/sentinel')).toBe(true);
}

/**
 * Ends the test's context once what its page sends as it goes has reached the API: leadflow.js
 * beacons the time on page when the page is left, and a beacon of a context merely closed can reach
 * the API after the next test began (it did under load), where it counts as that test's. So the page
 * is left for one of the site without leadflow.js first, and a request after that is answered
 * before the context closes.
 */
async function leave(page: Page) {
  await page.goto(`${siteOrigin}/elsewhere`);
  await sentinel(page);
  await context.close();
}

const storedKeys = (page: Page) => page.evaluate<string[]>('Object.keys(localStorage)');

function expectOnlyFirstParty() {
  expect(requested.filter((url) => !url.startsWith(`${siteOrigin}/`) && !url.startsWith(`${apiOrigin}/`))).toEqual([]);
  // text/plain bodies: the browser sends them without asking first.
  expect(received.filter((request) => request.method === 'OPTIONS')).toEqual([]);
  for (const request of received.filter((candidate) => candidate.path === '/v1/batch')) expect(request.contentType).toMatch(/^text\/plain/);
}

async function eventuallyMessage(find: (message: Message) => boolean, deadlineMs = 20_000): Promise<Message> {
  await expect.poll(() => messages().some(find), { timeout: deadlineMs }).toBe(true);
  const found = messages().find(find);
  if (!found) throw new Error('message vanished');
  return found;
}

describe.skipIf(!chromiumAvailable)('leadflow.js in a browser', () => {
  it('with consent required sends nothing, stores nothing and sets no cookie before consent; then sends the page view', async () => {
    const page = await open();
    await visit(page, '/pricing?consent=required');
    await leadflow(page, 'track', 'Pricing Viewed', { plan: 'team' });
    await leadflow(page, 'identify', 'ada@example.com');
    // Leaving the page (pagehide, hidden) is when leadflow.js would beacon what waits.
    await visit(page, '/pricing?consent=required&second');
    await sentinel(page);
    expect(requested.filter((url) => url.startsWith(`${apiOrigin}/v1/`))).toEqual([]);
    expect(batches()).toEqual([]);
    expect(await storedKeys(page)).toEqual([]);
    expect(await context.cookies()).toEqual([]);

    await leadflow(page, 'consent', true);
    const view = await eventuallyMessage((message) => message.type === 'page');
    expect(view).toMatchObject({ context: { page: { path: '/pricing', search: '?consent=required&second' } } });
    // What happened on the first page before consent was held in memory only, and went with it.
    expect(messages().filter((message) => message.type !== 'page')).toEqual([]);
    expect(await page.evaluate("localStorage.getItem('leadflow.anonymousId')")).toBe(view.anonymousId);
    expect(batches()[0]?.writeKey).toBe('wk_site');
    expectOnlyFirstParty();
    await leave(page);
  });

  it('honours Global Privacy Control: nothing sent or stored, with implied consent and even after consent(true)', async () => {
    const page = await open({ globalPrivacyControl: true });
    await visit(page, '/pricing?consent=implied');
    expect(await page.evaluate('navigator.globalPrivacyControl')).toBe(true);
    await leadflow(page, 'consent', true);
    await leadflow(page, 'track', 'Pricing Viewed');
    await page.fill('input[name=email]', 'ada@example.com');
    await Promise.all([page.waitForURL(`${siteOrigin}/thanks`), page.click('button')]);
    await visit(page, '/pricing?consent=implied');
    await sentinel(page);
    expect(requested.filter((url) => url.startsWith(`${apiOrigin}/v1/`))).toEqual([]);
    expect(batches()).toEqual([]);
    expect(await storedKeys(page)).toEqual([]);
    await leave(page);
  });

  it('sends the page view with UTM and referrer, then the visible time on page by beacon when the visitor leaves', async () => {
    const page = await open();
    await page.goto(`${siteOrigin}/other`);
    await Promise.all([page.waitForURL(/\/pricing/), page.evaluate("location.href = '/pricing?consent=implied&utm_source=newsletter&utm_medium=email&utm_campaign=spring'")]);
    const view = await eventuallyMessage((message) => message.type === 'page');
    expect(view).toMatchObject({
      properties: { path: '/pricing', title: 'Pricing - Example', referrer: `${siteOrigin}/other` },
      context: { campaign: { source: 'newsletter', medium: 'email', name: 'spring' }, page: { referrer: `${siteOrigin}/other` }, library: { name: 'leadflow.js' } },
    });
    expect(await storedKeys(page)).toContain('leadflow.anonymousId');
    // Real time on page: wait until the page has been open for two seconds.
    await page.waitForFunction(() => performance.now() > 2_500, undefined, { timeout: 20_000 });
    const openMs = await page.evaluate(() => performance.now());

    await page.click('a');
    await page.waitForURL(`${siteOrigin}/other`);
    const engaged = await eventuallyMessage((message) => message.type === 'track' && message.event === 'Page Engaged');
    const { secondsOnPage, pageMessageId } = (engaged as Extract<Message, { type: 'track' }>).properties as { secondsOnPage: number; pageMessageId: string };
    expect(secondsOnPage).toBeGreaterThanOrEqual(1);
    expect(secondsOnPage).toBeLessThanOrEqual(Math.ceil(openMs / 1000) + 5);
    expect(pageMessageId).toBe(view.messageId);
    expect(engaged.anonymousId).toBe(view.anonymousId);
    expectOnlyFirstParty();
    await leave(page);
  });

  it('identifies the visitor by the email field when a marked form is submitted, and sends no other field', async () => {
    const page = await open();
    await visit(page, '/pricing?consent=implied');
    const view = await eventuallyMessage((message) => message.type === 'page');
    await page.fill('input[name=email]', 'ada@example.com');
    await page.fill('input[name=company]', 'Analytical Engines');
    await Promise.all([page.waitForURL(`${siteOrigin}/thanks`), page.click('button')]);
    const identify = await eventuallyMessage((message) => message.type === 'identify');
    expect(identify).toMatchObject({ anonymousId: view.anonymousId, traits: { email: 'ada@example.com' } });
    expect(JSON.stringify(messages())).not.toContain('Analytical Engines');
    expectOnlyFirstParty();
    await leave(page);
  });

  it('runs the calls a site made before the script loaded, consent first', async () => {
    const page = await open();
    await visit(page, '/pricing?consent=required&stub');
    const early = await eventuallyMessage((message) => message.type === 'track' && message.event === 'Early Call');
    expect(early).toMatchObject({ properties: { from: 'stub' } });
    expect(messages().some((message) => message.type === 'page')).toBe(true);
    await leave(page);
  });

  it("works on a site whose Content-Security-Policy allows no inline script but the README's stub, by its hash, and the API's origin; the README gives both", async () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(`<script>${LOADER_STUB}</script>`);
    expect(readme).toContain(LOADER_STUB_HASH);
    const page = await open();
    const refused: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/.test(message.text())) refused.push(message.text());
    });
    await visit(page, '/pricing?consent=required&csp');
    await leadflow(page, 'consent', true);
    await leadflow(page, 'track', 'Pricing Viewed', { plan: 'team' });
    await page.fill('input[name=email]', 'ada@example.com');
    await Promise.all([page.waitForURL(`${siteOrigin}/thanks`), page.click('button')]);
    await eventuallyMessage((message) => message.type === 'identify');
    // Leaving the page for the thank-you page may add its Page Engaged, as on any site.
    expect(messages().map((message) => (message.type === 'track' ? message.event : message.type))).toEqual(expect.arrayContaining(['page', 'Pricing Viewed', 'identify']));
    expect(refused).toEqual([]);
    await leave(page);
  });
});
