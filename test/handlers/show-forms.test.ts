import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { KeyRing } from '../../src/domain/consent/signed-token';
import { FormDefinition } from '../../src/domain/forms/definition';
import { demoForm } from '../fixtures/forms';
import { BROWSER_ACCEPT as BROWSER, context, httpEvent, setHandlerEnvironment } from './fixtures';

/** A form served as its hosted page and as its embed script, with the SDK mocked. */
setHandlerEnvironment();
const dynamo = mockClient(DynamoDBDocumentClient);
const secrets = mockClient(SecretsManagerClient);
const ring: KeyRing = { current: 'k1', keys: { k1: 'the-form-render-signing-key-32-bytes!' } };
let handler: (typeof import('../../functions/show-forms/handler'))['handler'];

beforeAll(async () => {
  secrets.on(GetSecretValueCommand, { SecretId: 'leadflow/signing-keys' }).resolves({ SecretString: JSON.stringify({ current: ring.current, ...ring.keys }) });
  ({ handler } = await import('../../functions/show-forms/handler'));
});

beforeEach(() => {
  dynamo.reset();
  dynamo.on(GetCommand).resolves({});
  dynamo.on(GetCommand, { Key: { pk: 'FORM#demo', sk: 'FORM' } }).resolves({ Item: { formId: 'demo', latestVersion: 2, updatedAt: '2026-11-30T00:00:00.000Z', definition: FormDefinition.parse(demoForm()) } });
});

const get = async (path: string, route: string, query: Record<string, string> = {}, headers: Record<string, string> = { accept: BROWSER }) =>
  (await handler({ ...httpEvent({ method: 'GET', path, route, pathParameters: { formId: 'demo' }, headers }), queryStringParameters: query }, context)) as APIGatewayProxyStructuredResultV2;

describe('the hosted page and the embed script', () => {
  it('serves the form as a page in the browser language, with UTM from the address in its hidden fields and a fresh render time', async () => {
    const response = await get('/f/demo', '/f/{formId}', { utm_source: 'newsletter', utm_campaign: '"><script>' }, { accept: BROWSER, 'accept-language': 'id-ID,id;q=0.9' });
    expect(response.statusCode).toBe(200);
    expect(response.headers?.['cache-control']).toBe('no-store');
    expect(response.headers?.['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(response.body).toContain('<title>Minta demo</title>');
    expect(response.body).toContain('name="utm_source" data-lf-hidden="utm_source" value="newsletter"');
    expect(response.body).toContain('value="&quot;&gt;&lt;script&gt;"');
    expect(response.body).toContain('name="pageUrl" data-lf-hidden="pageUrl">');
    const token = /name="renderToken" value="([^"]+)"/.exec(response.body ?? '')?.[1] ?? '';
    expect(token.startsWith('v1.k1.')).toBe(true);
  });

  it('answers an unknown form with a page saying so', async () => {
    dynamo.on(GetCommand, { Key: { pk: 'FORM#demo', sk: 'FORM' } }).resolves({});
    const response = await get('/f/demo', '/f/{formId}');
    expect(response.statusCode).toBe(404);
    expect(response.body).toContain('<title>Form not found</title>');
  });

  it('serves an embed script whose form posts to the submission route, made absolute from the script address, with a key of its own for its one submission', async () => {
    const response = await get('/f/demo/embed.js', '/f/{formId}/embed.js', {}, { accept: '*/*' });
    expect(response.statusCode).toBe(200);
    expect(response.headers?.['content-type']).toBe('text/javascript; charset=utf-8');
    expect(response.headers?.['cache-control']).toBe('no-store');
    expect(response.body).toContain('action=\\"/v1/forms/demo/submissions\\"');
    expect(response.body).toContain("new URL(form.getAttribute('action'), here.src).href");
    const keyOf = (body: string | undefined) => /name=\\"idempotencyKey\\" value=\\"([0-9a-f-]{36})\\"/.exec(body ?? '')?.[1];
    const again = await get('/f/demo/embed.js', '/f/{formId}/embed.js', {}, { accept: '*/*' });
    expect(keyOf(response.body)).toBeDefined();
    expect(keyOf(again.body)).toBeDefined();
    expect(keyOf(again.body)).not.toBe(keyOf(response.body));
  });
});
