import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { signToken, type KeyRing } from '../../src/domain/consent/signed-token';
import { context, httpEvent, setHandlerEnvironment } from './fixtures';
import { answerLeadReadsFromGets } from './lead-reads';

setHandlerEnvironment();
process.env.SIGNING_KEYS_SECRET = 'leadflow/signing-keys';
const dynamo = mockClient(DynamoDBDocumentClient);
const secrets = mockClient(SecretsManagerClient);
let handler: (typeof import('../../functions/preference-centre/handler'))['handler'];

const ring: KeyRing = { current: 'k2', keys: { k1: 'an-older-key-that-still-verifies-0001', k2: 'the-current-signing-key-of-32-bytes!!' } };
const otherRing: KeyRing = { current: 'k2', keys: { k2: 'an-attacker-s-key-with-the-same-id!!!' } };
const lead = { pk: 'LEAD#lead-1', sk: 'PROFILE', id: 'lead-1', email: 'ada@example.com', subscriptions: { newsletter: 'opted_in', events: 'opted_in' }, version: 3 };

beforeAll(async () => {
  secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ current: ring.current, ...ring.keys }) });
  ({ handler } = await import('../../functions/preference-centre/handler'));
});

beforeEach(() => {
  dynamo.reset();
  dynamo.on(GetCommand).resolves({ Item: lead });
  dynamo.on(TransactWriteCommand).resolves({});
  // No catalogue saved: the seeded subscription types.
  dynamo.on(GetCommand, { Key: { pk: 'SUBSCRIPTION_TYPES', sk: 'CATALOGUE' } }).resolves({});
  answerLeadReadsFromGets(dynamo);
});

const call = async (request: Parameters<typeof httpEvent>[0], query: Record<string, string> = {}) => {
  const event: APIGatewayProxyEventV2 = { ...httpEvent(request), queryStringParameters: query };
  return (await handler(event, context)) as APIGatewayProxyStructuredResultV2;
};
const oneClick = (token: string, body: string, contentType: string) =>
  call({ method: 'POST', path: '/v1/unsubscribe', headers: { 'content-type': contentType }, body }, { token });
const writes = () => dynamo.commandCalls(TransactWriteCommand).map((write) => write.args[0].input.TransactItems ?? []);

describe('one-click unsubscribe (RFC 8058)', () => {
  const token = signToken(ring, 'unsubscribe', { leadId: 'lead-1', subscription: 'newsletter' });

  it('unsubscribes on the POST a mailbox provider sends: List-Unsubscribe=One-Click, urlencoded, no cookie', async () => {
    const response = await oneClick(token, 'List-Unsubscribe=One-Click', 'application/x-www-form-urlencoded');
    expect(response.statusCode).toBe(200);
    const [leadUpdate, record] = writes()[0] ?? [];
    expect(leadUpdate?.Update?.ExpressionAttributeValues).toMatchObject({ ':sub0': 'opted_out' });
    expect(leadUpdate?.Update?.ExpressionAttributeNames).toMatchObject({ '#sub0': 'newsletter' });
    expect(record?.Put?.Item).toMatchObject({ entity: 'consent', subscription: 'newsletter', status: 'opted_out', method: 'one_click_unsubscribe', ipAddress: '203.0.113.9' });
    expect(record?.Put?.ConditionExpression).toBe('attribute_not_exists(pk)');
  });

  it('accepts the same body as multipart/form-data', async () => {
    const body = '--b0undary\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--b0undary--\r\n';
    expect((await oneClick(token, body, 'multipart/form-data; boundary=b0undary')).statusCode).toBe(200);
    expect(writes()).toHaveLength(1);
  });

  it('is idempotent: a repeat answers the same and writes nothing', async () => {
    dynamo.on(GetCommand).resolves({ Item: { ...lead, subscriptions: { newsletter: 'opted_out', events: 'opted_in' } } });
    const response = await oneClick(token, 'List-Unsubscribe=One-Click', 'application/x-www-form-urlencoded');
    expect(response.statusCode).toBe(200);
    expect(writes()).toHaveLength(0);
  });

  it('changes nothing on GET (link scanners prefetch), and offers the button', async () => {
    const response = await call({ method: 'GET', path: '/v1/unsubscribe' }, { token });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('name="List-Unsubscribe" value="One-Click"');
    expect(writes()).toHaveLength(0);
  });

  it.each([
    ['a tampered token', `${token.slice(0, -2)}xx`],
    ['a token signed with a key it does not hold', signToken(otherRing, 'unsubscribe', { leadId: 'lead-1' })],
    ['a token for another purpose', signToken(ring, 'preferences', { leadId: 'lead-1' })],
    ['an expired token', signToken(ring, 'unsubscribe', { leadId: 'lead-1', expiresAt: 1_000 })],
    ['a token whose key id names an Object.prototype member', token.replace('v1.k2.', 'v1.constructor.')],
    ['a token whose key id is __proto__', token.replace('v1.k2.', 'v1.__proto__.')],
    ['no token', ''],
  ])('refuses %s with a 4xx page and no change', async (_name, bad) => {
    const response = await oneClick(bad, 'List-Unsubscribe=One-Click', 'application/x-www-form-urlencoded');
    expect(response.statusCode).toBe(400);
    expect(response.headers?.['content-type']).toContain('text/html');
    expect(writes()).toHaveLength(0);
  });

  it('refuses a POST without the one-click body', async () => {
    expect((await oneClick(token, 'something=else', 'application/x-www-form-urlencoded')).statusCode).toBe(400);
    expect(writes()).toHaveLength(0);
  });
});

describe('preference centre', () => {
  const token = signToken(ring, 'preferences', { leadId: 'lead-1' });

  it('shows each type with its status, without leaking the token to other sites', async () => {
    const response = await call({ method: 'GET', path: '/v1/preferences' }, { token, lang: 'id' });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('<html lang="id">');
    expect(response.headers).toMatchObject({ 'referrer-policy': 'no-referrer', 'cache-control': 'no-store' });
  });

  it('saves the radio choices with a consent record each', async () => {
    const body = new URLSearchParams({ token, lang: 'en', 'subscription.newsletter': 'opted_out', 'subscription.events': 'opted_in', 'subscription.offers': 'opted_in', action: 'save' }).toString();
    const response = await call({ method: 'POST', path: '/v1/preferences', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('Your preferences are saved.');
    const records = (writes()[0] ?? []).slice(1).map((item) => item.Put?.Item);
    expect(records).toEqual([
      expect.objectContaining({ subscription: 'newsletter', status: 'opted_out', method: 'preference_centre' }),
      expect.objectContaining({ subscription: 'offers', status: 'opted_in', method: 'preference_centre' }),
    ]);
  });

  it('verifies tokens signed with an older key after rotation', async () => {
    const old = signToken({ ...ring, current: 'k1' }, 'preferences', { leadId: 'lead-1' });
    expect((await call({ method: 'GET', path: '/v1/preferences' }, { token: old })).statusCode).toBe(200);
  });

  it('refuses a tampered token in the form with no change', async () => {
    const body = new URLSearchParams({ token: `${token}x`, action: 'leave' }).toString();
    const response = await call({ method: 'POST', path: '/v1/preferences', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    expect(response.statusCode).toBe(400);
    expect(writes()).toHaveLength(0);
  });
});

describe('double opt-in confirmation', () => {
  const confirmation = (expiresAt = Math.floor(Date.now() / 1000) + 3600) => signToken(ring, 'confirmation', { leadId: 'lead-1', subscription: 'offers', expiresAt });
  const confirm = (token: string) => call({ method: 'POST', path: '/v1/subscriptions/confirm' }, { token });

  it('confirms a pending subscription on POST, with a consent record', async () => {
    dynamo.on(GetCommand).resolves({ Item: { ...lead, subscriptions: { offers: 'pending' } } });
    const response = await confirm(confirmation());
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('Thank you: you will receive offers.');
    expect((writes()[0] ?? [])[1]?.Put?.Item).toMatchObject({ subscription: 'offers', status: 'opted_in', method: 'double_opt_in_confirmation' });
  });

  it('answers a second confirmation the same and writes nothing', async () => {
    dynamo.on(GetCommand).resolves({ Item: { ...lead, subscriptions: { offers: 'opted_in' } } });
    const response = await confirm(confirmation());
    expect(response.body).toContain('Thank you: you will receive offers.');
    expect(writes()).toHaveLength(0);
  });

  it('changes nothing on GET, and refuses an expired link', async () => {
    dynamo.on(GetCommand).resolves({ Item: { ...lead, subscriptions: { offers: 'pending' } } });
    expect((await call({ method: 'GET', path: '/v1/subscriptions/confirm' }, { token: confirmation() })).body).toContain('<button type="submit">Confirm</button>');
    expect((await confirm(confirmation(Math.floor(Date.now() / 1000) - 1))).statusCode).toBe(400);
    expect(writes()).toHaveLength(0);
  });
});

describe('a key rotation reaching a warm function', () => {
  const ringSecret = (keyRing: KeyRing) => ({ SecretString: JSON.stringify({ current: keyRing.current, ...keyRing.keys }) });
  const rotated: KeyRing = { current: 'k3', keys: { ...ring.keys, k3: 'a-key-the-rotation-added-of-32-bytes' } };
  const status = async (token: string) => (await call({ method: 'GET', path: '/v1/preferences' }, { token })).statusCode;

  afterEach(() => {
    vi.useRealTimers();
    secrets.on(GetSecretValueCommand).resolves(ringSecret(ring));
  });

  it('accepts links signed with a key added to the ring once the secrets time-to-live (300 s) has passed, and older links still', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    expect(await status(signToken(ring, 'preferences', { leadId: 'lead-1' }))).toBe(200);
    secrets.on(GetSecretValueCommand).resolves(ringSecret(rotated));
    const signedWithNewKey = signToken(rotated, 'preferences', { leadId: 'lead-1' });
    expect(signedWithNewKey.startsWith('v1.k3.')).toBe(true);
    // The ring read before the rotation serves until it is 300 s old: Secrets Manager is not asked on every request.
    expect(await status(signedWithNewKey)).toBe(400);
    vi.setSystemTime(Date.now() + 301_000);
    expect(await status(signedWithNewKey)).toBe(200);
    expect(await status(signToken({ ...ring, current: 'k1' }, 'preferences', { leadId: 'lead-1' }))).toBe(200);
    expect(await status(signToken(ring, 'preferences', { leadId: 'lead-1' }))).toBe(200);
  });
});
