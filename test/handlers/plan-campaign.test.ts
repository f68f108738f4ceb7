import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { busEnvelope, context, setHandlerEnvironment, sqsEvent } from './fixtures';

setHandlerEnvironment();
const dynamo = mockClient(DynamoDBDocumentClient);
const bus = mockClient(EventBridgeClient);
let handler: (typeof import('../../functions/plan-campaign/handler'))['handler'];

beforeAll(async () => {
  ({ handler } = await import('../../functions/plan-campaign/handler'));
});

const scheduledFor = '2026-12-01T02:00:00.000Z';
const schedule = { sendAt: '2026-12-01T09:00:00', timeZone: 'Asia/Jakarta', sendsAtUtc: scheduledFor };
const due = (at = scheduledFor) => busEnvelope('campaign.send-due', { version: 1, correlationId: 'c-1', campaignId: 'c-1', scheduledFor: at });
let campaign: Record<string, unknown>;

/** The campaign item, with the two conditional writes the due path makes evaluated as DynamoDB would. */
function fakeUpdate(input: UpdateCommandInput) {
  const values = input.ExpressionAttributeValues ?? {};
  if (input.ConditionExpression === '#status = :scheduled AND #schedule.sendsAtUtc = :scheduledFor') {
    const current = campaign.schedule as { sendsAtUtc?: string } | undefined;
    if (campaign.status !== 'scheduled' || current?.sendsAtUtc !== values[':scheduledFor']) {
      throw Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' });
    }
    campaign = { ...campaign, status: 'sending', sendStartedAt: values[':at'] };
  } else if (input.UpdateExpression === 'SET planningRequested = :true') {
    campaign = { ...campaign, planningRequested: true };
  } else {
    throw new Error(`unexpected update ${input.UpdateExpression}`);
  }
  return {};
}

const sendRequests = () =>
  bus.commandCalls(PutEventsCommand).flatMap((call) => (call.args[0].input.Entries ?? []).filter((entry) => entry.DetailType === 'campaign.send-requested').map((entry) => JSON.parse(entry.Detail ?? '{}') as Record<string, unknown>));

beforeEach(() => {
  dynamo.reset();
  bus.reset();
  campaign = { pk: 'CAMPAIGN#c-1', sk: 'CAMPAIGN', id: 'c-1', name: 'n', subscription: 'events', status: 'scheduled', schedule, recipients: 0, planned: false, sent: 0, skipped: 0 };
  dynamo.on(GetCommand).callsFake(() => ({ Item: campaign }));
  dynamo.on(UpdateCommand).callsFake(fakeUpdate);
  bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
});

/** Planning starts in each of the 16 lead-listing partitions, from its first page. */
const everyPartitionFromPageZero = Array.from({ length: 16 }, (_, shard) => ({ version: 1, correlationId: 'c-1', campaignId: 'c-1', shard, page: 0 }));

describe('plan-campaign on campaign.send-due', () => {
  it('moves a campaign still scheduled for that time to sending and starts planning from page 0, once', async () => {
    expect((await handler(sqsEvent([due()]), context)).batchItemFailures).toEqual([]);
    expect(campaign).toMatchObject({ status: 'sending', planningRequested: true });
    expect(sendRequests()).toEqual(everyPartitionFromPageZero);
    // The same due event again (at-least-once delivery, or a duplicate in the same batch): nothing more.
    expect((await handler(sqsEvent([due(), due()]), context)).batchItemFailures).toEqual([]);
    expect(sendRequests()).toEqual(everyPartitionFromPageZero);
  });

  it('does nothing for a campaign unscheduled, moved to another time, cancelled, or already sending', async () => {
    const stale: Record<string, unknown>[] = [
      { status: 'draft', schedule: undefined },
      { status: 'scheduled', schedule: { ...schedule, sendsAtUtc: '2026-12-02T02:00:00.000Z' } },
      { status: 'cancelled' },
      { status: 'sending', planningRequested: true },
      { status: 'paused', planningRequested: true },
    ];
    for (const change of stale) {
      campaign = { ...campaign, status: 'scheduled', schedule, ...change };
      const before = campaign;
      expect((await handler(sqsEvent([due()]), context)).batchItemFailures, JSON.stringify(change)).toEqual([]);
      expect(campaign, JSON.stringify(change)).toEqual(before);
    }
    expect(bus.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('retries a due event whose planning request did not reach the bus, and then starts planning once', async () => {
    bus.on(PutEventsCommand).rejects(new Error('bus unavailable'));
    expect((await handler(sqsEvent([due()]), context)).batchItemFailures).toEqual([{ itemIdentifier: 'message-0' }]);
    expect(campaign).toMatchObject({ status: 'sending' });
    expect(campaign.planningRequested).toBeUndefined();
    bus.reset();
    bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-2' }] });
    expect((await handler(sqsEvent([due()]), context)).batchItemFailures).toEqual([]);
    expect(sendRequests()).toEqual(everyPartitionFromPageZero);
    expect(campaign.planningRequested).toBe(true);
  });

  it('sends a malformed due event to the retry path rather than guessing', async () => {
    const malformed = busEnvelope('campaign.send-due', { version: 1, correlationId: 'c-1', campaignId: 'c-1', scheduledFor: 'tomorrow' });
    expect((await handler(sqsEvent([malformed]), context)).batchItemFailures).toEqual([{ itemIdentifier: 'message-0' }]);
    expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(0);
  });
});
