import { createHmac } from 'node:crypto';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient, PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HELP_DESK_SEAL_ID } from '../../src/app/help-desk-intake';
import { signSurveyLink } from '../../src/domain/care/survey-links';
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
let handler: (typeof import('../../functions/customer-feedback/handler'))['handler'];
let table: TableFake;

beforeAll(async () => {
  secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ current: ring.current, ...ring.keys }) });
  ({ handler } = await import('../../functions/customer-feedback/handler'));
});

const LEAD_ID = '0b7e8a52-4c1d-4f7e-9d55-3f3c2b1a0e11';
const NOW = Date.now();
const at = (daysAgo: number) => new Date(NOW - daysAgo * 86_400_000).toISOString();
const leadKey = { pk: `LEAD#${LEAD_ID}`, sk: 'PROFILE' };
const sendKey = { pk: `LEAD#${LEAD_ID}`, sk: 'SURVEY#send-1' };

beforeEach(() => {
  dynamo.reset();
  table = new TableFake();
  table.attach(dynamo);
  table.put({ ...leadKey, id: LEAD_ID, email: 'ana@example.com', createdAt: at(300), updatedAt: at(300), firstTouch: { at: at(300) }, lastTouch: { at: at(300) }, subscriptions: {}, version: 3, stage: 'customer' });
  table.put({ ...sendKey, entity: 'survey-send', leadId: LEAD_ID, sendId: 'send-1', surveyId: 'nps', kind: 'nps', sentAt: at(1), status: 'sent' });
  bus.reset();
  bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'bus-event' }] });
});

const tokenFor = (score: number) => signSurveyLink(ring, { leadId: LEAD_ID, surveyId: 'nps', sendId: 'send-1', score, expiresAt: Math.floor(NOW / 1000) + 86_400 });
const withQuery = (event: APIGatewayProxyEventV2, query: Record<string, string>): APIGatewayProxyEventV2 => ({
  ...event,
  rawQueryString: new URLSearchParams(query).toString(),
  queryStringParameters: query,
});
const answer = async (query: Record<string, string>) => {
  const result = await handler(withQuery(httpEvent({ method: 'GET', path: '/v1/surveys/answer', headers: { 'user-agent': 'Mozilla/5.0' } }), query), context);
  return { statusCode: result.statusCode, body: result.body ?? '' };
};
const followUp = async (fields: Record<string, string>) => {
  const result = await handler(
    httpEvent({ method: 'POST', path: '/v1/surveys/follow-up', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() }),
    context,
  );
  return { statusCode: result.statusCode, body: result.body ?? '' };
};
const writes = () => [...dynamo.commandCalls(PutCommand), ...dynamo.commandCalls(UpdateCommand), ...dynamo.commandCalls(TransactWriteCommand)];
const storedNps = () => (table.get(leadKey)?.care as { satisfaction?: { nps?: { score: number; reason?: string } } } | undefined)?.satisfaction?.nps;
const announced = () => bus.commandCalls(PutEventsCommand).flatMap((call) => call.args[0].input.Entries ?? []).filter((entry) => entry.DetailType === 'care.survey-answered');

describe('customer-feedback', () => {
  it('records the score of a signed link on the send and as the latest NPS, and announces it', async () => {
    const response = await answer({ token: tokenFor(3) });
    expect(response.statusCode).toBe(200);
    expect(storedNps()).toMatchObject({ score: 3, category: 'detractor' });
    expect(table.get(sendKey)?.answer).toMatchObject({ score: 3 });
    expect(announced()).toHaveLength(1);
  });

  it.each([
    ['a tampered token', () => ({ token: `${tokenFor(3).slice(0, -2)}xx` })],
    ['a token for another send', () => ({ token: signSurveyLink(ring, { leadId: LEAD_ID, surveyId: 'nps', sendId: 'made-up', score: 10, expiresAt: Math.floor(NOW / 1000) + 60 }) })],
    ['an expired token', () => ({ token: signSurveyLink(ring, { leadId: LEAD_ID, surveyId: 'nps', sendId: 'send-1', score: 10, expiresAt: Math.floor(NOW / 1000) - 60 }) })],
    ['no token', () => ({})],
  ])('answers 400 to %s and changes nothing', async (_case, query) => {
    const response = await answer(query());
    expect(response.statusCode).toBe(400);
    expect(writes()).toHaveLength(0);
    expect(bus.calls()).toHaveLength(0);
    expect(storedNps()).toBeUndefined();
  });

  it('refuses a follow-up reason that was not offered with 400, keeping the answer as it was', async () => {
    await answer({ token: tokenFor(3) });
    const before = writes().length;
    const response = await followUp({ token: tokenFor(3), reason: 'made_up' });
    expect(response.statusCode).toBe(400);
    expect(writes()).toHaveLength(before);
    expect(storedNps()?.reason).toBeUndefined();
    expect((await followUp({ token: tokenFor(3), reason: 'price' })).statusCode).toBe(200);
    expect(storedNps()?.reason).toBe('price');
  });

  it('answers 503 when the bus refuses the announcement, and a click again announces the answer kept', async () => {
    bus.on(PutEventsCommand).rejects(Object.assign(new Error('Service unavailable'), { name: 'InternalException' }));
    const refused = await answer({ token: tokenFor(3) });
    expect(refused.statusCode).toBe(503);
    expect(storedNps()).toMatchObject({ score: 3 });

    bus.reset();
    bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'bus-event' }] });
    expect((await answer({ token: tokenFor(3) })).statusCode).toBe(200);
    expect(announced()).toHaveLength(1);
    expect(storedNps()).toMatchObject({ score: 3 });
  });

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
  });
});
