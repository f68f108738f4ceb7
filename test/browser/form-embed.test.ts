import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { text } from 'node:stream/consumers';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { FormDefinition } from '../../src/domain/forms/definition';
import { embedScript, TRUSTED_TYPES_POLICY } from '../../src/domain/forms/embed';
import { submissionPath } from '../../src/domain/forms/pages';
import { demoForm } from '../fixtures/forms';
import { chromiumAvailable, workerBrowser } from './chromium';

/**
 * The embed script's send in place against an API that answers as told, on the site's own origin:
 * what the whole stack cannot show here, a form's CAPTCHA (its provider is on the internet; the
 * widget is a stand-in served in its place, rendering and resetting as Turnstile's script does).
 */

/**
 * Turnstile's script, as the embed uses it: loaded with `?render=explicit&onload=<name>` it calls
 * that global once loaded; `render(element, { sitekey })` puts a widget (an answer field) in the
 * element and gives its id; `reset(id)` gives that widget a new answer. It counts its loads, and each
 * widget's resets on its element. Loaded without `render=explicit` it would render every `.cf-turnstile`
 * itself: the stand-in refuses that, which the embed must not ask for.
 */
const TURNSTILE_STAND_IN = `
window.turnstileLoads = (window.turnstileLoads || 0) + 1;
var loadedBy = new URL(document.currentScript.src).searchParams;
if (loadedBy.get('render') !== 'explicit') throw new Error('the stand-in renders explicitly only');
var widgets = {};
window.turnstile = {
  render: function (element, options) {
    if (!options || options.sitekey !== element.getAttribute('data-sitekey')) throw new Error('render without the sitekey');
    var id = 'widget-' + (Object.keys(widgets).length + 1);
    widgets[id] = element;
    element.setAttribute('data-resets', '0');
    var answer = document.createElement('input');
    answer.type = 'hidden';
    answer.name = 'cf-turnstile-response';
    answer.value = id + '-answer-1';
    element.appendChild(answer);
    return id;
  },
  reset: function (id) {
    var element = widgets[id];
    var resets = Number(element.getAttribute('data-resets')) + 1;
    element.setAttribute('data-resets', String(resets));
    element.querySelector('[name="cf-turnstile-response"]').value = id + '-answer-' + (resets + 1);
  },
};
setTimeout(window[loadedBy.get('onload')]);`;

const captcha = { provider: 'turnstile', siteKey: '1x00000000000000000000AA', secretName: 'demo' } as const;
const definitions = {
  demo: FormDefinition.parse(demoForm({ spam: { minSecondsToSubmit: 0, captcha } })),
  // A second form a site puts on the same page: its footer's newsletter sign-up, with a field named as the demo form's.
  newsletter: FormDefinition.parse(
    demoForm({ title: { en: 'Newsletter', id: 'Buletin' }, fields: [{ name: 'email', type: 'email', label: { en: 'Your email', id: 'Email Anda' }, required: true }], consents: [], hidden: [], spam: { minSecondsToSubmit: 0, captcha } }),
  ),
};
/** The CAPTCHA answers the API was sent, in order; the first is refused as the provider would refuse a spent one. */
const answersSent: string[] = [];
let server: Server;
let origin: string;
let browser: Browser;

beforeAll(async () => {
  if (!chromiumAvailable) return;
  server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://site.invalid').pathname;
    const embedded = /^\/f\/(demo|newsletter)\/embed\.js$/.exec(path)?.[1] as keyof typeof definitions | undefined;
    if (embedded) {
      response.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-store' });
      response.end(embedScript({ formId: embedded, definition: definitions[embedded], lang: 'en', action: submissionPath(embedded), renderToken: 'rendered', embedded: true, idempotencyKey: `embed-key-${randomUUID()}` }));
    } else if (path === submissionPath('newsletter') && request.method === 'POST') {
      // Refuses every answer, so that the test sees which widget was reset.
      response.writeHead(400, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ message: 'Invalid request', issues: [{ field: 'email', message: 'is required' }, { field: 'cf-turnstile-response', message: 'must be completed' }] }));
    } else if (path === '/side-by-side') {
      // The demo form in the page and the newsletter form in its footer.
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end('<!doctype html><html lang="en"><head><title>Acme</title></head><body><main><h1>Demo</h1><script src="/f/demo/embed.js"></script></main><footer><script src="/f/newsletter/embed.js"></script></footer></body></html>');
    } else if (path === submissionPath('demo') && request.method === 'POST') {
      void text(request).then((body) => {
        const fields = new URLSearchParams(body);
        const answer = fields.get('cf-turnstile-response') ?? '';
        answersSent.push(answer);
        const refused = answersSent.length === 1;
        response.writeHead(refused ? 400 : 202, { 'content-type': 'application/json' });
        response.end(JSON.stringify(refused ? { message: 'Invalid request', issues: [{ field: 'cf-turnstile-response', message: 'must be completed: answer the challenge and send the form again' }] } : { status: 'accepted' }));
      });
    } else if (path === '/trusted-types') {
      // A site that enforces Trusted Types and allows the embed's policy by name, with the form twice.
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': `require-trusted-types-for 'script'; trusted-types ${TRUSTED_TYPES_POLICY}` });
      response.end('<!doctype html><html lang="en"><head><title>Acme</title></head><body><h1>Demo</h1><script src="/f/demo/embed.js"></script><script src="/f/demo/embed.js"></script></body></html>');
    } else {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end('<!doctype html><html lang="en"><head><title>Acme</title></head><body><h1>Demo</h1><script src="/f/demo/embed.js"></script></body></html>');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await workerBrowser();
});

afterAll(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
});

describe.skipIf(!chromiumAvailable)('the embed script with a CAPTCHA', () => {
  it('has the widget ask again when the API refuses its answer, and the next send carries the new one', async () => {
    const context = await browser.newContext();
    onTestFinished(() => context.close());
    await context.route('https://challenges.cloudflare.com/**', (route) => route.fulfill({ contentType: 'text/javascript', body: TURNSTILE_STAND_IN }));
    const page = await context.newPage();
    await page.goto(`${origin}/pricing`);
    await page.waitForFunction("document.querySelector('[name=\"cf-turnstile-response\"]') !== null");
    await page.getByLabel('Work email').fill('ayu@example.com');
    await page.getByLabel('First name').fill('Ayu');
    await page.getByLabel('Company').fill('Nusantara Data');
    await page.getByRole('button', { name: 'Send' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('cf-turnstile-response: must be completed');
    expect(await page.locator('.cf-turnstile').getAttribute('data-resets')).toBe('1');

    await page.getByRole('button', { name: 'Send' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toBe('Thanks, we will be in touch.');
    expect(answersSent).toEqual(['widget-1-answer-1', 'widget-1-answer-2']);
  });

  it('works on a site that enforces Trusted Types and allows its policy by name, twice on one page', async () => {
    const context = await browser.newContext();
    onTestFinished(() => context.close());
    await context.route('https://challenges.cloudflare.com/**', (route) => route.fulfill({ contentType: 'text/javascript', body: TURNSTILE_STAND_IN }));
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await page.goto(`${origin}/trusted-types`);
    await expect.poll(() => page.locator('form.lf-form').count()).toBe(2);
    // The widget's script went in through the policy too: its stand-in answered in each form.
    await expect.poll(() => page.locator('form.lf-form:has([name="cf-turnstile-response"])').count()).toBe(2);
    expect(errors).toEqual([]);
    // Each tag fetched the script (show-forms answers it with no-store, as this site does), so the two forms are two submissions, not one key's.
    const keys = await Promise.all((await page.locator('[name="idempotencyKey"]').all()).map((input) => input.getAttribute('value')));
    expect(new Set(keys).size).toBe(2);
  });

  it('keeps two forms on one page apart: ids of their own, the widget script loaded once, only the refused form\'s widget reset, a form added later rendered', async () => {
    const context = await browser.newContext();
    onTestFinished(() => context.close());
    await context.route('https://challenges.cloudflare.com/**', (route) => route.fulfill({ contentType: 'text/javascript', body: TURNSTILE_STAND_IN }));
    const page = await context.newPage();
    await page.goto(`${origin}/side-by-side`);
    await expect.poll(() => page.locator('form.lf-form:has([name="cf-turnstile-response"])').count()).toBe(2);
    expect(await page.evaluate('window.turnstileLoads')).toBe(1);
    /** Ids used more than once, and labels or error links leading out of their own form. */
    const crossings = () =>
      page.evaluate(`(() => {
        const ids = [...document.querySelectorAll('[id]')].map((node) => node.id);
        const ownForm = (node, other) => other !== null && other.closest('form') === node.closest('form');
        return {
          sharedIds: ids.filter((id, index) => ids.indexOf(id) !== index),
          labels: [...document.querySelectorAll('label[for]')].filter((label) => !ownForm(label, label.control)).length,
          links: [...document.querySelectorAll('.lf-errors a')].filter((link) => !ownForm(link, document.querySelector(link.getAttribute('href')))).length,
          summaries: [...document.querySelectorAll('.lf-errors')].filter((summary) => !ownForm(summary, document.getElementById(summary.getAttribute('aria-labelledby')))).length,
        };
      })()`);
    expect(await crossings()).toEqual({ sharedIds: [], labels: 0, links: 0, summaries: 0 });
    // Each form's email field is its own: the label of the second leads to the second.
    await page.getByLabel('Your email').fill('ayu@example.com');
    expect(await page.locator('footer input[type=email]').inputValue()).toBe('ayu@example.com');
    expect(await page.locator('main input[type=email]').inputValue()).toBe('');

    // The API refuses the newsletter form's email and answer: the errors are shown in that form, beside its field, and only its widget asks again.
    await page.locator('footer').getByRole('button', { name: 'Send' }).click();
    await expect.poll(() => page.locator('footer .lf-errors li').count()).toBe(2);
    expect(await page.locator('footer #lf-email-2').getAttribute('aria-describedby')).toBe('lf-email-2-error');
    expect(await page.locator('main .lf-errors').count()).toBe(0);
    expect(await page.locator('footer .cf-turnstile').getAttribute('data-resets')).toBe('1');
    expect(await page.locator('main .cf-turnstile').getAttribute('data-resets')).toBe('0');
    expect(await crossings()).toEqual({ sharedIds: [], labels: 0, links: 0, summaries: 0 });

    // A form a page adds once the widget's script has run (a dialog, a single-page app's view) gets its widget too.
    await page.evaluate("document.body.appendChild(Object.assign(document.createElement('script'), { src: '/f/newsletter/embed.js' }))");
    await expect.poll(() => page.locator('form.lf-form:has([name="cf-turnstile-response"])').count()).toBe(3);
    expect(await page.evaluate('window.turnstileLoads')).toBe(1);
    expect(await crossings()).toEqual({ sharedIds: [], labels: 0, links: 0, summaries: 0 });
  });
});
