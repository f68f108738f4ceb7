import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { CreateScheduleCommand, SchedulerClient, UpdateScheduleCommand } from '@aws-sdk/client-scheduler';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { customerItem, daysAgo, LEAD_ID } from './care-customer';
import { busEnvelope, context, setHandlerEnvironment, sqsEvent } from './fixtures';
import { TableFake } from './table-fake';

setHandlerEnvironment();
const dynamo = mockClient(DynamoDBDocumentClient);
const bus = mockClient(EventBridgeClient);
const scheduler = mockClient(SchedulerClient);
let handler: (typeof import('../../functions/schedule-care-timers/handler'))['handler'];
let table: TableFake;

beforeAll(async () => {
  ({ handler } = await import('../../functions/schedule-care-timers/handler'));
});

const at = daysAgo;
const customer = customerItem();

beforeEach(() => {
  dynamo.reset();
  table = new TableFake();
  table.attach(dynamo);
  table.put(structuredClone(customer));
  bus.reset();
  bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'bus-event' }] });
  scheduler.reset();
  scheduler.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn:aws:scheduler:us-east-1:123456789012:schedule/leadflow-schedules/x' });
});

const timers = () => scheduler.commandCalls(CreateScheduleCommand).map((call) => call.args[0].input);
const runsIn = (timer: { ScheduleExpression?: string } | undefined) => Date.parse(`${String(timer?.ScheduleExpression).slice(3, -1)}Z`) - Date.now();

describe('schedule-care-timers', () => {
  it("sets a customer's next reassessment a day on when its daily timer fires", async () => {
    const result = await handler(sqsEvent([busEnvelope('care.reassessment-due', { version: 1, correlationId: 'c-1', leadId: LEAD_ID })]), context);
    expect(result.batchItemFailures).toEqual([]);
    const [timer] = timers();
    expect(timer?.Name).toMatch(/^reassess-[0-9a-f]{40}$/);
    expect(timer?.Name).not.toContain(LEAD_ID);
    expect(runsIn(timer)).toBeGreaterThan(86_000_000);
    expect(runsIn(timer)).toBeLessThanOrEqual(86_400_000);
    expect(timer?.Target?.EventBridgeParameters?.DetailType).toBe('care.reassessment-due');
    expect(JSON.parse(timer?.Target?.Input ?? '{}')).toMatchObject({ leadId: LEAD_ID });
  });

  it('lets the daily timer lapse for a lead no longer a customer', async () => {
    table.put({ ...structuredClone(customer), stage: 'churned' });
    expect((await handler(sqsEvent([busEnvelope('care.reassessment-due', { version: 1, correlationId: 'c-1', leadId: LEAD_ID })]), context)).batchItemFailures).toEqual([]);
    expect(timers()).toEqual([]);
  });

  it('starts the daily reassessment and the recurring surveys when a lead becomes a customer; a repeat moves them to the same times', async () => {
    const becameCustomer = busEnvelope('lead.stage-changed', { version: 1, correlationId: 'c-1', leadId: LEAD_ID, from: 'opportunity', to: 'customer', at: at(0), cause: 'won', actor: 'rep-1' });
    expect((await handler(sqsEvent([becameCustomer]), context)).batchItemFailures).toEqual([]);
    expect(timers().map((timer) => timer.Name?.split('-')[0]).sort()).toEqual(['reassess', 'survey']);
    expect(timers().find((timer) => timer.Name?.startsWith('survey-'))?.Target?.EventBridgeParameters?.DetailType).toBe('care.survey-due');
  });
});

describe('schedule-care-timers, the care timer backfill', () => {
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
  });
});
