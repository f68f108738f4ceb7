import { DynamoDBDocumentClient, PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_CARE_SETTINGS } from '../../src/domain/care/customer';
import { SEEDED_CATALOGUE } from '../../src/domain/subscriptions';
import { context, httpEvent, setHandlerEnvironment } from './fixtures';
import { TableFake } from './table-fake';

setHandlerEnvironment();
process.env.MAX_BODY_BYTES = String(64 * 1024);
const dynamo = mockClient(DynamoDBDocumentClient);
type Handler = (typeof import('../../functions/manage-segments/handler'))['handler'];
let segmentsHandler: Handler;
let careHandler: Handler;
let table: TableFake;

beforeAll(async () => {
  ({ handler: segmentsHandler } = await import('../../functions/manage-segments/handler'));
  ({ handler: careHandler } = (await import('../../functions/manage-care-settings/handler')) as unknown as { handler: Handler });
});

const SEGMENT_ID = '0b7e8a52-4c1d-4f7e-9d55-3f3c2b1a0e11';
/** The stored catalogue: the seeded types, offers archived. */
const catalogue = { pk: 'SUBSCRIPTION_TYPES', sk: 'CATALOGUE', types: SEEDED_CATALOGUE.map((type) => (type.id === 'offers' ? { ...type, archived: true } : type)), version: 2, updatedAt: '2026-11-30T18:00:00.000Z', updatedBy: 'ana' };

beforeEach(() => {
  dynamo.reset();
  table = new TableFake();
  table.attach(dynamo);
  table.put(structuredClone(catalogue));
  table.put({ pk: `SEGMENT#${SEGMENT_ID}`, sk: 'SEGMENT', id: SEGMENT_ID, name: 'Everyone', version: 1, createdAt: '2026-11-30T18:00:00.000Z', updatedAt: '2026-11-30T18:00:00.000Z' });
});

const call = async (handler: Handler, method: string, path: string, options: { body?: unknown; route?: string; pathParameters?: Record<string, string>; query?: Record<string, string> } = {}) => {
  const event = httpEvent({
    method,
    path,
    ...(options.route ? { route: options.route } : {}),
    ...(options.pathParameters ? { pathParameters: options.pathParameters } : {}),
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body), headers: { 'content-type': 'application/json' } }),
  });
  const response = (await handler({ ...event, ...(options.query ? { queryStringParameters: options.query } : {}) }, context)) as APIGatewayProxyStructuredResultV2;
  return { status: response.statusCode, body: JSON.parse(String(response.body || '{}')) as { issues?: { field: string; message: string }[] } };
};
const writes = () => [...dynamo.commandCalls(PutCommand), ...dynamo.commandCalls(UpdateCommand), ...dynamo.commandCalls(TransactWriteCommand)];
const onSubscriptions = (subscriptions: Record<string, string[]>) => ({ where: { lead: { subscriptions } } });

describe('segments name only subscription types the stored catalogue has, active', () => {
  it.each([
    ['an unknown type', 'webinars', /must be one of newsletter, product_updates, events/],
    ['an archived type', 'offers', /names offers, which is archived/],
  ])('a definition naming %s is a 400 naming its field, and nothing is stored', async (_what, type, message) => {
    const created = await call(segmentsHandler, 'POST', '/v1/admin/segments', { body: { name: 'Readers', ...onSubscriptions({ [type]: ['opted_in'] }) } });
    expect(created).toMatchObject({ status: 400, body: { issues: [{ field: `where.lead.subscriptions.${type}`, message: expect.stringMatching(message) }] } });
    const updated = await call(segmentsHandler, 'PUT', `/v1/admin/segments/${SEGMENT_ID}`, { route: '/v1/admin/segments/{segmentId}', pathParameters: { segmentId: SEGMENT_ID }, body: { name: 'Readers', ...onSubscriptions({ [type]: ['opted_in'] }) } });
    expect(updated.body.issues?.[0]?.field).toBe(`where.lead.subscriptions.${type}`);
    expect(writes()).toHaveLength(0);
  });

  it('a preview of a draft or a saved segment among subscribers of an unknown or archived type is a 400 naming subscription', async () => {
    const draft = await call(segmentsHandler, 'POST', '/v1/admin/segments/preview', { body: { subscription: 'offers' } });
    expect(draft).toMatchObject({ status: 400, body: { issues: [{ field: 'subscription', message: expect.stringMatching(/archived/) }] } });
    const inCondition = await call(segmentsHandler, 'POST', '/v1/admin/segments/preview', { body: { subscription: 'newsletter', ...onSubscriptions({ webinars: ['opted_in'] }) } });
    expect(inCondition).toMatchObject({ status: 400, body: { issues: [{ field: 'where.lead.subscriptions.webinars' }] } });
    const saved = await call(segmentsHandler, 'GET', `/v1/admin/segments/${SEGMENT_ID}/preview`, { route: '/v1/admin/segments/{segmentId}/preview', pathParameters: { segmentId: SEGMENT_ID }, query: { subscription: 'webinars' } });
    expect(saved).toMatchObject({ status: 400, body: { issues: [{ field: 'subscription' }] } });
  });

  it('a definition naming active types is saved', async () => {
    const created = await call(segmentsHandler, 'POST', '/v1/admin/segments', { body: { name: 'Readers', ...onSubscriptions({ newsletter: ['opted_in'], events: ['opted_out'] }) } });
    expect(created.status).toBe(201);
  });
});

describe('the care survey setting names only a subscription type the stored catalogue has, active', () => {
  it.each([
    ['an unknown type', 'webinars'],
    ['an archived type', 'offers'],
  ])('a survey of %s is a 400 naming surveys[n].subscription, and nothing is stored', async (_what, type) => {
    const settings = { ...DEFAULT_CARE_SETTINGS, surveys: DEFAULT_CARE_SETTINGS.surveys.map((survey, index) => (index === 1 ? { ...survey, subscription: type } : survey)) };
    const answer = await call(careHandler, 'PUT', '/v1/admin/care/settings', { body: settings });
    expect(answer).toMatchObject({ status: 400, body: { issues: [{ field: 'surveys[1].subscription' }] } });
    expect(writes()).toHaveLength(0);
  });

  it('a survey of an active type is saved', async () => {
    const settings = { ...DEFAULT_CARE_SETTINGS, surveys: DEFAULT_CARE_SETTINGS.surveys.map((survey) => ({ ...survey, subscription: 'events' })) };
    expect((await call(careHandler, 'PUT', '/v1/admin/care/settings', { body: settings })).status).toBe(200);
  });
});
