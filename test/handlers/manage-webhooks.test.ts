import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type { KeyRing } from '../../src/domain/consent/signed-token';
import { webhookSecret, type WebhookSecretRef } from '../../src/domain/handoff/webhooks';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { context, httpEvent, setHandlerEnvironment } from './fixtures';
import { TableFake } from './table-fake';

setHandlerEnvironment();
const dynamo = mockClient(DynamoDBDocumentClient);
const secrets = mockClient(SecretsManagerClient);
const ring: KeyRing = { current: 'k2', keys: { k1: 'an-older-key-that-still-verifies-0001', k2: 'the-current-signing-key-of-32-bytes!!' } };
let handler: ReturnType<(typeof import('../../functions/manage-webhooks/handler'))['manageWebhooks']>;
let table: TableFake;
/** What each host name resolves to; a name not here does not exist. */
const dns: Record<string, string[]> = {
  'crm.example.com': ['93.184.216.34'],
  'chat.example.com': ['203.0.114.7', '2606:4700:4700::1111'],
  'crm.internal.example.com': ['10.0.0.1'],
  'half.example.com': ['93.184.216.34', '169.254.169.254'],
};

beforeAll(async () => {
  const { manageWebhooks } = await import('../../functions/manage-webhooks/handler');
  handler = manageWebhooks({
    resolve: async (hostname) => {
      if (hostname === 'dns-down.example.com') throw Object.assign(new Error('getaddrinfo EAI_AGAIN dns-down.example.com'), { code: 'EAI_AGAIN' });
      const addresses = dns[hostname];
      if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
      return addresses;
    },
  });
});

beforeEach(() => {
  dynamo.reset();
  secrets.reset();
  secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ current: ring.current, ...ring.keys }) });
  table = new TableFake();
  table.attach(dynamo);
});

const call = async (method: 'GET' | 'POST' | 'DELETE', path = '/v1/admin/webhooks', body?: unknown, route?: string, pathParameters?: Record<string, string>) => {
  const result = await handler(
    httpEvent({ method, path, ...(route ? { route } : {}), ...(pathParameters ? { pathParameters } : {}), ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }) }),
    context,
  );
  return { statusCode: result.statusCode, body: result.body ? (JSON.parse(result.body) as Record<string, unknown>) : {} };
};

describe('manage-webhooks', () => {
  it('answers the list a page at a time: a limit from 1 to 200 and a cursor it gave, each refused by name otherwise', async () => {
    const list = async (query: Record<string, string>) => {
      const result = await handler({ ...httpEvent({ method: 'GET', path: '/v1/admin/webhooks' }), queryStringParameters: query }, context);
      return { statusCode: result.statusCode, body: JSON.parse(result.body ?? '{}') as Record<string, unknown> };
    };
    expect(await list({})).toEqual({ statusCode: 200, body: { items: [] } });
    for (const limit of ['0', '201', 'ten', '5.5', '']) {
      expect(await list({ limit }), limit).toEqual({ statusCode: 400, body: { message: 'Invalid request: limit must be a whole number from 1 to 200', issues: [{ field: 'limit', message: 'must be a whole number from 1 to 200' }] } });
    }
    const otherKind = Buffer.from(JSON.stringify({ pk: 'SEGMENT#s-1', sk: 'SEGMENT', gsi1pk: 'SEGMENTS', gsi1sk: '2026-11-30#s-1' })).toString('base64url');
    for (const cursor of ['garbled', otherKind, '']) {
      const refused = await list({ limit: '10', cursor });
      expect(refused.statusCode, cursor).toBe(400);
      expect(refused.body.issues).toEqual([{ field: 'cursor', message: 'is not a cursor this list gave: start again without it' }]);
    }
  });

  it('creates an endpoint and shows its secret once, as Standard Webhooks serialises it (whsec_ and 32 bytes of base64); the list never shows it', async () => {
    const created = await call('POST', undefined, { url: 'https://crm.example.com/in', eventTypes: ['lead.qualified', 'lead.assigned'] });
    expect(created.statusCode).toBe(201);
    expect(created.body).toMatchObject({ url: 'https://crm.example.com/in', eventTypes: ['lead.qualified', 'lead.assigned'], secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/) });
    const other = await call('POST', undefined, { url: 'https://chat.example.com/in', eventTypes: ['lead.assigned'] });
    expect(other.body.secret).not.toBe(created.body.secret);
    const listed = await call('GET');
    expect(listed.body.items).toEqual([expect.objectContaining({ id: created.body.id }), expect.objectContaining({ id: other.body.id })]);
    expect(JSON.stringify(listed.body)).not.toContain('whsec_');
  });

  it("lists endpoints for a journey's webhook step by id, host and event types: never the URL's path or query, nor a secret", async () => {
    const created = await call('POST', undefined, { url: 'https://crm.example.com/hooks/T0KEN-in-path?key=s3cret', eventTypes: ['lead.qualified'], description: 'CRM' });
    expect(created.statusCode).toBe(201);
    const choices = await call('GET', '/v1/admin/webhook-choices');
    expect(choices).toEqual({ statusCode: 200, body: { items: [{ id: created.body.id, host: 'crm.example.com', eventTypes: ['lead.qualified'], description: 'CRM' }] } });
    const refused = await handler({ ...httpEvent({ method: 'GET', path: '/v1/admin/webhook-choices' }), queryStringParameters: { limit: '0' } }, context);
    expect(JSON.parse(refused.body ?? '{}')).toMatchObject({ issues: [{ field: 'limit' }] });
  });

  it('stores no secret: the shown one derives from the current signing key and the stored key id and nonce', async () => {
    const created = await call('POST', undefined, { url: 'https://crm.example.com/in', eventTypes: ['lead.qualified'] });
    const stored = table.get({ pk: `WEBHOOK#${String(created.body.id)}`, sk: 'ENDPOINT' });
    const secretRef = stored?.secretRef as WebhookSecretRef;
    expect(secretRef).toEqual({ kid: 'k2', nonce: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/) });
    expect(created.body.secret).toBe(webhookSecret(ring, secretRef, String(created.body.id)));
    expect(JSON.stringify(stored)).not.toContain(String(created.body.secret));
    expect(JSON.stringify(stored)).not.toContain('whsec_');
  });

  it('refuses plain http, unknown event types and credentials in the URL, naming the field; stores nothing', async () => {
    const http = await call('POST', undefined, { url: 'http://crm.example.com/in', eventTypes: ['lead.qualified'] });
    expect(http).toMatchObject({ statusCode: 400, body: { issues: [{ field: 'url', message: 'must be https' }] } });
    const loopback = await call('POST', undefined, { url: 'http://127.0.0.1:8080/in', eventTypes: ['lead.qualified'] });
    expect(loopback.statusCode).toBe(400);
    const types = await call('POST', undefined, { url: 'https://crm.example.com/in', eventTypes: ['lead.created'] });
    expect(types).toMatchObject({ statusCode: 400, body: { issues: [expect.objectContaining({ field: 'eventTypes[0]' })] } });
    const credentials = await call('POST', undefined, { url: 'https://user:pw@crm.example.com/in', eventTypes: ['lead.qualified'] });
    expect(credentials).toMatchObject({ statusCode: 400, body: { issues: [expect.objectContaining({ field: 'url' })] } });
    expect(dynamo.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('refuses loopback, private and link-local targets, as literals and as names resolving to them, naming the field; stores nothing', async () => {
    for (const url of ['https://localhost/', 'https://127.0.0.1/', 'https://[::1]/', 'https://169.254.169.254/latest/meta-data/', 'https://crm.internal.example.com/in', 'https://half.example.com/in']) {
      const refused = await call('POST', undefined, { url, eventTypes: ['lead.qualified'] });
      expect(refused, url).toMatchObject({ statusCode: 400, body: { issues: [{ field: 'url', message: expect.stringMatching(/^must reach a public address; /) }] } });
    }
    const internal = await call('POST', undefined, { url: 'https://crm.internal.example.com/in', eventTypes: ['lead.qualified'] });
    expect(internal.body.issues).toEqual([{ field: 'url', message: 'must reach a public address; crm.internal.example.com resolves to 10.0.0.1 is not a public address (private)' }]);
    expect(dynamo.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('refuses a host name that does not resolve (400) and asks to retry when the resolver cannot answer (503)', async () => {
    const missing = await call('POST', undefined, { url: 'https://nowhere.example.com/in', eventTypes: ['lead.qualified'] });
    expect(missing).toMatchObject({ statusCode: 400, body: { issues: [{ field: 'url', message: 'must resolve to an address; nowhere.example.com does not' }] } });
    const down = await call('POST', undefined, { url: 'https://dns-down.example.com/in', eventTypes: ['lead.qualified'] });
    expect(down.statusCode).toBe(503);
    expect(dynamo.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('deletes an endpoint; deleting it again is a 404', async () => {
    const created = await call('POST', undefined, { url: 'https://crm.example.com/in', eventTypes: ['lead.qualified'] });
    const id = String(created.body.id);
    const route = '/v1/admin/webhooks/{webhookId}';
    expect((await call('DELETE', `/v1/admin/webhooks/${id}`, undefined, route, { webhookId: id })).statusCode).toBe(204);
    expect((await call('DELETE', `/v1/admin/webhooks/${id}`, undefined, route, { webhookId: id })).statusCode).toBe(404);
    expect((await call('GET')).body.items).toEqual([]);
    expect((await call('DELETE', '/v1/admin/webhooks/nope', undefined, route, { webhookId: 'nope' })).statusCode).toBe(400);
  });

  describe('secret rotation', () => {
    const rotate = (id: string, body: unknown = {}) => call('POST', `/v1/admin/webhooks/${id}/secret`, body, '/v1/admin/webhooks/{webhookId}/secret', { webhookId: id });

    it('shows a new secret once and keeps the old one signing for the overlap, 24 hours unless told', async () => {
      const created = await call('POST', undefined, { url: 'https://crm.example.com/in', eventTypes: ['lead.qualified'] });
      const id = String(created.body.id);
      const oldRef = table.get({ pk: `WEBHOOK#${id}`, sk: 'ENDPOINT' })?.secretRef as WebhookSecretRef;
      const before = Date.now();
      const rotated = await rotate(id);
      expect(rotated.statusCode).toBe(200);
      const stored = table.get({ pk: `WEBHOOK#${id}`, sk: 'ENDPOINT' });
      expect(rotated.body.secret).toBe(webhookSecret(ring, stored?.secretRef as WebhookSecretRef, id));
      expect(rotated.body.secret).not.toBe(created.body.secret);
      expect(stored?.previousSecretRef).toEqual({ ...oldRef, until: rotated.body.previousSecretUntil });
      const until = Date.parse(String(rotated.body.previousSecretUntil));
      expect(until - before).toBeGreaterThanOrEqual(24 * 3_600_000 - 1_000);
      expect(until - before).toBeLessThanOrEqual(24 * 3_600_000 + 5_000);
      expect((await call('GET')).body.items).toEqual([expect.objectContaining({ id, previousSecretUntil: rotated.body.previousSecretUntil })]);
      expect(JSON.stringify(stored)).not.toContain('whsec_');

      // Once the overlap is over, the list no longer says the old secret signs.
      table.put({ ...table.get({ pk: `WEBHOOK#${id}`, sk: 'ENDPOINT' }), previousSecretRef: { ...oldRef, until: new Date(Date.now() - 1_000).toISOString() } });
      expect(((await call('GET')).body.items as Record<string, unknown>[])[0]).not.toHaveProperty('previousSecretUntil');

      const cut = await rotate(id, { overlapHours: 0 });
      expect(cut.body.previousSecretUntil).toBeUndefined();
      expect(table.get({ pk: `WEBHOOK#${id}`, sk: 'ENDPOINT' })?.previousSecretRef).toBeUndefined();
    });

    it('lets one of two concurrent rotations win and tells the other with a 409, so no shown secret goes unused', async () => {
      const created = await call('POST', undefined, { url: 'https://crm.example.com/in', eventTypes: ['lead.qualified'] });
      const id = String(created.body.id);
      const results = await Promise.all([rotate(id), rotate(id)]);
      expect(results.map((result) => result.statusCode).sort()).toEqual([200, 409]);
      const winner = results.find((result) => result.statusCode === 200);
      expect(winner?.body.secret).toBe(webhookSecret(ring, table.get({ pk: `WEBHOOK#${id}`, sk: 'ENDPOINT' })?.secretRef as WebhookSecretRef, id));
    });

    it('refuses an overlap out of range naming the field, and an unknown webhook, changing nothing', async () => {
      const created = await call('POST', undefined, { url: 'https://crm.example.com/in', eventTypes: ['lead.qualified'] });
      const id = String(created.body.id);
      const stored = JSON.stringify(table.get({ pk: `WEBHOOK#${id}`, sk: 'ENDPOINT' }));
      expect(await rotate(id, { overlapHours: 500 })).toMatchObject({ statusCode: 400, body: { issues: [expect.objectContaining({ field: 'overlapHours' })] } });
      expect(await rotate(id, { overlapHours: 1.5 })).toMatchObject({ statusCode: 400, body: { issues: [expect.objectContaining({ field: 'overlapHours' })] } });
      expect(JSON.stringify(table.get({ pk: `WEBHOOK#${id}`, sk: 'ENDPOINT' }))).toBe(stored);
      expect((await rotate('0f1e2d3c-4b5a-4978-8796-a5b4c3d2e1f0')).statusCode).toBe(404);
    });
  });
});
