import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { LocalStack } from '../../local/stack';
import type { FormDefinitionInput } from '../../src/domain/forms/definition';
import { demoForm } from '../fixtures/forms';
import { runCli, stackClient } from '../integration/helpers';
import { sharedStack } from '../integration/shared-stack';
import { chromiumAvailable, workerBrowser } from './chromium';

/**
 * Forms as a visitor meets them, in headless Chromium against the whole local stack: the hosted page
 * without JavaScript and the embed script on another site, each form pushed with `leadflow forms push`.
 */

let stack: LocalStack;
let browser: Browser;
let site: Server;
let siteOrigin: string;
let folder: string;
const { post, getLead, admin } = stackClient(() => stack);

beforeAll(async () => {
  if (!chromiumAvailable) return;
  folder = await mkdtemp(join(tmpdir(), 'leadflow-forms-'));
  // The customer's own website: a thank-you page, and a page that embeds a form by its script tag
  // (`look=none` on the tag; `style` a rule of the page's own; `csp=strict` a policy with no inline styles).
  site = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://site.invalid');
    const strict = url.searchParams.get('csp') === 'strict' ? { 'content-security-policy': `default-src 'self'; script-src ${stack.apiUrl}; style-src 'self'; form-action ${stack.apiUrl}` } : {};
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...strict });
    if (url.pathname === '/thanks') response.end('<!doctype html><html lang="en"><head><title>Thanks from Acme</title></head><body><h1>Thanks from Acme</h1></body></html>');
    else {
      const ownStyle = url.searchParams.get('style') ? `<style>${url.searchParams.get('style')}</style>` : '';
      const look = url.searchParams.get('look') === 'none' ? ' data-lf-style="none"' : '';
      response.end(`<!doctype html><html lang="en"><head><title>Acme pricing</title>${ownStyle}</head><body><h1>Pricing</h1><script src="${stack.apiUrl}/f/${url.searchParams.get('form') ?? ''}/embed.js"${look}></script></body></html>`);
    }
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  siteOrigin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  browser = await workerBrowser();
  stack = await sharedStack();
  // The functions these tests drive start once here, within the hook's time, rather than inside the first test's.
  await Promise.all([fetch(`${stack.apiUrl}/f/warm-up`), admin('GET', '/v1/admin/forms?limit=1'), admin('GET', '/v1/admin/leads/00000000-0000-4000-8000-000000000000')]);
});

afterAll(async () => {
  await new Promise((resolve) => (site ? site.close(resolve) : resolve(undefined)));
  if (folder) await rm(folder, { recursive: true, force: true });
});

/** Pushes a definition as a marketer does, from a YAML file; the form's id. */
async function pushForm(definition: FormDefinitionInput): Promise<string> {
  const formId = `demo-${randomUUID().slice(0, 8)}`;
  const file = join(folder, `${formId}.yaml`);
  await writeFile(file, stringify(definition));
  const pushed = await runCli(stack, folder, 'forms', 'push', file);
  expect(pushed.err).toBe('');
  expect(pushed.out).toBe(`form ${formId} version 1`);
  return formId;
}

/** The lead of an address, found the way a site would: a JSON submission to a form without a definition answers its id. */
async function leadOf(email: string) {
  const response = await post('/v1/forms/lookup/submissions', { email });
  expect(response.status).toBe(202);
  const { leadId } = (await response.json()) as { leadId: string };
  return (await getLead(leadId)) as Awaited<ReturnType<typeof getLead>> & { firstName?: string; company?: string; attributes?: Record<string, unknown> };
}

/** A person takes a moment to fill a form in: waits (with a deadline) until the form's minimum time has passed since it was shown. */
async function pastMinimumTime(shownAt: number, seconds: number) {
  await expect.poll(() => Date.now() - shownAt, { timeout: 5_000, interval: 100 }).toBeGreaterThanOrEqual(seconds * 1000);
}

/** A visitor fills in the embedded form's three required fields and sends it, once its minimum second since `shownAt` has passed. */
async function fillAndSend(page: Page, shownAt: number, fields: { readonly email: string; readonly firstName: string; readonly company: string }) {
  await page.getByLabel('Work email').fill(fields.email);
  await page.getByLabel('First name').fill(fields.firstName);
  await page.getByLabel('Company').fill(fields.company);
  await pastMinimumTime(shownAt, 1);
  await page.getByRole('button', { name: 'Send' }).click();
}

/** A new browser context, closed when the test ends, whatever its outcome, and a page in it. */
async function newPage(options: Parameters<Browser['newContext']>[0] = {}) {
  const context = await browser.newContext(options);
  onTestFinished(() => context.close());
  return context.newPage();
}

/** A form that the site embeds and that takes a post a second after it is shown. */
const embeddableForm = () => pushForm(demoForm({ allowedOrigins: [siteOrigin], spam: { minSecondsToSubmit: 1 } }));

describe.skipIf(!chromiumAvailable)('forms in a browser', () => {
  it('a plain HTML post from the hosted page, without JavaScript, lands on the thank-you page; UTF-8 names and extra fields intact', async () => {
    const formId = await pushForm(
      demoForm({ success: { kind: 'redirect', url: `${siteOrigin}/thanks` }, allowedOrigins: [siteOrigin], spam: { minSecondsToSubmit: 1 } }),
    );
    const listed = await runCli(stack, folder, 'forms', 'list');
    expect(listed.out).toContain(formId);

    const email = `ayu-${randomUUID()}@example.co.id`;
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${stack.apiUrl}/f/${formId}?utm_source=newsletter&utm_campaign=spring`);
    // The server signs the render time while serving the page: counting from after it has loaded never starts too early.
    const shownAt = Date.now();
    await page.getByLabel('Work email').fill(email);
    await page.getByLabel('First name').fill('Ayu Ṡari 渡辺');
    await page.getByLabel('Company').fill('Nusantara Data');
    await page.getByLabel('Plan').selectOption('pro');
    await page.getByLabel('Anything else?').fill('Call me after lunch');
    await page.getByRole('group', { name: 'What we may send you' }).getByLabel('Send me product updates.').check();
    await pastMinimumTime(shownAt, 1);
    await page.getByRole('button', { name: 'Send' }).click();
    await page.waitForURL(`${siteOrigin}/thanks`);
    expect(await page.title()).toBe('Thanks from Acme');
    await context.close();

    const lead = await leadOf(email);
    expect(lead).toMatchObject({ firstName: 'Ayu Ṡari 渡辺', company: 'Nusantara Data', attributes: { plan: 'pro', note: 'Call me after lunch' } });
    expect(lead.subscriptions).toEqual({ product_updates: 'opted_in' });
  });

  it('shows the thank-you message in Indonesian, and the form again with its errors when a field is left out', async () => {
    const formId = await pushForm(demoForm({ spam: { minSecondsToSubmit: 1 } }));
    const context = await browser.newContext({ javaScriptEnabled: false, locale: 'id-ID' });
    const page = await context.newPage();
    await page.goto(`${stack.apiUrl}/f/${formId}`);
    // The server signs the render time while serving the page: counting from after it has loaded never starts too early.
    const shownAt = Date.now();
    expect(await page.getAttribute('html', 'lang')).toBe('id');
    await page.getByLabel('Email kantor').fill(`dewi-${randomUUID()}@example.co.id`);
    await page.getByLabel('Nama depan').fill('Dewi');
    // Blanks pass the browser's own required check; the server must name the field all the same.
    await page.getByLabel('Perusahaan').fill('   ');
    await pastMinimumTime(shownAt, 1);
    await page.getByRole('button', { name: 'Kirim' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('Perusahaan: wajib diisi');
    expect(await page.getByLabel('Nama depan').inputValue()).toBe('Dewi');
    await page.getByLabel('Perusahaan').fill('Batik Digital');
    await page.getByRole('button', { name: 'Kirim' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toBe('Terima kasih, kami akan menghubungi Anda.');
    await context.close();
  });

  it("embeds the form in another site's page with one script tag; its post lands on the thank-you page", async () => {
    const formId = await pushForm(demoForm({ success: { kind: 'redirect', url: `${siteOrigin}/thanks` }, allowedOrigins: [siteOrigin], hidden: ['pageUrl', 'utm_source'], spam: { minSecondsToSubmit: 1 } }));
    const email = `embed-${randomUUID()}@example.com`;
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${siteOrigin}/pricing?form=${formId}&utm_source=partner`);
    // The server signs the render time while serving the page: counting from after it has loaded never starts too early.
    const shownAt = Date.now();
    expect(await page.locator('input[name="utm_source"]').inputValue()).toBe('partner');
    await fillAndSend(page, shownAt, { email, firstName: 'Budi', company: 'Acme' });
    await page.waitForURL(`${siteOrigin}/thanks`);
    await context.close();
    expect(await leadOf(email)).toMatchObject({ firstName: 'Budi' });
  });

  it("lays the embedded form out on a page with no styles for it, yields to the page's own rules, keeps the honeypot hidden under a policy with no inline styles, and leaves the look out when asked", async () => {
    const formId = await embeddableForm();
    const page = await newPage({ viewport: { width: 1280, height: 800 } });
    const refused: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/.test(message.text())) refused.push(message.text());
    });
    const boxOf = async (selector: string) => {
      const box = await page.locator(selector).first().boundingBox();
      if (!box) throw new Error(`${selector} has no box`);
      return box;
    };
    /** Where the page shows the form's parts: is the label above its box, and are the honeypot and the words for screen readers out of sight? */
    const shown = async (query: string) => {
      await page.goto(`${siteOrigin}/pricing?form=${formId}&${query}`);
      await page.getByLabel('Work email').waitFor();
      const [label, input, honeypot, forReaders] = await Promise.all([boxOf('label[for="lf-email"]'), boxOf('#lf-email'), boxOf('.lf-hp'), boxOf('.lf-visually-hidden')]);
      return { labelAbove: label.y + label.height <= input.y, honeypotOutOfSight: honeypot.x + honeypot.width <= 0, wordsForReadersHidden: forReaders.width <= 1 && forReaders.height <= 1 };
    };

    expect(await shown('')).toEqual({ labelAbove: true, honeypotOutOfSight: true, wordsForReadersHidden: true });
    expect(await shown(`style=${encodeURIComponent('.lf-field label{display:inline}.lf-form input{width:12rem}')}`)).toEqual({ labelAbove: false, honeypotOutOfSight: true, wordsForReadersHidden: true });
    expect(await shown('look=none')).toEqual({ labelAbove: false, honeypotOutOfSight: true, wordsForReadersHidden: true });
    expect(refused).toEqual([]);
    // The policy drops the markup's inline styles (the browser says so); the embed's stylesheet still applies.
    expect(await shown('csp=strict')).toEqual({ labelAbove: true, honeypotOutOfSight: true, wordsForReadersHidden: true });
    expect(refused.length).toBeGreaterThan(0);
  });

  it("sends the embedded form in place: errors beside their fields and listed above them, then the form's message where the form was, the visitor still on the site", async () => {
    const formId = await embeddableForm();
    const email = `in-place-${randomUUID()}@example.com`;
    const page = await newPage();
    const pricing = `${siteOrigin}/pricing?form=${formId}`;
    await page.goto(pricing);
    // Blanks pass the browser's own required check; the API names the field.
    await fillAndSend(page, Date.now(), { email, firstName: 'Sari', company: '   ' });
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('Company: is required');
    expect(await page.getByLabel('Company').getAttribute('aria-invalid')).toBe('true');
    const describedBy = await page.getByLabel('Company').getAttribute('aria-describedby');
    expect(await page.locator(`[id="${describedBy}"]`).textContent()).toBe('Error: is required');
    expect(page.url()).toBe(pricing);

    await page.getByLabel('Company').fill('Nusantara Data');
    await page.getByRole('button', { name: 'Send' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toBe('Thanks, we will be in touch.');
    expect(await page.locator('form.lf-form').count()).toBe(0);
    expect(page.url()).toBe(pricing);
    expect(await leadOf(email)).toMatchObject({ firstName: 'Sari', company: 'Nusantara Data' });
  });

  it('posts the embedded form plainly when the page gets no answer it may read (an API whose CORS leaves the site out), and the lead has the one submission', async () => {
    const formId = await embeddableForm();
    const email = `no-cors-${randomUUID()}@example.com`;
    const page = await newPage();
    // The script's send reaches the API, which stores the submission, but the page is given no answer:
    // as from a deployment whose CORS leaves this site out (the browser then hides the answer, and
    // fetch fails just so).
    let sentInPlace = 0;
    await page.route(`${stack.apiUrl}/v1/forms/**`, async (route) => {
      if (route.request().resourceType() !== 'fetch') return route.continue();
      sentInPlace += 1;
      expect((await route.fetch()).status()).toBe(202);
      return route.abort('failed');
    });
    await page.goto(`${siteOrigin}/pricing?form=${formId}`);
    await fillAndSend(page, Date.now(), { email, firstName: 'Budi', company: 'Acme' });
    await page.waitForURL(`${stack.apiUrl}/v1/forms/${formId}/submissions`);
    await expect.poll(() => page.getByRole('status').textContent()).toBe('Thanks, we will be in touch.');
    expect(sentInPlace).toBe(1);
    const lead = (await leadOf(email)) as { recentEvents?: { type: string; properties?: { formId?: string } }[] };
    // leadOf posts to a form of its own to learn the lead's id: only this form's submissions count.
    expect(lead.recentEvents?.filter((event) => event.type === 'form_submission' && event.properties?.formId === formId)).toHaveLength(1);
  });
});
