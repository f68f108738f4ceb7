import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { context, httpEvent, setHandlerEnvironment } from './fixtures';

setHandlerEnvironment();
const dynamo = mockClient(DynamoDBDocumentClient);
let handler: (typeof import('../../functions/get-lead/handler'))['handler'];

beforeAll(async () => {
  ({ handler } = await import('../../functions/get-lead/handler'));
});

const at = '2026-11-01T00:00:00.000Z';
const profile = (id: string, fields: Record<string, unknown> = {}) => ({
  pk: `LEAD#${id}`, sk: 'PROFILE', gsi1pk: `LEADS#${id.charAt(0)}`, gsi1sk: id, entity: 'lead', id, email: `${id.slice(0, 4)}@example.com`,
  createdAt: at, updatedAt: at, firstTouch: { at, formId: 'demo' }, lastTouch: { at }, subscriptions: {}, version: 1, ...fields,
});
const DEWI = '0a1b2c3d-0000-4000-8000-000000000001';
const BUDI = '0a1b2c3d-0000-4000-8000-000000000002';

const list = async (query: Record<string, string>) => {
  const event = { ...httpEvent({ method: 'GET', path: '/v1/admin/leads' }), queryStringParameters: query };
  const response = (await handler(event, context)) as APIGatewayProxyStructuredResultV2;
  return { status: response.statusCode, body: JSON.parse(response.body ?? '{}') };
};

beforeEach(() => {
  dynamo.reset();
  dynamo.on(QueryCommand).callsFake((input: { ExpressionAttributeValues: Record<string, string> }) => ({
    Items: input.ExpressionAttributeValues[':shard'] === 'LEADS#0' ? [profile(DEWI, { firstName: 'Dewi', company: 'Nusantara', stage: 'mql' }), profile(BUDI, { firstName: 'Budi', stage: 'lead' })] : [],
  }));
  dynamo.on(BatchGetCommand).resolves({ Responses: { [process.env.TABLE_NAME ?? '']: [{ pk: `LEAD#${DEWI}`, sk: 'SCORE', version: 3, score: { grade: 'A', total: 120, fit: 60, engagement: 60, engagementAt: at, qualified: true } }] } });
  dynamo.on(GetCommand).resolves({});
});

describe('get-lead: the lead list', () => {
  it('lists leads matching text and stage with their stored score, reading only the listing index', async () => {
    const { status, body } = await list({ q: 'nusan', stage: 'mql' });
    expect(status).toBe(200);
    expect(body).toMatchObject({ items: [{ id: DEWI, firstName: 'Dewi', company: 'Nusantara', stage: 'mql', score: { grade: 'A', total: 120, qualified: true } }], scanned: 2 });
    expect(body.nextCursor).toBeUndefined();
    const queries = dynamo.commandCalls(QueryCommand).map((call) => call.args[0].input);
    expect(queries.every((query) => query.IndexName === 'gsi1')).toBe(true);
  });

  it('answers 400 naming the field for a stage, grade, limit or cursor it does not know, and reads nothing', async () => {
    for (const [field, value] of [['stage', 'hot'], ['grade', 'Z'], ['limit', '5000'], ['cursor', 'eyJzaGFyZCI6OTl9']] as const) {
      const { status, body } = await list({ [field]: value });
      expect(status).toBe(400);
      expect(body.issues[0].field).toBe(field);
    }
    expect(dynamo.commandCalls(QueryCommand)).toHaveLength(0);
  });
});
