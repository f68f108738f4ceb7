import { createHmac } from 'node:crypto';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient, PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HELP_DESK_SEAL_ID } from '../../src/app/help-desk-intake';
import { sealSecret } from '../../src/domain/chat/sources';
import type { KeyRing } from '../../src/domain/consent/signed-token';
import { context, httpEvent, setHandlerEnvironment } from './fixtures';
import { TableFake } from './table-fake';

setHandlerEnvironment();
process.env.MAX_BODY_BYTES = String(64 * 1024);
const dynamo = mockClient(DynamoDBDocumentClient);
const bus = mockClient(EventBridgeClient);
const secrets = mockClient(SecretsManagerClient);
const ring: KeyRing = { current: 'k1', keys: { k1: 'the-current-signing-key-of-32-bytes!!' } };
let handler: (typeof import('../../functions/receive-help-desk-tickets/handler'))['handler'];
let table: TableFake;

beforeAll(async () => {
  secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ current: ring.current, ...ring.keys }) });
  ({ handler } = await import('../../functions/receive-help-desk-tickets/handler'));
});

const LEAD_ID = '0b7e8a52-4c1d-4f7e-9d55-3f3c2b1a0e11';
const NOW = Date.now();
const at = (daysAgo: number) => new Date(NOW - daysAgo * 86_400_000).toISOString();

beforeEach(() => {
  dynamo.reset();
  table = new TableFake();
  table.attach(dynamo);
  table.put({ pk: `LEAD#${LEAD_ID}`, sk: 'PROFILE', id: LEAD_ID, email: 'ana@example.com', createdAt: at(300), updatedAt: at(300), firstTouch: { at: at(300) }, lastTouch: { at: at(300) }, subscriptions: {}, version: 3, stage: 'customer' });
  bus.reset();
  bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'bus-event' }] });
});

const writes = () => [...dynamo.commandCalls(PutCommand), ...dynamo.commandCalls(UpdateCommand), ...dynamo.commandCalls(TransactWriteCommand)];

describe('receive-help-desk-tickets', () => {
  it('refuses an unsigned help-desk call with a 4xx and stores nothing', async () => {
    const result = await handler(
      httpEvent({ method: 'POST', path: '/v1/help-desk/tickets', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tickets: [{ ticketId: 'T-1', leadId: LEAD_ID, status: 'open', openedAt: at(1), updatedAt: at(1) }] }) }),
      context,
    );
    expect(result.statusCode).toBeGreaterThanOrEqual(400);
    expect(result.statusCode).toBeLessThan(500);
    expect(writes()).toHaveLength(0);
    expect(bus.calls()).toHaveLength(0);
  });

  it('answers a Zendesk ticket event of an unknown requester 202 with why, keeping nothing; once mapped, records it with 200', async () => {
    const secret = 'dGhlIHplbmRlc2sgc2lnbmluZyBzZWNyZXQ=';
    table.put({ pk: 'CARE', sk: 'HELPDESK', kind: 'zendesk', secret: sealSecret(ring, HELP_DESK_SEAL_ID, secret), updatedAt: at(1) });
    const body = JSON.stringify({
      type: 'zen:event-type:ticket.created',
      account_id: 88888888,
      id: '01HNXXXXCTEXAMPLE',
      time: at(0),
      zendesk_event_version: '2022-11-06',
      subject: 'zen:ticket:35436',
      detail: { id: '35436', requester_id: '20978392', status: 'NEW', priority: 'LOW', type: 'QUESTION', tags: [], created_at: at(0), updated_at: at(0), via: { channel: 'web' } },
      event: {},
    });
    const post = async () => {
      const timestamp = new Date().toISOString();
      const signature = createHmac('sha256', secret).update(timestamp + body).digest('base64');
      const result = await handler(
        httpEvent({ method: 'POST', path: '/v1/help-desk/tickets', headers: { 'content-type': 'application/json', 'x-zendesk-webhook-signature': signature, 'x-zendesk-webhook-signature-timestamp': timestamp }, body }),
        context,
      );
      return { statusCode: result.statusCode, body: JSON.parse(result.body ?? '{}') as Record<string, unknown> };
    };
    const ignored = await post();
    expect(ignored).toMatchObject({ statusCode: 202, body: { tickets: [{ ticketId: '35436', status: 'unknown_lead' }] } });
    expect(String(ignored.body.ignored)).toContain('20978392');
    expect(table.get({ pk: `LEAD#${LEAD_ID}`, sk: 'TICKET#35436' })).toBeUndefined();

    table.put({ pk: 'REQUESTER#zendesk#20978392', sk: 'REQUESTER', leadId: LEAD_ID });
    expect(await post()).toMatchObject({ statusCode: 200, body: { tickets: [{ ticketId: '35436', status: 'recorded', leadId: LEAD_ID }] } });
    expect(table.get({ pk: `LEAD#${LEAD_ID}`, sk: 'TICKET#35436' })).toBeDefined();
    const recorded = bus.commandCalls(PutEventsCommand).flatMap((call) => call.args[0].input.Entries ?? []).filter((entry) => entry.DetailType === 'care.ticket-recorded');
    expect(recorded).toHaveLength(1);
  });
});
