import { readFileSync } from 'node:fs';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { busEnvelope, context, httpEvent, setHandlerEnvironment, sqsEvent } from '../handlers/fixtures';
import { TableFake } from '../handlers/table-fake';

/**
 * A receiver written from the README alone: the verification snippet of its "Webhooks" section is
 * read from README.md and run as a CRM would run it, with the `standardwebhooks` library and the
 * secret manage-webhooks showed at registration, against deliveries made by deliver-webhooks.
 * Nothing here imports leadflow's signing code, so a signature the library does not accept, or a
 * README that does not say how to use it, fails this test.
 */
type Verify = (headers: Record<string, string>, rawBody: string, secret: string) => boolean;

function readmeVerifier(): Verify {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('### Webhooks'));
  const snippet = /```js\n([\s\S]*?)```/.exec(section)?.[1];
  if (!snippet) throw new Error('README has no js snippet in its Webhooks section');
  // The snippet is an ES module importing the library, reading the secret from the environment and
  // verifying `rawBody` with `headers`: run it as a function body with those given.
  const body = snippet.replace(/^import .*$/m, '');
  const run = new Function('Webhook', 'process', 'rawBody', 'headers', `${body}\nreturn event;`) as (...args: unknown[]) => unknown;
  return (headers, rawBody, secret) => {
    try {
      run(Webhook, { env: { LEADFLOW_WEBHOOK_SECRET: secret } }, rawBody, headers);
      return true;
    } catch {
      return false;
    }
  };
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

afterEach(() => {
  vi.useRealTimers();
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
    expect(SECRET).toMatch(/^whsec_/);
    expect(verify(headers, body, SECRET)).toBe(true);
    expect(JSON.parse(body)).toMatchObject({ id: headers['webhook-id'], type: headers['leadflow-event-type'], data: { leadId: 'lead-1' } });
  });

  it('refuses a changed body, a changed id or timestamp, and another secret', () => {
    const { headers, body } = delivery();
    const someoneElse = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    expect(verify(headers, body.replace('lead-1', 'lead-2'), SECRET)).toBe(false);
    expect(verify({ ...headers, 'webhook-timestamp': String(Number(headers['webhook-timestamp']) - 1) }, body, SECRET)).toBe(false);
    expect(verify({ ...headers, 'webhook-id': 'evt_other' }, body, SECRET)).toBe(false);
    expect(verify(headers, body, someoneElse)).toBe(false);
    expect(verify({ ...headers, 'webhook-signature': '' }, body, SECRET)).toBe(false);
  });

  it('refuses a replay more than 5 minutes after it was signed', () => {
    const { headers, body } = delivery();
    const signedAtMs = Number(headers['webhook-timestamp']) * 1000;
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(signedAtMs + 4 * 60_000);
    expect(verify(headers, body, SECRET)).toBe(true);
    vi.setSystemTime(signedAtMs + 6 * 60_000);
    expect(verify(headers, body, SECRET)).toBe(false);
  });

  it('accepts deliveries under the old and the new secret while a rotation overlaps, and only the new one after', async () => {
    const rotate = (overlapHours: number) =>
      admin('POST', `/v1/admin/webhooks/${webhookId}/secret`, { overlapHours }, '/v1/admin/webhooks/{webhookId}/secret', { webhookId });
    const rotated = await rotate(24);
    expect(rotated.status).toBe(200);
    const during = await deliver(2);
    expect(verify(during.headers, during.body, SECRET)).toBe(true);
    expect(verify(during.headers, during.body, rotated.body.secret)).toBe(true);
    expect(verify(during.headers, during.body, `whsec_${Buffer.alloc(32, 7).toString('base64')}`)).toBe(false);

    const cut = await rotate(0);
    const after = await deliver(3);
    expect(verify(after.headers, after.body, cut.body.secret)).toBe(true);
    expect(verify(after.headers, after.body, rotated.body.secret)).toBe(false);
    expect(verify(after.headers, after.body, SECRET)).toBe(false);
  });
});
