import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { Webhook } from 'standardwebhooks';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as keys from '../../src/adapters/keys';
import { itemRecords } from '../../src/adapters/lead-items';
import { newStandardSecret, sealSecret, type ChatSource } from '../../src/domain/chat/sources';
import { context, httpEvent, setHandlerEnvironment } from './fixtures';
import { TableFake } from './table-fake';

setHandlerEnvironment();
const dynamo = mockClient(DynamoDBDocumentClient);
const bus = mockClient(EventBridgeClient);
const secrets = mockClient(SecretsManagerClient);
const ring = { current: 'k1', keys: { k1: 'a-signing-key-of-at-least-32-bytes-0001' } };
const INTERCOM_SECRET = 'intercom-client-secret';
const TAWK_SECRET = 'tawk-webhook-secret-key';
const GENERIC_SECRET = newStandardSecret();
let table: TableFake;
let handler: (typeof import('../../functions/capture-chat/handler'))['handler'];

beforeAll(async () => {
  secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ current: ring.current, ...ring.keys }) });
  ({ handler } = await import('../../functions/capture-chat/handler'));
});

const addSource = (source: Omit<ChatSource, 'secret' | 'createdAt'>, secret: string) =>
  table.put({ ...keys.chatSource(source.id), entity: 'chat-source', ...source, createdAt: '2026-11-01T00:00:00.000Z', secret: sealSecret(ring, source.id, secret) });

beforeEach(() => {
  dynamo.reset();
  bus.reset();
  table = new TableFake();
  table.attach(dynamo);
  bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
  addSource({ id: 'intercom-main', kind: 'intercom' }, INTERCOM_SECRET);
  addSource({ id: 'tawk', kind: 'tawkto' }, TAWK_SECRET);
  addSource({ id: 'site-chat', kind: 'generic', mapping: { conversationId: 'conversation.id', messageText: 'message.text', visitorEmail: 'visitor.email', visitorId: 'visitor.id' } }, GENERIC_SECRET);
});

const nowSeconds = () => Math.floor(Date.now() / 1000);
const fixture = (name: string): Record<string, unknown> => JSON.parse(readFileSync(new URL(`../fixtures/chat/${name}.json`, import.meta.url), 'utf8'));
/** The documented Intercom notification, dated now (a signed delivery must be recent). */
function intercomNotification(name: string) {
  const notification = fixture(name);
  const item = (notification.data as { item: Record<string, unknown> }).item;
  item.created_at = nowSeconds();
  const parts = (item.conversation_parts as { conversation_parts: Record<string, unknown>[] }).conversation_parts;
  for (const part of parts) part.created_at = nowSeconds();
  return JSON.stringify({ ...notification, created_at: nowSeconds() });
}
const tawkEvent = (name: string) => JSON.stringify({ ...fixture(name), time: new Date().toISOString() });
const sha1 = (secret: string, body: string) => createHmac('sha1', secret).update(body).digest('hex');

async function post(sourceId: string, body: string, headers: Record<string, string>) {
  const response = await handler(
    httpEvent({ path: `/v1/chat/${sourceId}`, route: '/v1/chat/{sourceId}', pathParameters: { sourceId }, headers: { 'content-type': 'application/json', ...headers }, body }),
    context,
  );
  return { status: response.statusCode, body: JSON.parse(response.body ?? '{}') as Record<string, unknown> & { issues?: { field: string }[] } };
}
const intercom = (body: string, secret = INTERCOM_SECRET) => post('intercom-main', body, { 'x-hub-signature': `sha1=${sha1(secret, body)}` });
const tawk = (body: string) => post('tawk', body, { 'x-tawk-signature': sha1(TAWK_SECRET, body) });
function generic(body: string, id: string, sentAt = new Date()) {
  return post('site-chat', body, { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)), 'webhook-signature': new Webhook(GENERIC_SECRET).sign(id, sentAt, body) });
}

const snapshot = () => JSON.stringify([...table.items.entries()].sort());
/** Every event stored, with the partition of the item holding it (events recorded together share one, lead-items.ts). */
const events = () => [...table.items.values()].flatMap((item) => itemRecords(item).map((record): Record<string, unknown> => ({ ...record, pk: item.pk }))).filter((record) => record.entity === 'event');
const busEntries = () => bus.commandCalls(PutEventsCommand).flatMap((call) => call.args[0].input.Entries ?? []);

describe('capture-chat', () => {
  it('an Intercom conversation with the visitor email makes the lead, records the message and links the visitor to the lead', async () => {
    const answer = await intercom(intercomNotification('intercom-conversation-user-created'));
    expect(answer).toMatchObject({ status: 202, body: { status: 'accepted', identified: true, events: [{ status: 'accepted' }] } });
    const leadId = table.get(keys.email('jane.doe@example.com'))?.leadId as string;
    expect(leadId).toBeDefined();
    expect(events()).toEqual([expect.objectContaining({ pk: `LEAD#${leadId}`, type: 'chat_message', properties: { conversationId: '147', characters: 48 } })]);
    expect(table.get(keys.anonymousLink('intercom-6543f1a2b7c8d9e0f1a2b3c4'))).toMatchObject({ leadId });
    expect(busEntries().map((entry) => entry.DetailType)).toEqual(['engagement.recorded', 'lead.identified']);
    // Nothing the visitor wrote or their address goes on the bus.
    expect(JSON.stringify(busEntries())).not.toMatch(/pricing|jane/i);
  });

  it('answers a replayed delivery 200 duplicate and changes nothing', async () => {
    const body = intercomNotification('intercom-conversation-user-created');
    await intercom(body);
    const before = snapshot();
    const published = busEntries().length;
    expect(await intercom(body)).toEqual({ status: 200, body: { status: 'duplicate' } });
    expect(snapshot()).toBe(before);
    expect(busEntries()).toHaveLength(published);
  });

  it('refuses an unsigned, wrongly signed or tampered call with 401 naming the header, before reading or writing anything', async () => {
    const body = intercomNotification('intercom-conversation-user-created');
    const before = snapshot();
    const unsigned = await post('intercom-main', body, {});
    expect(unsigned).toMatchObject({ status: 401, body: { issues: [{ field: 'x-hub-signature', message: 'is missing: the call is not signed' }] } });
    expect((await intercom(body, 'not-the-secret')).status).toBe(401);
    expect((await post('intercom-main', body.replace('40', '41'), { 'x-hub-signature': `sha1=${sha1(INTERCOM_SECRET, body)}` })).status).toBe(401);
    expect(snapshot()).toBe(before);
    expect(busEntries()).toEqual([]);
  });

  it('refuses a generic delivery signed more than 5 minutes ago, and answers its in-window replay as a duplicate', async () => {
    const body = JSON.stringify({ conversation: { id: 'c-1' }, message: { text: 'Can I book a demo?' }, visitor: { id: 'anon_1234567890' } });
    const old = await generic(body, 'msg_old', new Date(Date.now() - 6 * 60_000));
    expect(old).toMatchObject({ status: 401, body: { issues: [{ field: 'webhook-timestamp' }] } });
    expect(await generic(body, 'msg_1')).toMatchObject({ status: 202, body: { status: 'accepted', identified: false } });
    // Visitor known only by the page's anonymous id: the message waits in its history until they identify.
    expect(events()).toEqual([expect.objectContaining({ pk: 'ANON#anon_1234567890', type: 'chat_message' })]);
    expect((await generic(body, 'msg_1')).body).toEqual({ status: 'duplicate' });
  });

  it('a tawk.to chat started anonymously joins the lead when the chat ends with the visitor email', async () => {
    expect((await tawk(tawkEvent('tawkto-chat-start'))).body).toMatchObject({ status: 'accepted', identified: false });
    const [started] = events();
    expect(started?.pk).toMatch(/^ANON#chat-/);
    const ended = await tawk(tawkEvent('tawkto-chat-end'));
    expect(ended.body).toMatchObject({ status: 'accepted', identified: true });
    const leadId = table.get(keys.email('jane@example.com'))?.leadId as string;
    const visitorId = String(started?.pk).slice('ANON#'.length);
    expect(table.get(keys.anonymousLink(visitorId))).toMatchObject({ leadId });
    const identified = busEntries().find((entry) => entry.DetailType === 'lead.identified');
    expect(JSON.parse(identified?.Detail ?? '{}')).toMatchObject({ leadId, anonymousId: visitorId });
  });

  it('takes an ignored topic without recording anything, so the tool does not retry it', async () => {
    const body = JSON.stringify({ ...JSON.parse(intercomNotification('intercom-conversation-user-replied')), topic: 'conversation.admin.replied' });
    expect(await intercom(body)).toMatchObject({ status: 202, body: { status: 'ignored' } });
    expect(events()).toEqual([]);
    expect(busEntries()).toEqual([]);
  });

  it('answers 400 naming the configured path for a payload the mapping cannot read, writing nothing', async () => {
    const before = snapshot();
    const answer = await generic(JSON.stringify({ conversation: { id: { nested: 1 } } }), 'msg_2');
    expect(answer).toMatchObject({ status: 400, body: { issues: [{ field: 'conversation.id' }] } });
    expect(snapshot()).toBe(before);
  });

  it('answers 404 for a source that does not exist', async () => {
    expect((await post('nobody', '{}', { 'x-hub-signature': 'sha1=00' })).status).toBe(404);
  });

  it('gives the delivery back when announcing fails, so the retry takes it and stores each event once', async () => {
    bus.on(PutEventsCommand).rejects(new Error('bus down'));
    const body = intercomNotification('intercom-conversation-user-created');
    expect((await intercom(body)).status).toBe(503);
    bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
    expect(await intercom(body)).toMatchObject({ status: 202, body: { status: 'accepted', events: [{ status: 'duplicate' }] } });
    expect(events()).toHaveLength(1);
    expect((await intercom(body)).body).toEqual({ status: 'duplicate' });
  });
});
