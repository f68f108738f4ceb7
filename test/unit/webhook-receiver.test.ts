import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { busEnvelope, context, httpEvent, setHandlerEnvironment, sqsEvent } from '../handlers/fixtures';
import { TableFake } from '../handlers/table-fake';

/**
 * A receiver written from the README alone: the verification snippet of its "Webhooks" section is
 * read from README.md and run as a CRM would run it, with the secret manage-webhooks showed at
 * registration, against deliveries made by deliver-webhooks. Nothing here imports leadflow's signing
 * code, so a change to the signature that the README does not follow fails this test.
 */
type Verify = (headers: Record<string, string>, rawBody: string, secret: string, nowMs?: number) => boolean;

function readmeVerifier(): Verify {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('### Webhooks'));
  const snippet = /```js\n([\s\S]*?)```/.exec(section)?.[1];
  if (!snippet) throw new Error('README has no js snippet in its Webhooks section');
  // The snippet is an ES module importing node:crypto; run it as a function body with those imports given.
  const body = snippet.replace(/^import .*$/m, '').replace(/^export /m, '');
  return new Function('createHmac', 'timingSafeEqual', 'Buffer', `${body}\nreturn verifyLeadflowWebhook;`)(createHmac, timingSafeEqual, Buffer) as Verify;
}

setHandlerEnvironment();
const dynamo = mockClient(DynamoDBDocumentClient);
const secrets = mockClient(SecretsManagerClient);
let SECRET = '';
let webhookId = '';
const received: { headers: Record<string, string>; body: string }[] = [];
let manageWebhooks: ReturnType<(typeof import('../../functions/manage-webhooks/handler'))['manageWebhooks']>;
let deliverWebhooks: ReturnType<(typeof import('../../functions/deliver-webhooks/handler'))['deliverWebhooksOver']>;

/** A qualification delivered to the receiver, as leadflow posts it. */
async function deliver(qualification: number) {
  const detail = { version: 1, correlationId: 'c', leadId: 'lead-1', rulesetVersion: 'starter-1', qualification, fit: 60, engagement: 45, score: 105, grade: 'A', qualifiedAt: '2026-11-22T10:00:00.000Z', topContributors: [] };
  const result = await deliverWebhooks(sqsEvent([busEnvelope('lead.qualified', detail)]), context);
  expect(result.batchItemFailures).toEqual([]);
  return received.at(-1) as { headers: Record<string, string>; body: string };
}

/** The admin API answer, parsed. */
async function admin(method: string, path: string, body: unknown, route = path, pathParameters?: Record<string, string>) {
  const response = await manageWebhooks(
    httpEvent({ method, path, route, ...(pathParameters ? { pathParameters } : {}), body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    context,
  );
  return { status: response.statusCode, body: JSON.parse(response.body ?? '{}') as { id: string; secret: string } };
}

beforeAll(async () => {
  const table = new TableFake();
  table.attach(dynamo);
  secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ current: 'k1', k1: 'a-signing-key-of-at-least-32-bytes-0001' }) });
  // The CRM's host name resolves to a public address; what is posted there is what the receiver gets.
  const resolver = { resolve: async () => ['93.184.216.34'] };
  manageWebhooks = (await import('../../functions/manage-webhooks/handler')).manageWebhooks(resolver);
  deliverWebhooks = (await import('../../functions/deliver-webhooks/handler')).deliverWebhooksOver({
    resolver,
    connector: {
      post: async (request) => {
        received.push({ headers: Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name.toLowerCase(), value])), body: request.body });
        return 200;
      },
    },
  });
  const registered = await admin('POST', '/v1/admin/webhooks', { url: 'https://crm.example.com/in', eventTypes: ['lead.qualified'] });
  expect(registered.status).toBe(201);
  ({ secret: SECRET, id: webhookId } = registered.body);
  await deliver(1);
});

afterAll(() => {
  dynamo.restore();
  secrets.restore();
});

describe('a webhook receiver written from the README', () => {
  const verify = readmeVerifier();
  const delivery = () => {
    const first = received[0];
    if (!first) throw new Error('nothing was delivered');
    return first;
  };

  it('accepts a delivery signed by leadflow with its secret', () => {
    expect(received).toHaveLength(1);
    const { headers, body } = delivery();
    expect(verify(headers, body, SECRET)).toBe(true);
    expect(JSON.parse(body)).toMatchObject({ id: headers['leadflow-event-id'], type: headers['leadflow-event-type'], data: { leadId: 'lead-1' } });
  });

  it('refuses a changed body, a changed timestamp and another secret', () => {
    const { headers, body } = delivery();
    expect(verify(headers, body.replace('lead-1', 'lead-2'), SECRET)).toBe(false);
    expect(verify({ ...headers, 'leadflow-timestamp': String(Number(headers['leadflow-timestamp']) - 1) }, body, SECRET)).toBe(false);
    expect(verify(headers, body, 'whsec_someone-else')).toBe(false);
    expect(verify({ ...headers, 'leadflow-signature': '' }, body, SECRET)).toBe(false);
  });

  it('refuses a replay more than 5 minutes after it was signed', () => {
    const { headers, body } = delivery();
    const signedAtMs = Number(headers['leadflow-timestamp']) * 1000;
    expect(verify(headers, body, SECRET, signedAtMs + 4 * 60_000)).toBe(true);
    expect(verify(headers, body, SECRET, signedAtMs + 6 * 60_000)).toBe(false);
  });

  it('accepts deliveries under the old and the new secret while a rotation overlaps, and only the new one after', async () => {
    const rotate = (overlapHours: number) =>
      admin('POST', `/v1/admin/webhooks/${webhookId}/secret`, { overlapHours }, '/v1/admin/webhooks/{webhookId}/secret', { webhookId });
    const rotated = await rotate(24);
    expect(rotated.status).toBe(200);
    const during = await deliver(2);
    expect(verify(during.headers, during.body, SECRET)).toBe(true);
    expect(verify(during.headers, during.body, rotated.body.secret)).toBe(true);
    expect(verify(during.headers, during.body, 'whsec_someone-else')).toBe(false);

    const cut = await rotate(0);
    const after = await deliver(3);
    expect(verify(after.headers, after.body, cut.body.secret)).toBe(true);
    expect(verify(after.headers, after.body, rotated.body.secret)).toBe(false);
    expect(verify(after.headers, after.body, SECRET)).toBe(false);
  });
});
