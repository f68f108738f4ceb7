import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { manifest } from '../../manifest/manifest';
import { customerItem, daysAgo, LEAD_ID, leadKey } from './care-customer';
import { busEnvelope, context, setHandlerEnvironment, sqsEvent } from './fixtures';
import { TableFake } from './table-fake';

setHandlerEnvironment();
const dynamo = mockClient(DynamoDBDocumentClient);
const bus = mockClient(EventBridgeClient);
const ses = mockClient(SESv2Client);
let handler: (typeof import('../../functions/watch-customers/handler'))['handler'];
let table: TableFake;

beforeAll(async () => {
  ({ handler } = await import('../../functions/watch-customers/handler'));
});

const at = daysAgo;
const customer = customerItem({ purchases: { count: 2, total: 300, currency: 'USD', firstAt: at(800), lastAt: at(400) } });

beforeEach(() => {
  dynamo.reset();
  table = new TableFake();
  table.attach(dynamo);
  table.put(structuredClone(customer));
  bus.reset();
  bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'bus-event' }] });
  ses.reset();
  ses.on(SendEmailCommand).resolves({ MessageId: 'ses-1' });
});

const purchaseRecorded = (detail: Record<string, unknown> = {}) =>
  busEnvelope('purchase.recorded', { version: 1, correlationId: 'c-1', leadId: LEAD_ID, orderId: 'A-1', purchasedAt: at(1), ...detail });
type StoredRisk = { score: number; breakdown: { input: string; value?: number; points: number }[] };
const storedRisk = () => (table.get(leadKey)?.care as { risk?: StoredRisk } | undefined)?.risk;
const purchaseFactor = () => storedRisk()?.breakdown.find((factor) => factor.input === 'daysSinceLastPurchase');

describe('watch-customers', () => {
  it('reassesses the churn risk when a purchase is recorded, with days since the last purchase as it now is', async () => {
    const result = await handler(sqsEvent([purchaseRecorded()]), context);
    expect(result.batchItemFailures).toEqual([]);
    expect(purchaseFactor()).toMatchObject({ points: 15 });
    expect(purchaseFactor()?.value).toBeGreaterThanOrEqual(399);

    // The new order moves the last purchase to yesterday: the same event reassesses the factor to 0 points.
    table.put({ ...(table.get(leadKey) ?? {}), purchases: { ...customer.purchases, count: 3, total: 400, lastAt: at(1) } });
    expect((await handler(sqsEvent([purchaseRecorded({ orderId: 'A-2' })]), context)).batchItemFailures).toEqual([]);
    expect(purchaseFactor()).toMatchObject({ points: 0 });
    expect(purchaseFactor()?.value).toBeLessThan(2);
  });

  it("reassesses on the customer's daily timer, whose next one is schedule-care-timers' to set", async () => {
    const result = await handler(sqsEvent([busEnvelope('care.reassessment-due', { version: 1, correlationId: 'c-1', leadId: LEAD_ID })]), context);
    expect(result.batchItemFailures).toEqual([]);
    expect(purchaseFactor()).toMatchObject({ points: 15 });
  });

  it('alerts once for an episode, however often its triggers are delivered, in one batch or in the next', async () => {
    const answeredAt = at(1);
    table.put({ ...structuredClone(customer), care: { satisfaction: { nps: { surveyId: 'nps', kind: 'nps', sendId: 'send-1', score: 3, category: 'detractor', answeredAt } } } });
    const answered = busEnvelope('care.survey-answered', { version: 1, correlationId: 'c-1', leadId: LEAD_ID, surveyId: 'nps', kind: 'nps', sendId: 'send-1', score: 3, category: 'detractor', answeredAt });
    await handler(sqsEvent([answered, answered]), context);
    expect((await handler(sqsEvent([answered, purchaseRecorded()]), context)).batchItemFailures).toEqual([]);
    const alerts = ses.commandCalls(SendEmailCommand).map((call) => call.args[0].input.Destination?.ToAddresses);
    expect(alerts).toEqual([['sales@example.com']]);
    const alerted = bus.commandCalls(PutEventsCommand).flatMap((call) => call.args[0].input.Entries ?? []).filter((entry) => entry.DetailType === 'care.customer-alerted');
    expect(new Set(alerted.map((entry) => JSON.parse(entry.Detail ?? '{}').episodeStartedAt)).size).toBe(1);
  });

  it("retries an alert another invocation claimed moments ago, and on the queue's last delivery takes the claim over and sends it", async () => {
    const answeredAt = at(1);
    table.put({ ...structuredClone(customer), care: { satisfaction: { nps: { surveyId: 'nps', kind: 'nps', sendId: 'send-1', score: 3, category: 'detractor', answeredAt } } } });
    const answered = busEnvelope('care.survey-answered', { version: 1, correlationId: 'c-1', leadId: LEAD_ID, surveyId: 'nps', kind: 'nps', sendId: 'send-1', score: 3, category: 'detractor', answeredAt });
    expect((await handler(sqsEvent([answered]), context)).batchItemFailures).toEqual([]);
    // As a sender that claimed the alert and died would have left it (npm start killed: its queue delivers again at once, then every few seconds).
    const [claimKey] = [...table.items.values()].filter((item) => item.entity === 'customer-alert');
    if (!claimKey) throw new Error('no alert claim');
    table.put({ ...claimKey, status: 'sending', claimedAt: new Date().toISOString(), token: 'a-dead-sender', messageId: undefined });
    ses.resetHistory();
    expect((await handler(sqsEvent([answered]), context)).batchItemFailures).toEqual([{ itemIdentifier: 'message-0' }]);
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);

    const consumer = manifest.functions.find((fn) => fn.name === 'watch-customers');
    if (consumer?.trigger.kind !== 'event') throw new Error('watch-customers is a queue consumer');
    const lastDelivery = sqsEvent([answered]);
    for (const record of lastDelivery.Records) record.attributes.ApproximateReceiveCount = String(consumer.trigger.maxReceiveCount);
    expect((await handler(lastDelivery, context)).batchItemFailures).toEqual([]);
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(1);
    expect(table.get(claimKey)).toMatchObject({ status: 'sent', messageId: 'ses-1' });
  });

  it.each([
    ['a detail without its lead', purchaseRecorded({ leadId: undefined })],
    ['a body that is not JSON', '{"detail-type": '],
    ['an event it does not take', busEnvelope('lead.qualified', { version: 1, correlationId: 'c-1', leadId: LEAD_ID })],
  ])('fails %s alone, storing nothing, so it is retried and then kept in the DLQ', async (_case, body) => {
    const result = await handler(sqsEvent([body, purchaseRecorded()]), context);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'message-0' }]);
    expect(purchaseFactor()).toMatchObject({ points: 15 });
    const writes = [...dynamo.commandCalls(UpdateCommand), ...dynamo.commandCalls(TransactWriteCommand)];
    expect(writes.every((call) => JSON.stringify(call.args[0].input).includes(LEAD_ID))).toBe(true);
  });

  it('reports the record for retry when DynamoDB fails, and the retry stores the risk', async () => {
    const fault = Object.assign(new Error('Internal server error'), { name: 'InternalServerError', $metadata: {} });
    dynamo.on(UpdateCommand).rejects(fault);
    dynamo.on(TransactWriteCommand).rejects(fault);
    const failed = await handler(sqsEvent([purchaseRecorded()]), context);
    expect(failed.batchItemFailures).toEqual([{ itemIdentifier: 'message-0' }]);
    expect(storedRisk()).toBeUndefined();

    table.attach(dynamo);
    expect((await handler(sqsEvent([purchaseRecorded()]), context)).batchItemFailures).toEqual([]);
    expect(purchaseFactor()).toMatchObject({ points: 15 });
  });
});
