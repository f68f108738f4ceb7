import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient, PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { signSurveyLink } from '../../src/domain/care/survey-links';
import type { KeyRing } from '../../src/domain/consent/signed-token';
import { context, httpEvent, setHandlerEnvironment } from './fixtures';
import { TableFake } from './table-fake';

setHandlerEnvironment();
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
});
