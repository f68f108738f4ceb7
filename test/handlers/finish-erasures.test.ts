import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { busEnvelope, context, setHandlerEnvironment, sqsEvent } from './fixtures';
import { TableFake } from './table-fake';

setHandlerEnvironment();
const dynamo = mockClient(DynamoDBDocumentClient);
let handler: (typeof import('../../functions/finish-erasures/handler'))['handler'];

beforeAll(async () => {
  ({ handler } = await import('../../functions/finish-erasures/handler'));
});

const sweep = (leadId: string) => busEnvelope('lead.erasure-sweep-due', { version: 1, correlationId: 'erasure-1', leadId, erasureId: 'erasure-1' });
/** What work that read lead-1 just before its erasure wrote after it: a journey's enrolment, a campaign's claim, a rescoring marker. */
const writtenAfter = [
  { pk: 'LEAD#lead-1', sk: 'JOURNEY#j-1', entity: 'enrolment', leadId: 'lead-1' },
  { pk: 'CAMPAIGN#c-1#SEND#lead-1', sk: 'SEND', entity: 'campaign-send', leadId: 'lead-1', status: 'sending' },
  { pk: 'RESCORE#job-1', sk: 'LEAD#lead-1', entity: 'rescored' },
];
const others = [
  { pk: 'CAMPAIGN_IDS', sk: 'c-1' },
  { pk: 'RULESET#v2', sk: 'RULESET', gsi1pk: 'RULESETS', gsi1sk: '2026-12-01T00:00:00.000Z#v2', version: 'v2', status: 'active', rescoreJobId: 'job-1' },
  { pk: 'CAMPAIGN#c-1#SEND#lead-2', sk: 'SEND', entity: 'campaign-send', leadId: 'lead-2', status: 'sent' },
  { pk: 'LEAD#lead-2', sk: 'PROFILE', entity: 'lead', id: 'lead-2', email: 'bo@example.com' },
  { pk: 'LEAD#lead-2', sk: 'JOURNEY#j-1', entity: 'enrolment', leadId: 'lead-2' },
];

let table: TableFake;

beforeEach(() => {
  dynamo.reset();
  table = new TableFake();
  table.attach(dynamo);
  for (const item of [...writtenAfter, ...others]) table.put(item);
});

describe('finish-erasures', () => {
  it("deletes what names the erased lead's id, found by the id, and nothing else", async () => {
    const result = await handler(sqsEvent([sweep('lead-1')]), context);

    expect(result).toEqual({ batchItemFailures: [] });
    for (const item of writtenAfter) expect(table.get(item), item.pk).toBeUndefined();
    for (const item of others) expect(table.get(item), item.pk).toEqual(item);
  });

  it('deletes nothing of a lead whose profile is still there', async () => {
    const result = await handler(sqsEvent([sweep('lead-2')]), context);

    expect(result).toEqual({ batchItemFailures: [] });
    expect(dynamo.commandCalls(BatchWriteCommand)).toEqual([]);
    for (const item of others) expect(table.get(item), item.pk).toEqual(item);
  });

  it('hands back a sweep the table refused, for SQS to deliver again, and one whose detail does not parse', async () => {
    dynamo.on(BatchWriteCommand).rejects(Object.assign(new Error('Internal server error'), { name: 'InternalServerError' }));
    const malformed = busEnvelope('lead.erasure-sweep-due', { version: 1, correlationId: 'erasure-2', erasureId: 'erasure-2' });

    const result = await handler(sqsEvent([sweep('lead-1'), malformed]), context);

    expect(result?.batchItemFailures.map((failure) => failure.itemIdentifier).sort()).toEqual(['message-0', 'message-1']);
    for (const item of writtenAfter) expect(table.get(item), item.pk).toEqual(item);
  });
});
