import { createHmac } from 'node:crypto';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { Webhook } from 'standardwebhooks';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { context, httpEvent, setHandlerEnvironment } from './fixtures';
import { TableFake } from './table-fake';

setHandlerEnvironment();
const dynamo = mockClient(DynamoDBDocumentClient);
const bus = mockClient(EventBridgeClient);
const secrets = mockClient(SecretsManagerClient);
let table: TableFake;
let manage: (typeof import('../../functions/manage-chat-sources/handler'))['handler'];
let capture: (typeof import('../../functions/capture-chat/handler'))['handler'];

beforeAll(async () => {
  secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ current: 'k1', k1: 'a-signing-key-of-at-least-32-bytes-0001' }) });
  ({ handler: manage } = await import('../../functions/manage-chat-sources/handler'));
  ({ handler: capture } = await import('../../functions/capture-chat/handler'));
});

beforeEach(() => {
  dynamo.reset();
  table = new TableFake();
  table.attach(dynamo);
  bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
});

async function admin(method: string, path: string, body?: unknown, route = path, pathParameters?: Record<string, string>) {
  const response = await manage(
    httpEvent({ method, path, route, ...(pathParameters ? { pathParameters } : {}), headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) }),
    context,
  );
  return { status: response.statusCode, body: JSON.parse(response.body || '{}') as Record<string, unknown> & { secret?: string; items?: Record<string, unknown>[]; issues?: { field: string }[] } };
}
const rotate = (sourceId: string, body: unknown) => admin('POST', `/v1/admin/chat-sources/${sourceId}/secret`, body, '/v1/admin/chat-sources/{sourceId}/secret', { sourceId });

/** A tawk.to chat start as the tool would sign it with `secret`. */
async function tawkStart(secret: string) {
  const body = JSON.stringify({ event: 'chat:start', chatId: `chat-${Math.random()}`, time: new Date().toISOString(), message: { text: 'Hi', type: 'msg', sender: { type: 'visitor' } }, visitor: { name: 'V', email: '' } });
  const signature = createHmac('sha1', secret).update(body).digest('hex');
  const response = await capture(httpEvent({ path: '/v1/chat/tawk', route: '/v1/chat/{sourceId}', pathParameters: { sourceId: 'tawk' }, headers: { 'content-type': 'application/json', 'x-tawk-signature': signature }, body }), context);
  return response.statusCode;
}

describe('manage-chat-sources', () => {
  it("keeps a tool's secret sealed: never in the table in clear, never shown back, yet it verifies the tool's calls", async () => {
    const created = await admin('POST', '/v1/admin/chat-sources', { id: 'tawk', kind: 'tawkto', secret: 'tawk-secret-key-1' });
    expect(created).toMatchObject({ status: 201, body: { id: 'tawk', kind: 'tawkto', webhookPath: '/v1/chat/tawk' } });
    expect(created.body.secret).toBeUndefined();
    expect(JSON.stringify([...table.items.values()])).not.toContain('tawk-secret-key-1');
    expect(await tawkStart('tawk-secret-key-1')).toBe(202);
    expect(await tawkStart('another-secret')).toBe(401);
    const listed = await admin('GET', '/v1/admin/chat-sources');
    expect(listed.body.items).toEqual([{ id: 'tawk', kind: 'tawkto', createdAt: expect.any(String) }]);
  });

  it('makes a generic source a Standard Webhooks secret, shown once, that the stock library signs with', async () => {
    const created = await admin('POST', '/v1/admin/chat-sources', { id: 'site', kind: 'generic', mapping: { conversationId: 'conversation', messageText: 'text' } });
    expect(created.body.secret).toMatch(/^whsec_/);
    const body = JSON.stringify({ conversation: 'c-1', text: 'Hello' });
    const now = new Date();
    const headers = { 'content-type': 'application/json', 'webhook-id': 'msg_1', 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'webhook-signature': new Webhook(String(created.body.secret)).sign('msg_1', now, body) };
    const response = await capture(httpEvent({ path: '/v1/chat/site', route: '/v1/chat/{sourceId}', pathParameters: { sourceId: 'site' }, headers, body }), context);
    expect(response.statusCode).toBe(202);
  });

  it('refuses a taken id with 409 and a missing secret or a mapping on a tool with 400 naming the field', async () => {
    await admin('POST', '/v1/admin/chat-sources', { id: 'tawk', kind: 'tawkto', secret: 'tawk-secret-key-1' });
    expect(await admin('POST', '/v1/admin/chat-sources', { id: 'tawk', kind: 'tawkto', secret: 'tawk-secret-key-2' })).toMatchObject({ status: 409, body: { issues: [{ field: 'id' }] } });
    expect(await admin('POST', '/v1/admin/chat-sources', { id: 'ic', kind: 'intercom' })).toMatchObject({ status: 400, body: { issues: [{ field: 'secret' }] } });
    expect(await admin('POST', '/v1/admin/chat-sources', { id: 'Bad Id', kind: 'intercom', secret: 'x'.repeat(10) })).toMatchObject({ status: 400, body: { issues: [{ field: 'id' }] } });
  });

  it('rotates with an overlap: both secrets verify until it ends; without one the old secret stops at once', async () => {
    await admin('POST', '/v1/admin/chat-sources', { id: 'tawk', kind: 'tawkto', secret: 'tawk-secret-key-1' });
    expect(await rotate('tawk', {})).toMatchObject({ status: 400, body: { issues: [{ field: 'secret' }] } });
    const rotated = await rotate('tawk', { secret: 'tawk-secret-key-2', overlapHours: 1 });
    expect(rotated).toMatchObject({ status: 200, body: { id: 'tawk', previousSecretUntil: expect.any(String) } });
    expect(await tawkStart('tawk-secret-key-1')).toBe(202);
    expect(await tawkStart('tawk-secret-key-2')).toBe(202);
    await rotate('tawk', { secret: 'tawk-secret-key-3', overlapHours: 0 });
    expect(await tawkStart('tawk-secret-key-2')).toBe(401);
    expect(await tawkStart('tawk-secret-key-3')).toBe(202);
  });

  it('removes a source: its webhook answers 404 from then on', async () => {
    await admin('POST', '/v1/admin/chat-sources', { id: 'tawk', kind: 'tawkto', secret: 'tawk-secret-key-1' });
    expect((await admin('DELETE', '/v1/admin/chat-sources/tawk', undefined, '/v1/admin/chat-sources/{sourceId}', { sourceId: 'tawk' })).status).toBe(204);
    expect(await tawkStart('tawk-secret-key-1')).toBe(404);
    expect((await admin('DELETE', '/v1/admin/chat-sources/tawk', undefined, '/v1/admin/chat-sources/{sourceId}', { sourceId: 'tawk' })).status).toBe(404);
  });
});
