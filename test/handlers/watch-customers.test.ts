import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { CreateScheduleCommand, SchedulerClient, UpdateScheduleCommand } from '@aws-sdk/client-scheduler';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { busEnvelope, context, setHandlerEnvironment, sqsEvent } from './fixtures';
import { TableFake } from './table-fake';

setHandlerEnvironment();
process.env.PUBLIC_BASE_URL ??= 'https://leadflow.example.com';
process.env.PRIVACY_SALT_SECRET ??= 'leadflow/privacy-salt';
const dynamo = mockClient(DynamoDBDocumentClient);
const bus = mockClient(EventBridgeClient);
const ses = mockClient(SESv2Client);
const scheduler = mockClient(SchedulerClient);
mockClient(SecretsManagerClient);
let handler: (typeof import('../../functions/watch-customers/handler'))['handler'];
let table: TableFake;

beforeAll(async () => {
  ({ handler } = await import('../../functions/watch-customers/handler'));
});

const LEAD_ID = '0b7e8a52-4c1d-4f7e-9d55-3f3c2b1a0e11';
const NOW = Date.now();
const at = (daysAgo: number) => new Date(NOW - daysAgo * 86_400_000).toISOString();
const leadKey = { pk: `LEAD#${LEAD_ID}`, sk: 'PROFILE' };
const customer = {
  ...leadKey,
  id: LEAD_ID,
  email: 'ana@example.com',
  createdAt: at(900),
  updatedAt: at(200),
  firstTouch: { at: at(900) },
  lastTouch: { at: at(900) },
  subscriptions: {},
  version: 3,
  stage: 'customer',
  purchases: { count: 2, total: 300, currency: 'USD', firstAt: at(800), lastAt: at(400) },
};

beforeEach(() => {
  dynamo.reset();
  table = new TableFake();
  table.attach(dynamo);
  table.put(structuredClone(customer));
  bus.reset();
  bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'bus-event' }] });
  scheduler.reset();
  scheduler.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn:aws:scheduler:us-east-1:123456789012:schedule/leadflow-schedules/x' });
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

  it("reassesses on the customer's daily timer and sets the next one a day on", async () => {
    const result = await handler(sqsEvent([busEnvelope('care.reassessment-due', { version: 1, correlationId: 'c-1', leadId: LEAD_ID })]), context);
    expect(result.batchItemFailures).toEqual([]);
    expect(purchaseFactor()).toMatchObject({ points: 15 });
    const timer = scheduler.commandCalls(CreateScheduleCommand)[0]?.args[0].input;
    expect(timer?.Name).toMatch(/^reassess-[0-9a-f]{40}$/);
    expect(timer?.Name).not.toContain(LEAD_ID);
    const runsAt = Date.parse(`${String(timer?.ScheduleExpression).slice(3, -1)}Z`);
    expect(runsAt - Date.now()).toBeGreaterThan(86_000_000);
    expect(runsAt - Date.now()).toBeLessThanOrEqual(86_400_000);
    expect(timer?.Target?.EventBridgeParameters?.DetailType).toBe('care.reassessment-due');
    expect(JSON.parse(timer?.Target?.Input ?? '{}')).toMatchObject({ leadId: LEAD_ID });
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

describe('watch-customers, the care timer backfill', () => {
  const listed = () => table.put({ ...structuredClone(customer), gsi1pk: `LEADS#${LEAD_ID.charAt(0)}`, gsi1sk: LEAD_ID });
  const busEntries = () => bus.commandCalls(PutEventsCommand).flatMap((call) => call.args[0].input.Entries ?? []);

  it('walks the listing and asks for the timers of each customer, handing nothing on once every lead was looked at', async () => {
    listed();
    const result = await handler(sqsEvent([busEnvelope('care.timers-backfill-requested', { version: 1, correlationId: 'deploy' })]), context);
    expect(result.batchItemFailures).toEqual([]);
    expect(busEntries().map((entry) => [entry.DetailType, JSON.parse(entry.Detail ?? '{}')])).toEqual([
      ['care.reassessment-due', { version: 1, correlationId: 'deploy', leadId: LEAD_ID, backfill: true }],
    ]);
  });

  it('makes the missing timers and leaves one that exists where it is (CreateSchedule only, never UpdateSchedule)', async () => {
    const conflicts: string[] = [];
    scheduler.on(CreateScheduleCommand).callsFake((input: { Name: string }) => {
      if (!input.Name.startsWith('survey-')) return { ScheduleArn: 'arn' };
      conflicts.push(input.Name);
      throw Object.assign(new Error('Schedule exists'), { name: 'ConflictException', $metadata: {} });
    });
    const result = await handler(sqsEvent([busEnvelope('care.reassessment-due', { version: 1, correlationId: 'deploy', leadId: LEAD_ID, backfill: true })]), context);
    expect(result.batchItemFailures).toEqual([]);
    expect(scheduler.commandCalls(CreateScheduleCommand).map((call) => call.args[0].input.Name?.split('-')[0]).sort()).toEqual(['reassess', 'survey']);
    expect(conflicts).toHaveLength(1);
    expect(scheduler.commandCalls(UpdateScheduleCommand)).toHaveLength(0);
    // No reassessment: the risk is left for the timer.
    expect(storedRisk()).toBeUndefined();
  });
});
