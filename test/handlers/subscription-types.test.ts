import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SEEDED_CATALOGUE } from '../../src/domain/subscriptions';
import { consoleUser, context, httpEvent, setHandlerEnvironment } from './fixtures';

setHandlerEnvironment();
const dynamo = mockClient(DynamoDBDocumentClient);
let handler: (typeof import('../../functions/manage-send-settings/handler'))['handler'];
beforeAll(async () => {
  ({ handler } = await import('../../functions/manage-send-settings/handler'));
});

const PATH = '/v1/admin/settings/subscription-types';
const caseStudies = { id: 'case_studies', label: { en: 'Case studies', id: 'Studi kasus' }, description: { en: 'How teams use us.', id: 'Cara tim memakai kami.' }, doubleOptIn: false };
let stored: Record<string, unknown> | undefined;
/** The consent index backfill's marker, once it has walked every lead. */
let consentIndexFilled: Record<string, unknown> | undefined;

beforeEach(() => {
  dynamo.reset();
  stored = undefined;
  consentIndexFilled = undefined;
  dynamo.on(GetCommand).callsFake((input: { Key: { pk: string; sk: string } }) => ({ Item: input.Key.sk === 'CONSENT_INDEX' ? consentIndexFilled : stored }));
  dynamo.on(PutCommand).resolves({});
  dynamo.on(QueryCommand).callsFake((input: QueryCommandInput) => ({ Items: partitions[String(input.ExpressionAttributeValues?.[':partition'])] ?? [] }));
  partitions = {};
});

/** The items each queried partition (of the table or of gsi1) holds. */
let partitions: Record<string, Record<string, unknown>[]> = {};

const remove = async (typeId: string, query: Record<string, string> | undefined, authorizer?: Record<string, unknown>) => {
  const path = `${PATH}/${typeId}`;
  const response = (await handler(
    { ...httpEvent({ method: 'DELETE', path, route: `${PATH}/{typeId}`, pathParameters: { typeId }, ...(authorizer ? { authorizer } : {}) }), queryStringParameters: query },
    context,
  )) as APIGatewayProxyStructuredResultV2;
  return { status: response.statusCode, body: JSON.parse(String(response.body)) as Record<string, unknown> & { issues?: { field: string; message: string }[] } };
};

const call = async (method: 'GET' | 'PUT', body?: unknown, authorizer?: Record<string, unknown>) => {
  const response = (await handler(
    httpEvent({ method, path: PATH, ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }), ...(authorizer ? { authorizer } : {}) }),
    context,
  )) as APIGatewayProxyStructuredResultV2;
  return { status: response.statusCode, body: JSON.parse(String(response.body)) as Record<string, unknown> & { issues?: { field: string; message: string }[] } };
};

describe('/v1/admin/settings/subscription-types', () => {
  it('GET answers the seeded types at version 0 until a save, to marketers and sales too (read-only)', async () => {
    const answer = await call('GET', undefined, consoleUser('mia', ['marketer']));
    expect(answer).toEqual({ status: 200, body: { types: SEEDED_CATALOGUE, version: 0 } });
    expect(await call('GET', undefined, consoleUser('sam', ['sales']))).toEqual(answer);
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

  describe('DELETE /{typeId}', () => {
    const savedWithCaseStudies = () => {
      stored = { pk: 'SUBSCRIPTION_TYPES', sk: 'CATALOGUE', types: [...SEEDED_CATALOGUE, { ...caseStudies, transactional: false, archived: false }], version: 3, updatedAt: '2026-11-30T18:00:00.000Z', updatedBy: 'ana', consentsIndexed: ['case_studies'] };
    };

    it('is refused to marketers and sales with a 403, writing nothing', async () => {
      savedWithCaseStudies();
      expect((await remove('case_studies', { version: '3' }, consoleUser('mia', ['marketer']))).status).toBe(403);
      expect((await remove('case_studies', { version: '3' }, consoleUser('sam', ['sales']))).status).toBe(403);
      expect(dynamo.commandCalls(PutCommand)).toHaveLength(0);
    });

    it('removes a type nothing uses as the next version, on the condition of the version read, naming who did it', async () => {
      savedWithCaseStudies();
      const answer = await remove('case_studies', { version: '3' }, consoleUser('ana', ['admin']));
      expect(answer).toMatchObject({ status: 200, body: { version: 4, updatedBy: 'ana', types: SEEDED_CATALOGUE } });
      expect(answer.body).not.toHaveProperty('consentsIndexed');
      const put = dynamo.commandCalls(PutCommand)[0]?.args[0].input;
      expect(put).toMatchObject({ Item: { version: 4, updatedBy: 'ana', types: SEEDED_CATALOGUE, consentsIndexed: [] }, ConditionExpression: 'version = :previous', ExpressionAttributeValues: { ':previous': 3 } });
      const consentQueries = dynamo.commandCalls(QueryCommand).filter((call) => String(call.args[0].input.ExpressionAttributeValues?.[':partition']).startsWith('CONSENTS#case_studies#'));
      expect(consentQueries).toHaveLength(16);
      expect(consentQueries.every((call) => call.args[0].input.Limit === 1)).toBe(true);
    });

    it('refuses with a 409 naming the type and what uses it: a consent record, a campaign, a journey version, a form version, a segment, a care survey', async () => {
      savedWithCaseStudies();
      partitions['CONSENTS#case_studies#7'] = [{ pk: 'LEAD#7f', sk: 'CONSENT#...' }];
      partitions.CAMPAIGNS = [{ pk: 'CAMPAIGN#c1', id: 'c1', name: 'Spring stories', subscription: 'case_studies' }];
      partitions.JOURNEYS = [{ pk: 'JOURNEY#j1', id: 'j1', name: 'Onboarding' }];
      partitions['JOURNEY#j1'] = [{ pk: 'JOURNEY#j1', sk: 'VERSION#000001', definition: { steps: [{ id: 'opt', type: 'update_lead', subscription: { type: 'case_studies', status: 'opted_in' } }] } }];
      partitions.FORMS = [{ pk: 'FORM#contact', formId: 'contact', title: 'Contact us' }];
      partitions['FORM#contact'] = [{ pk: 'FORM#contact', sk: 'VERSION#000002', definition: { consents: [{ subscription: 'case_studies' }] } }];
      partitions.SEGMENTS = [{ pk: 'SEGMENT#s1', id: 's1', name: 'Readers', where: { lead: { subscriptions: { case_studies: ['opted_in'] } } } }];
      const gets = dynamo.on(GetCommand);
      gets.callsFake((input: { Key: { pk: string } }) => ({ Item: input.Key.pk === 'CARE' ? { settings: { surveys: [{ id: 'nps', subscription: 'case_studies' }] } } : stored }));

      const answer = await remove('case_studies', { version: '3' }, consoleUser('ana', ['admin']));
      expect(answer.status).toBe(409);
      const message = answer.body.issues?.[0]?.message ?? '';
      expect(answer.body.issues?.[0]?.field).toBe('typeId');
      expect(message).toMatch(/^cannot delete case_studies: it is used by consent records/);
      for (const use of ['campaign "Spring stories" (c1)', 'journey "Onboarding" (j1)', 'form "Contact us" (contact)', 'segment "Readers" (s1)']) expect(message).toContain(use);
      expect(message).toContain('and 1 more');
      expect(dynamo.commandCalls(PutCommand)).toHaveLength(0);
    });

    it('keeps newsletter, and a type saved before consent records were indexed until the consent index backfill has run, with a 409 saying why', async () => {
      savedWithCaseStudies();
      expect(await remove('newsletter', { version: '3' })).toMatchObject({ status: 409, body: { issues: [{ field: 'typeId', message: expect.stringMatching(/cannot delete newsletter: a template/) }] } });
      const waiting = await remove('events', { version: '3' });
      expect(waiting).toMatchObject({ status: 409, body: { issues: [{ field: 'typeId', message: expect.stringMatching(/until the consent index backfill has run to its end .*saved before consent records were indexed/) }] } });
      expect(String(waiting.body.message)).toContain('backfill-consent-index');
      expect(dynamo.commandCalls(GetCommand).map((call) => call.args[0].input)).toContainEqual(expect.objectContaining({ Key: { pk: 'SETTINGS', sk: 'CONSENT_INDEX' }, ConsistentRead: true }));
      expect(dynamo.commandCalls(PutCommand)).toHaveLength(0);
    });

    it('once the backfill has marked the index filled, deletes an old type the index finds no record of, and keeps one it finds', async () => {
      savedWithCaseStudies();
      consentIndexFilled = { pk: 'SETTINGS', sk: 'CONSENT_INDEX', filledAt: '2026-12-01T04:00:00.000Z' };
      partitions['CONSENTS#offers#a'] = [{ pk: 'LEAD#a1', sk: 'CONSENT#2025-03-01T10:00:00.000Z#offers#form-1' }];
      expect(await remove('offers', { version: '3' })).toMatchObject({ status: 409, body: { issues: [{ field: 'typeId', message: expect.stringMatching(/used by consent records/) }] } });
      expect(dynamo.commandCalls(PutCommand)).toHaveLength(0);
      const deleted = await remove('events', { version: '3' }, consoleUser('ana', ['admin']));
      expect(deleted).toMatchObject({ status: 200, body: { version: 4, types: expect.not.arrayContaining([expect.objectContaining({ id: 'events' })]) } });
    });

    it('answers 404 for an unknown type, 409 for a stale version, and 400 naming the field for bad input, writing nothing', async () => {
      savedWithCaseStudies();
      expect((await remove('webinars', { version: '3' })).status).toBe(404);
      expect(await remove('case_studies', { version: '2' })).toMatchObject({ status: 409, body: { issues: [{ field: 'version', message: 'is 2, but version 3 is saved' }] } });
      expect(await remove('case_studies', undefined)).toMatchObject({ status: 400, body: { issues: [{ field: 'version' }] } });
      expect(await remove('case_studies', { version: 'x' })).toMatchObject({ status: 400, body: { issues: [{ field: 'version' }] } });
      expect(await remove('Case%20Studies', { version: '3' })).toMatchObject({ status: 400, body: { issues: [{ field: 'typeId' }] } });
      expect(dynamo.commandCalls(PutCommand)).toHaveLength(0);
    });
  });
});
