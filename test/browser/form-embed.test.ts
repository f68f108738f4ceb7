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
 * widget is a stand-in served in its place, with Turnstile's `reset`).
 */

const TURNSTILE_STAND_IN = `
window.turnstile = {
  resets: 0,
  reset: function () {
    this.resets += 1;
    document.querySelector('[name="cf-turnstile-response"]').value = 'answer-' + (this.resets + 1);
  },
};
document.querySelectorAll('.cf-turnstile').forEach(function (widget) {
  var answer = document.createElement('input');
  answer.type = 'hidden';
  answer.name = 'cf-turnstile-response';
  answer.value = 'answer-1';
  widget.appendChild(answer);
});`;

const definition = FormDefinition.parse(demoForm({ spam: { minSecondsToSubmit: 0, captcha: { provider: 'turnstile', siteKey: '1x00000000000000000000AA', secretName: 'demo' } } }));
/** The CAPTCHA answers the API was sent, in order; the first is refused as the provider would refuse a spent one. */
const answersSent: string[] = [];
let server: Server;
let origin: string;
let browser: Browser;

beforeAll(async () => {
  if (!chromiumAvailable) return;
  server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://site.invalid').pathname;
    if (path === '/f/demo/embed.js') {
      response.writeHead(200, { 'content-type': 'text/javascript' });
      response.end(embedScript({ formId: 'demo', definition, lang: 'en', action: submissionPath('demo'), renderToken: 'rendered', embedded: true, idempotencyKey: 'embed-key' }));
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
    expect(await page.evaluate('window.turnstile.resets')).toBe(1);

    await page.getByRole('button', { name: 'Send' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toBe('Thanks, we will be in touch.');
    expect(answersSent).toEqual(['answer-1', 'answer-2']);
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
  });
});
