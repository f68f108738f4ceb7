import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { KeyRing } from '../../src/domain/consent/signed-token';
import { FormDefinition, type FormDefinitionInput } from '../../src/domain/forms/definition';
import { signRenderToken } from '../../src/domain/forms/render-token';
import { demoForm } from '../fixtures/forms';
import { BROWSER_ACCEPT as BROWSER, context, httpEvent, setHandlerEnvironment } from './fixtures';

/**
 * Submissions to a form with a stored definition, with the SDK mocked and a local stand-in for the
 * CAPTCHA provider's siteverify endpoint. test/handlers/show-forms.test.ts serves the form.
 */
setHandlerEnvironment();
const dynamo = mockClient(DynamoDBDocumentClient);
const bus = mockClient(EventBridgeClient);
const secrets = mockClient(SecretsManagerClient);
const ring: KeyRing = { current: 'k1', keys: { k1: 'the-form-render-signing-key-32-bytes!' } };
const CAPTCHA_SECRET = 'turnstile-secret-of-the-demo-form';

/** What the stand-in provider was asked, and whether it says yes. */
const captcha = { requests: [] as URLSearchParams[], verdict: true };
let provider: Server;
let handler: (typeof import('../../functions/capture-form/handler'))['handler'];

beforeAll(async () => {
  provider = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => {
      captcha.requests.push(new URLSearchParams(body));
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ success: captcha.verdict, 'error-codes': captcha.verdict ? [] : ['invalid-input-response'] }));
    });
  });
  await new Promise<void>((resolve) => provider.listen(0, '127.0.0.1', resolve));
  process.env.TURNSTILE_VERIFY_URL = `http://127.0.0.1:${(provider.address() as AddressInfo).port}/siteverify`;
  secrets.on(GetSecretValueCommand, { SecretId: 'leadflow/signing-keys' }).resolves({ SecretString: JSON.stringify({ current: ring.current, ...ring.keys }) });
  secrets.on(GetSecretValueCommand, { SecretId: 'leadflow/form-captcha' }).resolves({ SecretString: JSON.stringify({ demo: CAPTCHA_SECRET }) });
  ({ handler } = await import('../../functions/capture-form/handler'));
});

afterAll(async () => {
  await new Promise((resolve) => provider?.close(resolve));
});

let stored: FormDefinitionInput;
beforeEach(() => {
  dynamo.reset();
  bus.reset();
  captcha.requests = [];
  captcha.verdict = true;
  stored = demoForm();
  dynamo.on(GetCommand).resolves({});
  dynamo.on(GetCommand, { Key: { pk: 'FORM#demo', sk: 'FORM' } }).callsFake(() => ({ Item: { formId: 'demo', latestVersion: 2, updatedAt: '2026-11-30T00:00:00.000Z', definition: FormDefinition.parse(stored) } }));
  dynamo.on(TransactWriteCommand).resolves({});
  bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
});

const rendered = (secondsAgo = 10) => signRenderToken(ring, 'demo', Date.now() - secondsAgo * 1000);
const form = (fields: Record<string, string | string[]>) => {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) for (const one of [value].flat()) body.append(name, one);
  return body.toString();
};
const post = async (body: string, headers: Record<string, string> = {}) =>
  (await handler(
    httpEvent({
      path: '/v1/forms/demo/submissions',
      route: '/v1/forms/{formId}/submissions',
      pathParameters: { formId: 'demo' },
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: BROWSER, ...headers },
      body,
    }),
    context,
  )) as APIGatewayProxyStructuredResultV2;
const storedItems = () => (dynamo.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? []).map((item) => item.Put?.Item ?? {});
const valid = { email: 'ayu@example.co.id', firstName: 'Ayu Ṡari 渡辺', company: 'Nusantara Data' };

describe('a plain HTML post to a form with a definition', () => {
  it('lands a browser on the thank-you page in its language, with UTF-8 names intact and the form version recorded', async () => {
    const response = await post(form({ ...valid, lang: 'id', renderToken: rendered() }));
    expect(response.statusCode).toBe(200);
    expect(response.headers?.['content-type']).toBe('text/html; charset=utf-8');
    expect(response.body).toContain('<p role="status">Terima kasih, kami akan menghubungi Anda.</p>');
    expect(response.body).not.toMatch(/leadId|sub_/);
    const lead = storedItems().find((item) => item.entity === 'lead');
    expect(lead).toMatchObject({ firstName: 'Ayu Ṡari 渡辺', company: 'Nusantara Data' });
    expect(storedItems().find((item) => item.entity === 'event')?.properties).toEqual({ formId: 'demo', formVersion: 2 });
  });

  it('answers a browser with a 303 to the thank-you URL when the form redirects; JSON callers still get JSON', async () => {
    stored = demoForm({ success: { kind: 'redirect', url: 'https://www.example.com/thanks' }, allowedOrigins: ['https://www.example.com'] });
    const browser = await post(form({ ...valid, renderToken: rendered() }));
    expect(browser.statusCode).toBe(303);
    expect(browser.headers?.location).toBe('https://www.example.com/thanks');
    const api = await post(JSON.stringify({ ...valid, renderToken: rendered() }), { 'content-type': 'application/json', accept: 'application/json' });
    expect(api.statusCode).toBe(202);
    expect(JSON.parse(api.body ?? '{}')).toMatchObject({ status: 'accepted', leadId: expect.any(String) });
  });

  it('keeps gclid and message as attributes instead of refusing the lead, when the form keeps unknown fields', async () => {
    const response = await post(form({ ...valid, gclid: 'Cj0KCQiA', message: 'Please call\r\nafter lunch', 'attributes.plan': 'pro', renderToken: rendered() }));
    expect(response.statusCode).toBe(200);
    expect(storedItems().find((item) => item.entity === 'lead')?.attributes).toEqual({ gclid: 'Cj0KCQiA', message: 'Please call after lunch', plan: 'pro' });
  });

  it('ignores them when the form says ignore, and still stores the lead', async () => {
    stored = demoForm({ unknownFields: 'ignore' });
    const response = await post(form({ ...valid, gclid: 'Cj0KCQiA', renderToken: rendered() }));
    expect(response.statusCode).toBe(200);
    expect(storedItems().find((item) => item.entity === 'lead')?.attributes ?? {}).toEqual({});
    expect(storedItems().find((item) => item.entity === 'lead')).toMatchObject({ email: 'ayu@example.co.id' });
  });

  it('records the consent text the form showed, in the language it was shown', async () => {
    await post(form({ ...valid, lang: 'id', consent: ['product_updates', 'offers'], consentText: 'forged', renderToken: rendered() }));
    const consents = storedItems().filter((item) => item.entity === 'consent');
    expect(consents.map((item) => [item.subscription, item.consentText])).toEqual([['product_updates', 'Kirimi saya pembaruan produk.']]);
  });

  it('shows the form again with each error beside its field, the values kept, and nothing stored', async () => {
    const response = await post(form({ email: 'not-an-address', firstName: 'Ayu', company: '', renderToken: rendered() }));
    expect(response.statusCode).toBe(400);
    expect(response.headers?.['content-type']).toBe('text/html; charset=utf-8');
    expect(response.body).toContain('<li><a href="#lf-company">Company: is required</a></li>');
    expect(response.body).toMatch(/<li><a href="#lf-email">Work email: [^<]+<\/a><\/li>/);
    expect(response.body).toContain('aria-describedby="lf-company-error"');
    expect(response.body).toContain('value="Ayu"');
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('answers a JSON caller the same errors as a 400 naming each field', async () => {
    const response = await post(JSON.stringify({ email: 'ayu@example.co.id', renderToken: rendered() }), { 'content-type': 'application/json', accept: 'application/json' });
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body ?? '{}').issues.map((issue: { field: string }) => issue.field)).toEqual(['firstName', 'company']);
  });

  it.each([
    ['too fast', () => rendered(1)],
    ['with a token of another form', () => signRenderToken(ring, 'other', Date.now() - 60_000)],
    ['with a forged token', () => signRenderToken({ current: 'k1', keys: { k1: 'someone-else-s-key-of-thirty-two-b!' } }, 'demo', Date.now() - 60_000)],
  ])('treats a post %s like the honeypot: the thank-you page, nothing stored', async (_, token) => {
    const response = await post(form({ ...valid, renderToken: token() }));
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('Thanks, we will be in touch.');
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(0);
    expect(bus.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it("stores a post that carries no render time (a site's own HTML for the form, an API client): a definition never loses its leads", async () => {
    const response = await post(form(valid));
    expect(response.statusCode).toBe(200);
    expect(storedItems().some((item) => item.entity === 'lead')).toBe(true);
  });
});

describe('a form with a CAPTCHA', () => {
  beforeEach(() => {
    stored = demoForm({ spam: { minSecondsToSubmit: 3, captcha: { provider: 'turnstile', siteKey: '0x4AAAAAAADemo', secretName: 'demo' } } });
  });

  it("verifies the widget's answer server-side with the form's secret and the visitor's address, then stores the lead", async () => {
    const response = await post(form({ ...valid, renderToken: rendered(), 'cf-turnstile-response': 'answer-from-widget' }));
    expect(response.statusCode).toBe(200);
    expect(captcha.requests.map((request) => Object.fromEntries(request))).toEqual([{ secret: CAPTCHA_SECRET, response: 'answer-from-widget', remoteip: '203.0.113.9' }]);
    expect(storedItems().some((item) => item.entity === 'lead')).toBe(true);
  });

  it('refuses a failed or missing answer with a 400 naming the widget field, storing nothing', async () => {
    captcha.verdict = false;
    const failed = await post(JSON.stringify({ ...valid, renderToken: rendered(), 'cf-turnstile-response': 'wrong' }), { 'content-type': 'application/json', accept: 'application/json' });
    expect(failed.statusCode).toBe(400);
    expect(JSON.parse(failed.body ?? '{}').issues).toEqual([{ field: 'cf-turnstile-response', message: expect.stringContaining('must be completed') }]);
    const missing = await post(form({ ...valid, renderToken: rendered() }));
    expect(missing.statusCode).toBe(400);
    expect(missing.body).toContain('cf-turnstile-response');
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });
});

describe('a form with no definition', () => {
  const postPlain = async (accept: string, fields: Record<string, string>) =>
    (await handler(
      httpEvent({
        path: '/v1/forms/plain/submissions',
        route: '/v1/forms/{formId}/submissions',
        pathParameters: { formId: 'plain' },
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept },
        body: form(fields),
      }),
      context,
    )) as APIGatewayProxyStructuredResultV2;

  it('keeps the strict contract for API callers: an unknown field is a 400 naming it, nothing stored', async () => {
    const api = await postPlain('application/json', { email: 'ayu@example.co.id', gclid: 'x' });
    expect(api.statusCode).toBe(400);
    expect(JSON.parse(api.body ?? '{}').issues[0].message).toContain('gclid');
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it("lands a browser on a thank-you page, never on JSON, leaving out fields it does not know rather than the lead", async () => {
    const response = await postPlain(BROWSER, { email: 'ayu@example.co.id', firstName: 'Ayu', gclid: 'Cj0KCQiA', message: 'hello' });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('We have received your details.');
    expect(storedItems().find((item) => item.entity === 'lead')).toMatchObject({ email: 'ayu@example.co.id', firstName: 'Ayu' });
  });

  it('shows a browser a page naming the field at fault, not JSON', async () => {
    const response = await postPlain(BROWSER, { email: 'not an address' });
    expect(response.statusCode).toBe(400);
    expect(response.headers?.['content-type']).toBe('text/html; charset=utf-8');
    expect(response.body).toMatch(/<li><strong>email<\/strong>: [^<]+<\/li>/);
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });
});
