import { randomUUID } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack';
import { signToken } from '../../src/domain/consent/signed-token';
import { eventually, stackClient } from '../integration/helpers';
import { sharedStack } from '../integration/shared-stack';
import { chromiumAvailable, workerBrowser } from './chromium';

/**
 * The preference centre and unsubscribe page driven in headless Chromium (Debian's package, through
 * playwright-core), against the whole local stack, checking what was stored.
 */

let stack: LocalStack;
let browser: Browser;
const { post, getLead, mails } = stackClient(() => stack);

beforeAll(async () => {
  if (!chromiumAvailable) return;
  browser = await workerBrowser();
  stack = await sharedStack();
});

async function subscriber(consent: string[]) {
  const submitted = await post('/v1/forms/newsletter/submissions', { email: `reader-${randomUUID()}@example.com`, firstName: 'Reader', consent });
  expect(submitted.status).toBe(202);
  return ((await submitted.json()) as { leadId: string }).leadId;
}

describe.skipIf(!chromiumAvailable)('subscriber pages in a browser', () => {
  it('changes preferences in the preference centre, in Indonesian, without JavaScript', async () => {
    const leadId = await subscriber(['newsletter', 'events']);
    const token = signToken(stack.signingKeys, 'preferences', { leadId });
    const context = await browser.newContext({ javaScriptEnabled: false, locale: 'id-ID' });
    const page = await context.newPage();
    await page.goto(`${stack.apiUrl}/v1/preferences?token=${encodeURIComponent(token)}`);
    expect(await page.getAttribute('html', 'lang')).toBe('id');
    await page.getByRole('group', { name: 'Buletin' }).getByLabel('Jangan kirimkan ini').check();
    await page.getByRole('group', { name: 'Penawaran' }).getByLabel('Kirimkan ini kepada saya').check();
    await page.getByRole('button', { name: 'Simpan preferensi saya' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toBe('Preferensi Anda telah disimpan.');
    await context.close();

    const lead = await getLead(leadId);
    expect(lead.subscriptions).toEqual({ newsletter: 'opted_out', events: 'opted_in', offers: 'opted_in' });
  });

  it('leaves everything from the unsubscribe page; opening the link alone changed nothing', async () => {
    const leadId = await subscriber(['newsletter', 'product_updates']);
    const token = signToken(stack.signingKeys, 'unsubscribe', { leadId });
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${stack.apiUrl}/v1/unsubscribe?token=${encodeURIComponent(token)}`);
    expect((await getLead(leadId)).subscriptions).toEqual({ newsletter: 'pending', product_updates: 'opted_in' });
    await page.getByRole('button', { name: 'Unsubscribe' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('You are unsubscribed');
    await context.close();
    expect((await getLead(leadId)).subscriptions).toEqual({ newsletter: 'opted_out', product_updates: 'opted_out' });
  });

  it('confirms a double opt-in from the link in the email; the subscription was pending until then', async () => {
    const email = `confirm-${randomUUID()}@example.com`;
    const submitted = await post('/v1/forms/newsletter/submissions', { email, firstName: 'Dewi', consent: ['newsletter', 'events'] });
    const { leadId } = (await submitted.json()) as { leadId: string };
    expect((await getLead(leadId)).subscriptions).toEqual({ newsletter: 'pending', events: 'opted_in' });
    const confirmation = await eventually(async () => (await mails()).find((mail) => mail.destination.to.includes(email)));
    const link = /https?:\/\/\S+\/v1\/subscriptions\/confirm\?token=\S+/.exec(confirmation.body.text ?? '')?.[0];
    expect(link).toBeDefined();

    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(link ?? '');
    expect((await getLead(leadId)).subscriptions?.newsletter).toBe('pending');
    await page.getByRole('button', { name: 'Confirm' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toBe('Thank you: you will receive newsletter.');
    await context.close();
    expect((await getLead(leadId)).subscriptions).toEqual({ newsletter: 'opted_in', events: 'opted_in' });
  });

  it('takes the one-click POST a mailbox provider sends, as multipart too, and answers a repeat the same', async () => {
    const leadId = await subscriber(['events']);
    const url = `${stack.apiUrl}/v1/unsubscribe?token=${encodeURIComponent(signToken(stack.signingKeys, 'unsubscribe', { leadId, subscription: 'events' }))}`;
    const form = new FormData();
    form.set('List-Unsubscribe', 'One-Click');
    expect((await fetch(url, { method: 'POST', body: form })).status).toBe(200);
    expect((await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' })).status).toBe(200);
    expect((await getLead(leadId)).subscriptions).toEqual({ events: 'opted_out' });
    expect((await fetch(url.replace(/.{4}$/, 'AAAA'), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' })).status).toBe(400);
  });
});
