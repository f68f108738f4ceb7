import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient, GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { starterRuleset } from '../../src/domain/scoring/starter-ruleset';
import { context, httpEvent, setHandlerEnvironment } from './fixtures';

setHandlerEnvironment();
const dynamo = mockClient(DynamoDBDocumentClient);
const bus = mockClient(EventBridgeClient);
let handler: (typeof import('../../functions/manage-rulesets/handler'))['handler'];

beforeAll(async () => {
  ({ handler } = await import('../../functions/manage-rulesets/handler'));
});

let table: Map<string, Record<string, unknown>>;
const draft = { ...starterRuleset, version: 'q4-1' };
const call = async (method: string, route: string, path: string, body?: unknown) =>
  (await handler(
    httpEvent({ method, route, path, pathParameters: { version: 'q4-1' }, ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }) }),
    context,
  )) as APIGatewayProxyStructuredResultV2;

beforeEach(() => {
  dynamo.reset();
  bus.reset();
  table = new Map([['RULESET#q4-1', { pk: 'RULESET#q4-1', sk: 'RULESET', version: 'q4-1', status: 'draft', ruleset: draft, createdAt: 't', updatedAt: 't', backtest: { ranAt: 't' } }]]);
  dynamo.on(GetCommand).callsFake((input: { Key: { pk: string } }) => ({ Item: table.get(input.Key.pk) }));
  dynamo.on(TransactWriteCommand).callsFake((input: { TransactItems: { Put?: { Item: Record<string, unknown> } }[] }) => {
    const job = input.TransactItems.find((item) => item.Put?.Item.entity === 'rescore-job')?.Put?.Item;
    if (job) {
      table.set(job.pk as string, job);
      table.set('RULESET#q4-1', { ...table.get('RULESET#q4-1'), status: 'active', rescoreJobId: job.jobId });
    }
    return {};
  });
});

describe('manage-rulesets', () => {
  it('answers 503 when the bus refuses the start of rescoring, and a repeated activation starts the same job', async () => {
    bus.on(PutEventsCommand).rejectsOnce(new Error('bus down')).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
    const first = await call('POST', '/v1/admin/rulesets/{version}/activate', '/v1/admin/rulesets/q4-1/activate');
    expect(first.statusCode).toBe(503);
    expect(JSON.parse(first.body ?? '{}').message).toMatch(/repeat the activation/);

    const again = await call('POST', '/v1/admin/rulesets/{version}/activate', '/v1/admin/rulesets/q4-1/activate');
    expect(again.statusCode).toBe(202);
    const jobId = JSON.parse(again.body ?? '{}').jobId as string;
    expect(table.get(`RESCORE#${jobId}`)).toBeDefined();
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(1);
    const detail = JSON.parse(bus.commandCalls(PutEventsCommand)[1]?.args[0].input.Entries?.[0]?.Detail ?? '{}');
    expect(detail).toMatchObject({ jobId, rulesetVersion: 'q4-1', page: 0 });
  });

  it('refuses a draft whose version differs from the URL, naming the field, and stores nothing', async () => {
    const response = await call('PUT', '/v1/admin/rulesets/{version}', '/v1/admin/rulesets/q4-1', { ...draft, version: 'q4-2' });
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body ?? '{}').issues).toEqual([{ field: 'version', message: 'must be q4-1, as in the URL' }]);
    expect(dynamo.commandCalls(PutCommand)).toHaveLength(0);
  });
});
