import { GetScheduleCommand, ResourceNotFoundException, SchedulerClient } from '@aws-sdk/client-scheduler';
import { TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScheduler } from '../../local/scheduler';
import { freePort } from '../../local/services';
import { CareStore } from '../../src/adapters/care-store';
import * as keys from '../../src/adapters/keys';
import { createLeadWrites, type NewLead } from '../../src/adapters/lead-items';
import { LeadListing } from '../../src/adapters/lead-listing';
import { LeadStore } from '../../src/adapters/lead-store';
import { createOneTimeSchedule, putOneTimeSchedule, type SchedulerSettings } from '../../src/adapters/scheduler';
import { CustomerTimers, reassessmentScheduleName, surveyScheduleName } from '../../src/app/care-timers';
import { TimerBackfill } from '../../src/app/timer-backfill';
import { DetailType } from '../../src/domain/events';
import { LEAD_LISTING_SHARDS } from '../../src/domain/lead-listing';
import { MemoryLog, MemoryPublisher } from '../app/in-memory';
import { dynamoDbLocal, TABLE_NAME } from './dynamo-local';

const DAY_MS = 86_400_000;
const NOW = Date.now();
const iso = (ms: number) => new Date(ms).toISOString();
const SETTINGS: SchedulerSettings = {
  groupName: 'leadflow',
  roleArn: 'arn:aws:iam::000000000000:role/leadflow-scheduler',
  busArn: 'arn:aws:events:us-east-1:000000000000:event-bus/leadflow',
  deadLetterArn: 'arn:aws:sqs:us-east-1:000000000000:leadflow-schedules-dlq',
};

/** 12 customers and 6 other leads, spread over the listing's partitions (a lead's partition is its id's first character). */
const customerIds = LEAD_LISTING_SHARDS.slice(0, 12).map((shard, index) => `${shard}c-customer-${index}`);
const otherIds = LEAD_LISTING_SHARDS.slice(4, 10).map((shard, index) => `${shard}p-prospect-${index}`);

const newLead = (id: string): NewLead => ({
  id,
  email: `${id}@example.com`,
  createdAt: iso(NOW - 300 * DAY_MS),
  updatedAt: iso(NOW - 300 * DAY_MS),
  firstTouch: { at: iso(NOW - 300 * DAY_MS) },
  lastTouch: { at: iso(NOW - 300 * DAY_MS) },
  subscriptions: { product_updates: 'opted_in' },
  stage: 'lead',
  stageChangedAt: iso(NOW - 200 * DAY_MS),
  version: 1,
});

let table: Awaited<ReturnType<typeof dynamoDbLocal>>;
let scheduler: Awaited<ReturnType<typeof startScheduler>>;
let client: SchedulerClient;
let publisher: MemoryPublisher;
let worker: CustomerTimers;
let backfill: TimerBackfill;

beforeAll(async () => {
  table = await dynamoDbLocal();
  scheduler = await startScheduler({ port: await freePort(), region: 'us-east-1', deliver: async () => {}, log: () => {} });
  client = new SchedulerClient({ endpoint: scheduler.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
  for (const id of [...customerIds, ...otherIds]) await table.documents.send(new TransactWriteCommand({ TransactItems: createLeadWrites(TABLE_NAME, newLead(id)) }));
  // The customers became customers 200 days ago; the others stay leads, a stage no recurring survey of the defaults names.
  for (const id of customerIds) {
    await table.documents.send(new UpdateCommand({ TableName: TABLE_NAME, Key: keys.lead(id), UpdateExpression: 'SET #stage = :customer', ExpressionAttributeNames: { '#stage': 'stage' }, ExpressionAttributeValues: { ':customer': 'customer' } }));
  }
  const care = new CareStore(table.documents, TABLE_NAME);
  const log = new MemoryLog();
  publisher = new MemoryPublisher();
  worker = new CustomerTimers({
    leads: new LeadStore(table.documents, TABLE_NAME),
    settings: care,
    schedules: { put: (schedule) => putOneTimeSchedule(client, SETTINGS, schedule), create: (schedule) => createOneTimeSchedule(client, SETTINGS, schedule) },
    log,
    now: () => new Date(NOW),
  });
  backfill = new TimerBackfill({ listing: new LeadListing(table.documents, TABLE_NAME), settings: care, publisher, log });
}, 60_000);

afterAll(async () => {
  client?.destroy();
  await scheduler?.stop();
});

/** Runs a whole backfill as schedule-care-timers does: each walk step has time for `pagesPerStep` pages of 4 leads, then hands on. */
async function runBackfill(pagesPerStep: number) {
  const from = publisher.events.length;
  await publisher.publish([{ detailType: DetailType.CareTimersBackfillRequested, detail: { version: 1, correlationId: 'test' } }]);
  let steps = 0;
  let created = 0;
  for (let next = from; next < publisher.events.length; next += 1) {
    const event = publisher.events[next];
    if (event?.detailType === DetailType.CareTimersBackfillRequested) {
      let pages = 0;
      steps += 1;
      await backfill.walk(event.detail.cursor, 'test', () => ++pages < pagesPerStep, 4);
    }
    if (event?.detailType === DetailType.ReassessmentDue && event.detail.backfill) created += (await worker.ensureTimers(event.detail.leadId, 'test')).created;
  }
  const asked = publisher.events.slice(from).flatMap((event) => (event.detailType === DetailType.ReassessmentDue ? [event.detail.leadId] : []));
  return { steps, created, asked };
}

const scheduleOf = async (name: string) => {
  try {
    return await client.send(new GetScheduleCommand({ Name: name, GroupName: SETTINGS.groupName }));
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
};

describe('the care timer backfill on DynamoDB Local and the Scheduler stand-in', () => {
  const kept = customerIds[3] as string;
  const keptAt = new Date(NOW + 45 * DAY_MS).toISOString().slice(0, 19);

  it('pages through every lead, gives each customer its reassessment and NPS timers, and moves none that existed', async () => {
    // One customer already has its NPS timer 45 days out: the backfill must leave it there.
    await putOneTimeSchedule(client, SETTINGS, {
      name: surveyScheduleName('nps', kept),
      description: 'Survey nps round',
      at: keptAt,
      timeZone: 'UTC',
      detailType: DetailType.SurveyDue,
      detail: { version: 1, correlationId: 'earlier', leadId: kept, surveyId: 'nps', cause: 'schedule', requestId: `schedule-${keptAt}` },
      retryPolicy: { MaximumRetryAttempts: 20, MaximumEventAgeInSeconds: 86_400 },
    });
    const run = await runBackfill(2);
    // 18 leads in pages of 4, two pages a step: at least 3 steps, each handing on with its cursor.
    expect(run.steps).toBeGreaterThanOrEqual(3);
    expect(run.asked.sort()).toEqual([...customerIds].sort());
    expect(run.created).toBe(customerIds.length * 2 - 1);
    for (const id of customerIds) {
      expect(await scheduleOf(reassessmentScheduleName(id)), id).toMatchObject({ ScheduleExpression: expect.stringMatching(/^at\(/) });
      expect(await scheduleOf(surveyScheduleName('nps', id)), id).toBeDefined();
    }
    for (const id of otherIds) expect(await scheduleOf(reassessmentScheduleName(id)), id).toBeUndefined();
    expect((await scheduleOf(surveyScheduleName('nps', kept)))?.ScheduleExpression).toBe(`at(${keptAt})`);
  }, 60_000);

  it('changes nothing when run again', async () => {
    const names = customerIds.flatMap((id) => [reassessmentScheduleName(id), surveyScheduleName('nps', id)]);
    const before = await Promise.all(names.map(async (name) => ({ name, schedule: await scheduleOf(name) })));
    const run = await runBackfill(100);
    expect(run.steps).toBe(1);
    expect(run.created).toBe(0);
    const after = await Promise.all(names.map(async (name) => ({ name, schedule: await scheduleOf(name) })));
    const shape = (entries: typeof before) => entries.map(({ name, schedule }) => ({ name, expression: schedule?.ScheduleExpression, modified: schedule?.LastModificationDate?.getTime(), input: schedule?.Target?.Input }));
    expect(shape(after)).toEqual(shape(before));
  }, 60_000);
});
