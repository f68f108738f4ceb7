import { ConflictException, CreateScheduleCommand, DeleteScheduleCommand, ResourceNotFoundException, SchedulerClient, ThrottlingException, UpdateScheduleCommand } from '@aws-sdk/client-scheduler';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { LEAD_LISTING_SHARDS } from '../../src/domain/lead-listing';
import { context, httpEvent, setHandlerEnvironment } from './fixtures';

setHandlerEnvironment();
const dynamo = mockClient(DynamoDBDocumentClient);
const scheduler = mockClient(SchedulerClient);
const bus = mockClient(EventBridgeClient);
let handler: (typeof import('../../functions/control-campaigns/handler'))['handler'];

const campaignId = '3f1c2a9e-5b7d-4c8e-9f10-1a2b3c4d5e6f';
const draft = { pk: `CAMPAIGN#${campaignId}`, sk: 'CAMPAIGN', id: campaignId, name: 'Launch', subscription: 'events', status: 'draft', recipients: 0, planned: false, sent: 0, skipped: 0 };
const scheduled = { ...draft, status: 'scheduled', schedule: { sendAt: '2026-12-01T09:00:00', timeZone: 'Asia/Jakarta', sendsAtUtc: '2026-12-01T02:00:00.000Z' } };
let stored: Record<string, unknown>;

beforeAll(async () => {
  // Only the clock is fake: "now" is 2026-11-24 12:00 UTC for every past / horizon decision.
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date('2026-11-24T12:00:00Z'));
  ({ handler } = await import('../../functions/control-campaigns/handler'));
});
afterAll(() => vi.useRealTimers());

beforeEach(() => {
  dynamo.reset();
  scheduler.reset();
  bus.reset();
  stored = draft;
  dynamo.on(GetCommand).callsFake(() => ({ Item: stored }));
  // The campaign's plan and counter shards: none yet.
  dynamo.on(BatchGetCommand).resolves({});
  dynamo.on(UpdateCommand).resolves({});
  scheduler.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn' });
  scheduler.on(UpdateScheduleCommand).resolves({ ScheduleArn: 'arn' });
  scheduler.on(DeleteScheduleCommand).resolves({});
  bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
});

const post = async (action: string, body?: unknown) =>
  (await handler(
    httpEvent({
      path: `/v1/admin/campaigns/${campaignId}/${action}`,
      route: `/v1/admin/campaigns/{campaignId}/${action}`,
      pathParameters: { campaignId },
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    }),
    context,
  )) as APIGatewayProxyStructuredResultV2;
const bodyOf = (response: APIGatewayProxyStructuredResultV2) => JSON.parse(String(response.body)) as { message: string; issues?: { field: string }[] } & Record<string, unknown>;
const published = () => bus.commandCalls(PutEventsCommand).flatMap((call) => call.args[0].input.Entries ?? []);
const statusWrites = () => dynamo.commandCalls(UpdateCommand).map((call) => call.args[0].input.ExpressionAttributeValues);

describe('POST /v1/admin/campaigns/{campaignId}/schedule', () => {
  it('creates a one-time schedule in the zone that puts campaign.send-due on the bus, then marks the draft scheduled', async () => {
    const response = await post('schedule', { sendAt: '2026-12-01T09:00', timeZone: 'Asia/Jakarta' });
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toMatchObject({ status: 'scheduled', schedule: { sendAt: '2026-12-01T09:00:00', timeZone: 'Asia/Jakarta', sendsAtUtc: '2026-12-01T02:00:00.000Z' } });
    const input = scheduler.commandCalls(CreateScheduleCommand)[0]?.args[0].input;
    expect(input).toMatchObject({
      Name: `campaign-${campaignId}`,
      GroupName: 'leadflow-schedules',
      ScheduleExpression: 'at(2026-12-01T09:00:00)',
      ScheduleExpressionTimezone: 'Asia/Jakarta',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      Target: {
        Arn: 'arn:aws:events:us-east-1:123456789012:event-bus/leadflow-test',
        RoleArn: 'arn:aws:iam::123456789012:role/leadflow-scheduler',
        EventBridgeParameters: { DetailType: 'campaign.send-due', Source: 'leadflow' },
        DeadLetterConfig: { Arn: 'arn:aws:sqs:us-east-1:123456789012:leadflow-schedule-dlq' },
        RetryPolicy: { MaximumRetryAttempts: expect.any(Number), MaximumEventAgeInSeconds: expect.any(Number) },
      },
    });
    expect(JSON.parse(input?.Target?.Input ?? '')).toEqual({ version: 1, correlationId: campaignId, campaignId, scheduledFor: '2026-12-01T02:00:00.000Z' });
    expect(dynamo.commandCalls(UpdateCommand)[0]?.args[0].input).toMatchObject({
      ConditionExpression: '#status IN (:draft, :scheduled)',
      ExpressionAttributeValues: { ':scheduled': 'scheduled', ':schedule': { sendsAtUtc: '2026-12-01T02:00:00.000Z' } },
    });
  });

  it('moves the time of a scheduled campaign: the existing schedule (ConflictException) is updated', async () => {
    stored = scheduled;
    scheduler.on(CreateScheduleCommand).rejects(new ConflictException({ message: 'exists', Message: 'exists', $metadata: {} }));
    const response = await post('schedule', { sendAt: '2026-12-02T18:30:15', timeZone: 'America/New_York' });
    expect(response.statusCode).toBe(200);
    const update = scheduler.commandCalls(UpdateScheduleCommand)[0]?.args[0].input;
    expect(update).toMatchObject({ Name: `campaign-${campaignId}`, ScheduleExpression: 'at(2026-12-02T18:30:15)', ScheduleExpressionTimezone: 'America/New_York' });
    expect(JSON.parse(update?.Target?.Input ?? '')).toMatchObject({ scheduledFor: '2026-12-02T23:30:15.000Z' });
  });

  it('answers 400 naming sendAt or timeZone, and neither schedules nor writes', async () => {
    const cases: [unknown, string, RegExp][] = [
      [{ timeZone: 'Asia/Jakarta' }, 'sendAt', /./],
      [{ sendAt: '2026-12-01T09:00', timeZone: 'Asia/Jakartaa' }, 'timeZone', /not a known IANA time zone/],
      [{ sendAt: '2026-12-01T09:00Z', timeZone: 'Asia/Jakarta' }, 'sendAt', /local time/],
      [{ sendAt: '2026-11-24T18:00', timeZone: 'Asia/Jakarta' }, 'sendAt', /already passed/],
      [{ sendAt: '2027-03-14T02:30', timeZone: 'America/New_York' }, 'sendAt', /does not exist/],
      [{ sendAt: '2028-01-01T09:00', timeZone: 'UTC' }, 'sendAt', /365 days/],
      [{ sendAt: '2026-12-01T09:00', timeZone: 'UTC', at: 'x' }, '(body)', /unknown field/],
    ];
    for (const [body, field, message] of cases) {
      const response = await post('schedule', body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      expect(bodyOf(response).issues?.[0]?.field).toBe(field);
      expect(bodyOf(response).message).toMatch(message);
    }
    expect(scheduler.calls()).toHaveLength(0);
    expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it('answers 409 naming the status of a campaign that is not a draft or scheduled', async () => {
    stored = { ...draft, status: 'sending', planned: false };
    const response = await post('schedule', { sendAt: '2026-12-01T09:00', timeZone: 'Asia/Jakarta' });
    expect(response.statusCode).toBe(409);
    expect(bodyOf(response).message).toMatch(/is sending; schedule needs it draft or scheduled/);
    expect(scheduler.calls()).toHaveLength(0);
  });

  it('answers 503 with Retry-After when the Scheduler fails, and the campaign stays a draft', async () => {
    scheduler.on(CreateScheduleCommand).rejects(new ThrottlingException({ message: 'slow down', Message: 'slow down', $metadata: {} }));
    const response = await post('schedule', { sendAt: '2026-12-01T09:00', timeZone: 'Asia/Jakarta' });
    expect(response.statusCode).toBe(503);
    expect(response.headers?.['retry-after']).toBeDefined();
    expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(0);
  });
});

describe('unschedule and cancel', () => {
  it('unschedule deletes the schedule and returns the campaign to draft; a schedule already gone is fine', async () => {
    stored = scheduled;
    scheduler.on(DeleteScheduleCommand).rejects(new ResourceNotFoundException({ message: 'gone', Message: 'gone', $metadata: {} }));
    const response = await post('unschedule');
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toMatchObject({ status: 'draft' });
    expect(scheduler.commandCalls(DeleteScheduleCommand)[0]?.args[0].input).toEqual({ Name: `campaign-${campaignId}`, GroupName: 'leadflow-schedules' });
    expect(dynamo.commandCalls(UpdateCommand)[0]?.args[0].input).toMatchObject({ UpdateExpression: 'SET #status = :draft REMOVE #schedule', ConditionExpression: '#status = :scheduled' });
  });

  it('unschedule of a draft is a 409 naming its status; a Scheduler failure is a 503 that changes nothing', async () => {
    const notScheduled = await post('unschedule');
    expect(notScheduled.statusCode).toBe(409);
    expect(bodyOf(notScheduled).message).toMatch(/is draft; unschedule needs it scheduled/);
    stored = scheduled;
    scheduler.on(DeleteScheduleCommand).rejects(new Error('socket hang up'));
    const failed = await post('unschedule');
    expect(failed.statusCode).toBe(503);
    expect(failed.headers?.['retry-after']).toBeDefined();
    expect(statusWrites()).toEqual([]);
  });

  it('cancel of a scheduled campaign deletes its schedule first; if that fails it stays scheduled (503)', async () => {
    stored = scheduled;
    expect((await post('cancel')).statusCode).toBe(200);
    expect(scheduler.commandCalls(DeleteScheduleCommand)).toHaveLength(1);
    expect(statusWrites()[0]).toMatchObject({ ':to': 'cancelled', ':from1': 'scheduled' });
    dynamo.resetHistory();
    scheduler.on(DeleteScheduleCommand).rejects(new Error('socket hang up'));
    expect((await post('cancel')).statusCode).toBe(503);
    expect(statusWrites()).toEqual([]);
  });

  it('cancel of a draft does not call the Scheduler', async () => {
    expect((await post('cancel')).statusCode).toBe(200);
    expect(scheduler.calls()).toHaveLength(0);
  });
});

describe('send, test send and pause', () => {
  it('starts sending a draft: moves it to sending once, hands planning of every listing partition to the bus, then notes the request', async () => {
    const response = await post('send');
    expect(response.statusCode).toBe(202);
    expect(bodyOf(response)).toEqual({ campaignId, status: 'sending', progress: `/v1/admin/campaigns/${campaignId}` });
    expect(dynamo.commandCalls(UpdateCommand)[0]?.args[0].input).toMatchObject({ ConditionExpression: '#status = :draft', ExpressionAttributeValues: { ':sending': 'sending', ':draft': 'draft' } });
    expect(published().map((entry) => [entry.DetailType, JSON.parse(entry.Detail ?? '{}').shard])).toEqual(LEAD_LISTING_SHARDS.map((_, shard) => ['campaign.send-requested', shard]));
    expect(dynamo.commandCalls(UpdateCommand)[1]?.args[0].input).toMatchObject({ UpdateExpression: 'SET planningRequested = :true' });
  });

  it('refuses to send a campaign that is not a draft with 409, publishing nothing', async () => {
    stored = { ...draft, status: 'cancelled' };
    dynamo.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'failed', $metadata: {} }));
    expect((await post('send')).statusCode).toBe(409);
    expect(published()).toEqual([]);
  });

  it('queues a test send to the named addresses for send-campaign, and names a bad address with 400', async () => {
    const response = await post('test', { to: ['ana@example.com'] });
    expect(response.statusCode).toBe(202);
    expect(bodyOf(response)).toEqual({ campaignId, to: ['ana@example.com'] });
    expect(published().map((entry) => [entry.DetailType, JSON.parse(entry.Detail ?? '{}')])).toEqual([['campaign.test-requested', { version: 1, correlationId: campaignId, campaignId, to: ['ana@example.com'] }]]);
    const refused = await post('test', { to: ['not an address'] });
    expect(refused.statusCode).toBe(400);
    expect(bodyOf(refused).issues?.map((issue) => issue.field)).toEqual(['to[0]']);
  });

  it('pauses a sending campaign, and answers 404 for a campaign that does not exist', async () => {
    stored = { ...draft, status: 'sending' };
    const response = await post('pause');
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toEqual({ campaignId, status: 'paused' });
    dynamo.on(GetCommand).resolves({});
    expect((await post('pause')).statusCode).toBe(404);
  });
});
