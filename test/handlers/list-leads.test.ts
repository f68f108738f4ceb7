import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { consoleUser, context, httpEvent, setHandlerEnvironment } from './fixtures';

setHandlerEnvironment();
const dynamo = mockClient(DynamoDBDocumentClient);
let handler: (typeof import('../../functions/list-leads/handler'))['handler'];

beforeAll(async () => {
  ({ handler } = await import('../../functions/list-leads/handler'));
});

describe('GET /v1/admin/leads: the lead list', () => {
  const at = '2026-11-01T00:00:00.000Z';
  const profile = (id: string, fields: Record<string, unknown> = {}) => ({
    pk: `LEAD#${id}`, sk: 'PROFILE', gsi1pk: `LEADS#${id.charAt(0)}`, gsi1sk: id, entity: 'lead', id, email: `${id.slice(0, 4)}@example.com`,
    createdAt: at, updatedAt: at, firstTouch: { at, formId: 'demo' }, lastTouch: { at }, subscriptions: {}, version: 1, ...fields,
  });
  const DEWI = '0a1b2c3d-0000-4000-8000-000000000001';
  const BUDI = '0a1b2c3d-0000-4000-8000-000000000002';

  const list = async (query: Record<string, string>, authorizer?: Record<string, unknown>) => {
    const event = { ...httpEvent({ method: 'GET', path: '/v1/admin/leads', ...(authorizer ? { authorizer } : {}) }), queryStringParameters: query };
    const response = (await handler(event, context)) as APIGatewayProxyStructuredResultV2;
    return { status: response.statusCode, body: JSON.parse(response.body ?? '{}') };
  };

  beforeEach(() => {
    dynamo.reset();
    dynamo.on(QueryCommand).callsFake((input: { ExpressionAttributeValues: Record<string, string> }) => ({
      Items:
        input.ExpressionAttributeValues[':shard'] === 'LEADS#0'
          ? [
              profile(DEWI, { firstName: 'Dewi', company: 'Nusantara', stage: 'mql', owner: { repId: 'rep-ana', teamId: 'apac', assignedAt: at } }),
              profile(BUDI, { firstName: 'Budi', stage: 'lead', owner: { repId: 'rep-budi', teamId: 'apac', assignedAt: at } }),
            ]
          : [],
    }));
    dynamo.on(BatchGetCommand).resolves({ Responses: { [process.env.TABLE_NAME ?? '']: [{ pk: `LEAD#${DEWI}`, sk: 'SCORE', version: 3, score: { grade: 'A', total: 120, fit: 60, engagement: 60, engagementAt: at, qualified: true } }] } });
    dynamo.on(GetCommand).resolves({});
  });

  it('lists leads matching text and stage with their stored score, reading only the listing index', async () => {
    const { status, body } = await list({ q: 'nusan', stage: 'mql' });
    expect(status).toBe(200);
    expect(body).toMatchObject({ items: [{ id: DEWI, firstName: 'Dewi', company: 'Nusantara', stage: 'mql', score: { grade: 'A', total: 120, qualified: true } }], scanned: 2 });
    expect(body.nextCursor).toBeUndefined();
    const queries = dynamo.commandCalls(QueryCommand).map((call) => call.args[0].input);
    expect(queries.every((query) => query.IndexName === 'gsi1')).toBe(true);
  });

  it("lists a sales rep's own leads only, whatever owner they ask for", async () => {
    const rep = consoleUser('rep-ana', ['sales']);
    expect((await list({}, rep)).body.items.map((lead: { id: string }) => lead.id)).toEqual([DEWI]);
    expect((await list({ owner: 'rep-budi' }, rep)).body.items.map((lead: { id: string }) => lead.id)).toEqual([DEWI]);
    expect((await list({ owner: 'rep-budi' }, consoleUser('mia', ['marketer']))).body.items.map((lead: { id: string }) => lead.id)).toEqual([BUDI]);
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

describe('GET /v1/admin/leads?sort=score and POST /v1/admin/score-bands/backfill', () => {
  const throttled = () => Object.assign(new Error('Rate exceeded for table leadflow-test'), { name: 'ProvisionedThroughputExceededException' });
  const list = async (query: Record<string, string>) => {
    const event = { ...httpEvent({ method: 'GET', path: '/v1/admin/leads' }), queryStringParameters: query };
    const response = (await handler(event, context)) as APIGatewayProxyStructuredResultV2;
    return { status: response.statusCode, headers: response.headers ?? {}, body: JSON.parse(response.body ?? '{}') };
  };
  const backfill = async (body: string | undefined) => {
    const event = httpEvent({ method: 'POST', path: '/v1/admin/score-bands/backfill', headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body }) });
    const response = (await handler(event, context)) as APIGatewayProxyStructuredResultV2;
    return { status: response.statusCode, headers: response.headers ?? {}, body: JSON.parse(response.body ?? '{}') };
  };
  const writes = () => [...dynamo.commandCalls(PutCommand), ...dynamo.commandCalls(UpdateCommand)];

  beforeEach(() => {
    dynamo.reset();
    dynamo.on(QueryCommand).resolves({ Items: [] });
    dynamo.on(BatchGetCommand).resolves({ Responses: {} });
    dynamo.on(GetCommand).resolves({});
    dynamo.on(PutCommand).resolves({});
    dynamo.on(UpdateCommand).resolves({});
  });

  it('answers 400 naming sort, cursor, limit or segment for bad input to the sorted list, and reads and writes nothing', async () => {
    const madeUp = Buffer.from(JSON.stringify({ v: 1, asOf: '2999-01-01T00:00:00.000Z' })).toString('base64url');
    for (const [query, field] of [
      [{ sort: 'rank' }, 'sort'],
      [{ sort: 'score', cursor: 'not-a-cursor' }, 'cursor'],
      [{ sort: 'score', cursor: madeUp }, 'cursor'],
      [{ sort: 'score', limit: '0' }, 'limit'],
      [{ sort: 'score', limit: '201' }, 'limit'],
      [{ sort: 'score', segment: 'seg-1' }, 'segment'],
    ] as const) {
      const { status, body } = await list(query);
      expect({ query, status, field: body.issues?.[0]?.field }).toEqual({ query, status: 400, field });
    }
    expect(dynamo.commandCalls(QueryCommand)).toHaveLength(0);
    expect(dynamo.commandCalls(BatchGetCommand)).toHaveLength(0);
    expect(writes()).toHaveLength(0);
  });

  it('lists nothing, exactly, from an empty band index once the bands are filled', async () => {
    dynamo.on(GetCommand).resolves({ Item: { pk: 'SETTINGS', sk: 'SCORE_BANDS', filledAt: '2026-11-01T00:00:00.000Z' } });
    expect(await list({ sort: 'score' })).toMatchObject({ status: 200, body: { items: [], scanned: 0, approximate: false } });
    const bandQueries = dynamo.commandCalls(QueryCommand).map((call) => call.args[0].input);
    expect(bandQueries).toHaveLength(16);
    expect(bandQueries.every((query) => query.IndexName === 'bands' && query.ScanIndexForward === false)).toBe(true);
  });

  it('answers 503 with Retry-After when DynamoDB throttles the sorted list, and a plain 500 with no internals for another fault', async () => {
    dynamo.on(QueryCommand).rejects(throttled());
    const busy = await list({ sort: 'score' });
    expect(busy).toMatchObject({ status: 503, headers: { 'retry-after': '2' }, body: { message: 'A service this request needs is busy (ProvisionedThroughputExceededException); repeat the same request' } });
    dynamo.on(QueryCommand).rejects(new Error('socket hang up at 10.0.0.1'));
    expect(await list({ sort: 'score' })).toMatchObject({ status: 500, body: { message: 'Internal Server Error' } });
    expect(writes()).toHaveLength(0);
  });

  it('answers 400 naming cursor for a backfill cursor it did not give, or a body that is not an object, and writes nothing', async () => {
    for (const [body, field] of [
      [JSON.stringify({ cursor: 'eyJzaGFyZCI6OTl9' }), 'cursor'],
      [JSON.stringify({ cursor: '' }), 'cursor'],
      [JSON.stringify({ cursor: 7 }), 'cursor'],
    ] as const) {
      const answer = await backfill(body);
      expect({ body, status: answer.status, field: answer.body.issues?.[0]?.field }).toEqual({ body, status: 400, field });
    }
    expect((await backfill('[1]')).status).toBe(400);
    expect(writes()).toHaveLength(0);
  });

  it('backfills an empty listing in one call, marking the bands filled; a throttled table answers 503 and marks nothing', async () => {
    dynamo.on(QueryCommand).rejects(throttled());
    expect(await backfill(undefined)).toMatchObject({ status: 503, headers: { 'retry-after': '2' } });
    expect(writes()).toHaveLength(0);
    dynamo.on(QueryCommand).resolves({ Items: [] });
    expect(await backfill(undefined)).toMatchObject({ status: 200, body: { scanned: 0, filed: 0 } });
    expect(dynamo.commandCalls(PutCommand).map((call) => call.args[0].input.Item)).toMatchObject([{ pk: 'SETTINGS', sk: 'SCORE_BANDS' }]);
  });
});

describe('POST /v1/admin/consent-index/backfill', () => {
  const LEAD = '3f2e1d0c-0000-4000-8000-000000000003';
  const backfill = async (body: string | undefined, authorizer?: Record<string, unknown>) => {
    const event = httpEvent({ method: 'POST', path: '/v1/admin/consent-index/backfill', headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body }), ...(authorizer ? { authorizer } : {}) });
    const response = (await handler(event, context)) as APIGatewayProxyStructuredResultV2;
    return { status: response.statusCode, headers: response.headers ?? {}, body: JSON.parse(response.body ?? '{}') };
  };
  const writes = () => [...dynamo.commandCalls(PutCommand), ...dynamo.commandCalls(UpdateCommand)];

  beforeEach(() => {
    dynamo.reset();
    // The listing holds one lead; its partition one consent record saved before the index by type.
    dynamo.on(QueryCommand).callsFake((input: { IndexName?: string; ExpressionAttributeValues: Record<string, string> }) => {
      if (input.IndexName === 'gsi1') return { Items: input.ExpressionAttributeValues[':shard'] === 'LEADS#3' ? [{ id: LEAD }] : [] };
      return { Items: input.ExpressionAttributeValues[':lead'] === `LEAD#${LEAD}` ? [{ sk: 'CONSENT#2025-03-01T10:00:00.000Z#offers#form-1' }] : [] };
    });
    dynamo.on(PutCommand).resolves({});
    dynamo.on(UpdateCommand).resolves({});
  });

  it("gives a lead's consent record without an index entry its entry by type, and marks the index filled at the end of the listing", async () => {
    expect(await backfill(undefined)).toMatchObject({ status: 200, body: { scanned: 1, indexed: 1 } });
    const consentQuery = dynamo.commandCalls(QueryCommand).map((call) => call.args[0].input).find((query) => query.IndexName === undefined);
    expect(consentQuery).toMatchObject({ KeyConditionExpression: 'pk = :lead AND begins_with(sk, :consent)', FilterExpression: 'attribute_not_exists(gsi1pk)', ExpressionAttributeValues: { ':consent': 'CONSENT#' } });
    expect(dynamo.commandCalls(UpdateCommand).map((call) => call.args[0].input)).toEqual([
      expect.objectContaining({
        Key: { pk: `LEAD#${LEAD}`, sk: 'CONSENT#2025-03-01T10:00:00.000Z#offers#form-1' },
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(gsi1pk)',
        ExpressionAttributeValues: { ':partition': 'CONSENTS#offers#3', ':sort': `2025-03-01T10:00:00.000Z#${LEAD}` },
      }),
    ]);
    expect(dynamo.commandCalls(PutCommand).map((call) => call.args[0].input.Item)).toMatchObject([{ pk: 'SETTINGS', sk: 'CONSENT_INDEX' }]);
  });

  it('counts a record another call indexed meanwhile as not indexed by this one', async () => {
    dynamo.on(UpdateCommand).rejects(Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' }));
    expect(await backfill('{}')).toMatchObject({ status: 200, body: { scanned: 1, indexed: 0 } });
  });

  it('is for admins only: a marketer gets 403 and nothing is read or written', async () => {
    expect((await backfill(undefined, consoleUser('mia', ['marketer']))).status).toBe(403);
    expect(dynamo.commandCalls(QueryCommand)).toHaveLength(0);
    expect(writes()).toHaveLength(0);
    expect((await backfill(undefined, consoleUser('ana', ['admin']))).status).toBe(200);
  });

  it('answers 400 naming cursor for a cursor it did not give, and reads and writes nothing', async () => {
    for (const body of [JSON.stringify({ cursor: 'eyJzaGFyZCI6OTl9' }), JSON.stringify({ cursor: 'not-a-cursor' }), JSON.stringify({ cursor: '' }), JSON.stringify({ cursor: 7 })]) {
      const answer = await backfill(body);
      expect({ body, status: answer.status, field: answer.body.issues?.[0]?.field }).toEqual({ body, status: 400, field: 'cursor' });
    }
    expect(dynamo.commandCalls(QueryCommand)).toHaveLength(0);
    expect(writes()).toHaveLength(0);
  });

  it('answers 503 with Retry-After when the table throttles, marking nothing', async () => {
    dynamo.on(UpdateCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException' }));
    expect(await backfill(undefined)).toMatchObject({ status: 503, headers: { 'retry-after': '2' } });
    expect(dynamo.commandCalls(PutCommand)).toHaveLength(0);
  });
});
