import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SEEDED_CATALOGUE } from '../../src/domain/subscriptions';
import { consoleUser, context, httpEvent, setHandlerEnvironment } from './fixtures';

setHandlerEnvironment();
const dynamo = mockClient(DynamoDBDocumentClient);
let handler: (typeof import('../../functions/manage-campaigns/handler'))['handler'];
beforeAll(async () => {
  ({ handler } = await import('../../functions/manage-campaigns/handler'));
});

const PATH = '/v1/admin/settings/subscription-types';
const caseStudies = { id: 'case_studies', label: { en: 'Case studies', id: 'Studi kasus' }, description: { en: 'How teams use us.', id: 'Cara tim memakai kami.' }, doubleOptIn: false };
let stored: Record<string, unknown> | undefined;

beforeEach(() => {
  dynamo.reset();
  stored = undefined;
  dynamo.on(GetCommand).callsFake(() => ({ Item: stored }));
  dynamo.on(PutCommand).resolves({});
});

const call = async (method: 'GET' | 'PUT', body?: unknown, authorizer?: Record<string, unknown>) => {
  const response = (await handler(
    httpEvent({ method, path: PATH, ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }), ...(authorizer ? { authorizer } : {}) }),
    context,
  )) as APIGatewayProxyStructuredResultV2;
  return { status: response.statusCode, body: JSON.parse(String(response.body)) as Record<string, unknown> & { issues?: { field: string; message: string }[] } };
};

describe('/v1/admin/settings/subscription-types', () => {
  it('GET answers the seeded types at version 0 until a save, for marketers too', async () => {
    const answer = await call('GET', undefined, consoleUser('mia', ['marketer']));
    expect(answer).toEqual({ status: 200, body: { types: SEEDED_CATALOGUE, version: 0 } });
  });

  it('PUT by an admin saves the next version on the condition that none was saved, naming who saved it', async () => {
    const answer = await call('PUT', { version: 0, types: [...SEEDED_CATALOGUE, caseStudies] }, consoleUser('ana', ['admin']));
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ version: 1, updatedBy: 'ana', types: expect.arrayContaining([{ ...caseStudies, transactional: false, archived: false }]) });
    const put = dynamo.commandCalls(PutCommand)[0]?.args[0].input;
    expect(put).toMatchObject({ Item: { pk: 'SUBSCRIPTION_TYPES', sk: 'CATALOGUE', version: 1, updatedBy: 'ana' }, ConditionExpression: 'attribute_not_exists(pk)' });
  });

  it('PUT is refused to marketers, and bad input gets a 400 naming the field, with nothing written', async () => {
    expect((await call('PUT', { version: 0, types: SEEDED_CATALOGUE }, consoleUser('mia', ['marketer']))).status).toBe(403);
    const repeated = await call('PUT', { version: 0, types: [...SEEDED_CATALOGUE, { ...caseStudies, id: 'events' }] });
    expect(repeated).toMatchObject({ status: 400, body: { issues: [{ field: 'types[4].id', message: 'repeats events' }] } });
    const badId = await call('PUT', { version: 0, types: [{ ...caseStudies, id: 'Case Studies' }] });
    expect(badId.body.issues?.[0]?.field).toBe('types[0].id');
    const removed = await call('PUT', { version: 0, types: SEEDED_CATALOGUE.slice(1) });
    expect(removed).toMatchObject({ status: 400, body: { issues: [{ field: 'types', message: expect.stringMatching(/newsletter/) }] } });
    expect(dynamo.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('PUT of a version no longer saved, or one saved by someone else meanwhile, answers 409 naming the version', async () => {
    stored = { pk: 'SUBSCRIPTION_TYPES', sk: 'CATALOGUE', types: SEEDED_CATALOGUE, version: 2, updatedAt: '2026-11-30T18:00:00.000Z', updatedBy: 'ana' };
    const stale = await call('PUT', { version: 1, types: SEEDED_CATALOGUE });
    expect(stale).toMatchObject({ status: 409, body: { issues: [{ field: 'version', message: 'is 1, but version 2 is saved' }] } });
    expect(dynamo.commandCalls(PutCommand)).toHaveLength(0);
    dynamo.on(PutCommand).rejects(Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' }));
    expect((await call('PUT', { version: 2, types: SEEDED_CATALOGUE })).status).toBe(409);
    expect(dynamo.commandCalls(PutCommand)[0]?.args[0].input).toMatchObject({ ConditionExpression: 'version = :previous', ExpressionAttributeValues: { ':previous': 2 } });
  });
});
