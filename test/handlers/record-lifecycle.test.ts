import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { busEnvelope, context, setHandlerEnvironment, sqsEvent } from './fixtures';
import { lifecycleTable, type Item } from './lifecycle-table';

setHandlerEnvironment();
const dynamo = mockClient(DynamoDBDocumentClient);
const bus = mockClient(EventBridgeClient);
let handler: (typeof import('../../functions/record-lifecycle/handler'))['handler'];

beforeAll(async () => {
  ({ handler } = await import('../../functions/record-lifecycle/handler'));
});

const LEAD_ID = '5d0c3a8e-8f7b-4c65-9a2e-2b1f0c9d7e61';
const leadItem = (extra: Item = {}): Item => ({
  pk: `LEAD#${LEAD_ID}`, sk: 'PROFILE', id: LEAD_ID, email: 'ana@example.com', createdAt: '2026-11-01T00:00:00.000Z', updatedAt: '2026-11-01T00:00:00.000Z',
  firstTouch: { at: '2026-11-01T00:00:00.000Z', formId: 'demo' }, lastTouch: { at: '2026-11-01T00:00:00.000Z', formId: 'demo' }, subscriptions: {},
  score: { rulesetVersion: 'v1', fit: 60, engagement: 50, engagementAt: '2026-11-20T00:00:00.000Z', eventCount: 6, grade: 'A', total: 110, qualified: true, qualifications: 1, qualifiedAt: '2026-11-20T00:00:00.000Z', tallies: {} },
  version: 7, ...extra,
});
const qualified = (qualification = 1) =>
  busEnvelope('lead.qualified', {
    version: 1, correlationId: 'corr-1', leadId: LEAD_ID, rulesetVersion: 'v1', qualification, fit: 60, engagement: 50, score: 110, grade: 'A',
    qualifiedAt: '2026-11-20T00:00:00.000Z', topContributors: [],
  });

let store: ReturnType<typeof lifecycleTable>;
const lead = () => store.table.get(`LEAD#${LEAD_ID}|PROFILE`);
const published = () => bus.commandCalls(PutEventsCommand).flatMap((call) => call.args[0].input.Entries ?? []);

beforeEach(() => {
  dynamo.reset();
  bus.reset();
  store = lifecycleTable(dynamo);
  store.table.set(`LEAD#${LEAD_ID}|PROFILE`, leadItem());
  bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
});

describe('record-lifecycle', () => {
  it('moves a qualified lead to mql with one transition record, then publishes lead.stage-changed', async () => {
    expect((await handler(sqsEvent([qualified()]), context)).batchItemFailures).toEqual([]);
    expect(lead()).toMatchObject({ stage: 'mql', version: 8 });
    expect(lead()?.pendingStageChange).toBeUndefined();
    expect(store.transitions()).toEqual([
      expect.objectContaining({ leadId: LEAD_ID, from: 'lead', to: 'mql', cause: 'qualified', actor: 'leadflow', leadCreatedAt: '2026-11-01T00:00:00.000Z', gsi1pk: expect.stringMatching(/^TRANSITIONS#\d{4}-\d{2}$/) }),
    ]);
    const [entry] = published();
    expect(entry?.DetailType).toBe('lead.stage-changed');
    expect(JSON.parse(entry?.Detail ?? '{}')).toMatchObject({ version: 1, leadId: LEAD_ID, from: 'lead', to: 'mql', cause: 'qualified', actor: 'leadflow' });
  });

  it('records one transition when the same qualification is delivered twice in sequence', async () => {
    await handler(sqsEvent([qualified()]), context);
    expect((await handler(sqsEvent([qualified()]), context)).batchItemFailures).toEqual([]);
    expect(store.transitions()).toHaveLength(1);
    expect(published()).toHaveLength(1);
  });

  it('records one transition when duplicates arrive concurrently (the lead version decides)', async () => {
    const result = await handler(sqsEvent([qualified(), qualified(), qualified()]), context);
    expect(result.batchItemFailures).toEqual([]);
    expect(store.transitions()).toHaveLength(1);
    expect(lead()?.stage).toBe('mql');
    // The event is at least once (a loser may flush the winner's outbox too), always the one change.
    const changes = published().map((entry) => JSON.parse(entry.Detail ?? '{}') as { at: string; to: string });
    expect(new Set(changes.map((change) => `${change.at} ${change.to}`)).size).toBe(1);
  });

  it('does not move a recycled lead back on an old qualification, but does on a new one', async () => {
    await handler(sqsEvent([qualified(1)]), context);
    // Sales rejected the lead: it is recycled and no longer qualified.
    store.table.set(`LEAD#${LEAD_ID}|PROFILE`, { ...lead(), stage: 'recycled', score: { ...(lead()?.score as Item), qualified: false } });
    await handler(sqsEvent([qualified(1)]), context);
    expect(lead()?.stage).toBe('recycled');
    store.table.set(`LEAD#${LEAD_ID}|PROFILE`, { ...lead(), score: { ...(lead()?.score as Item), qualified: true, qualifications: 2 } });
    await handler(sqsEvent([qualified(2)]), context);
    expect(lead()?.stage).toBe('mql');
    expect(store.transitions().map((item) => `${String(item.from)}->${String(item.to)}`).sort()).toEqual(['lead->mql', 'recycled->mql']);
  });

  it('does not move a recycled lead that qualified again on a late duplicate of its old qualification, only on the new one', async () => {
    await handler(sqsEvent([qualified(1)]), context);
    // Recycled, then qualified a second time; the first qualification is delivered again before the second.
    store.table.set(`LEAD#${LEAD_ID}|PROFILE`, { ...lead(), stage: 'recycled', score: { ...(lead()?.score as Item), qualified: true, qualifications: 2 } });
    expect((await handler(sqsEvent([qualified(1)]), context)).batchItemFailures).toEqual([]);
    expect(lead()?.stage).toBe('recycled');
    await handler(sqsEvent([qualified(2), qualified(2)]), context);
    expect(lead()?.stage).toBe('mql');
    expect(store.transitions().map((item) => `${String(item.from)}->${String(item.to)}`).sort()).toEqual(['lead->mql', 'recycled->mql']);
  });

  it('writes the stage and its transition record only: no applied-once marker, no read of one', async () => {
    await handler(sqsEvent([qualified()]), context);
    const written = dynamo.commandCalls(TransactWriteCommand).flatMap((call) => call.args[0].input.TransactItems ?? []);
    expect(written.map((item) => String((item.Put?.Item ?? item.Update?.Key)?.sk).split('#')[0])).toEqual(['PROFILE', 'STAGE']);
    expect(dynamo.commandCalls(GetCommand).map((call) => String(call.args[0].input.Key?.sk))).not.toContainEqual(expect.stringMatching(/^APPLIED#/));
  });

  it('reads the lead once, profile and score in one consistent query of their keys, with no get', async () => {
    await handler(sqsEvent([qualified()]), context);
    const queries = dynamo.commandCalls(QueryCommand).map((call) => call.args[0].input);
    expect(queries).toEqual([expect.objectContaining({ ConsistentRead: true, ExpressionAttributeValues: { ':lead': `LEAD#${LEAD_ID}`, ':profile': 'PROFILE', ':score': 'SCORE' } })]);
    expect(dynamo.commandCalls(GetCommand)).toHaveLength(0);
  });

  it('leaves a lead already past mql where it is', async () => {
    store.table.set(`LEAD#${LEAD_ID}|PROFILE`, leadItem({ stage: 'opportunity' }));
    expect((await handler(sqsEvent([qualified()]), context)).batchItemFailures).toEqual([]);
    expect(lead()?.stage).toBe('opportunity');
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('retries the record when the bus refuses the event, and publishes it from the lead on the retry', async () => {
    bus.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure' }] });
    expect((await handler(sqsEvent([qualified()]), context)).batchItemFailures).toEqual([{ itemIdentifier: 'message-0' }]);
    expect(lead()?.pendingStageChange).toMatchObject({ to: 'mql' });
    bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
    expect((await handler(sqsEvent([qualified()]), context)).batchItemFailures).toEqual([]);
    expect(lead()?.pendingStageChange).toBeUndefined();
    expect(store.transitions()).toHaveLength(1);
  });

  it('answers each of two overlapping invocations with its own failures, so no failed record is deleted as done', async () => {
    // Publishing is slow, so the first batch is still running when the second begins.
    bus.on(PutEventsCommand).callsFake(async () => {
      await new Promise((resolve) => setTimeout(resolve, 60));
      return { FailedEntryCount: 0, Entries: [{ EventId: '1' }] };
    });
    const missingLead = busEnvelope('lead.qualified', { ...JSON.parse(qualified()).detail, leadId: '9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a' });
    const first = handler(sqsEvent([missingLead, qualified()]), context);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const second = handler(sqsEvent([qualified()]), context);
    expect((await first).batchItemFailures).toEqual([{ itemIdentifier: 'message-0' }]);
    expect((await second).batchItemFailures).toEqual([]);
  });

  describe('a subscriber giving details through a form', () => {
    const subscriber = () => leadItem({ stage: 'subscriber', firstTouch: { at: '2026-11-01T00:00:00.000Z', formId: 'newsletter' }, score: undefined });
    const contactChanged = (fields: string[], changeId = 'sub_1', source = 'form') =>
      busEnvelope('lead.contact-changed', { version: 1, correlationId: 'corr-2', leadId: LEAD_ID, changeId, fields, at: '2026-11-21T00:00:00.000Z', source });

    it('moves the subscriber to lead once (cause form) and publishes it, under duplicate and concurrent deliveries', async () => {
      store.table.set(`LEAD#${LEAD_ID}|PROFILE`, subscriber());
      expect((await handler(sqsEvent([contactChanged(['firstName', 'company']), contactChanged(['firstName', 'company'])]), context)).batchItemFailures).toEqual([]);
      await handler(sqsEvent([contactChanged(['phone'], 'sub_2')]), context);
      expect(lead()?.stage).toBe('lead');
      expect(store.transitions()).toEqual([expect.objectContaining({ from: 'subscriber', to: 'lead', cause: 'form', actor: 'leadflow' })]);
      const changes = published().map((entry) => JSON.parse(entry.Detail ?? '{}') as { from: string; to: string; at: string });
      expect(new Set(changes.map((change) => `${change.from}->${change.to} ${change.at}`))).toEqual(new Set([`subscriber->lead ${changes[0]?.at}`]));
    });

    it('leaves a subscriber whose form gave only the address or whose details came from the CRM, and a lead already past subscriber', async () => {
      store.table.set(`LEAD#${LEAD_ID}|PROFILE`, subscriber());
      await handler(sqsEvent([contactChanged(['email'])]), context);
      expect(lead()?.stage).toBe('subscriber');
      // The CRM moves stages by saying so; its contact edits move nothing.
      await handler(sqsEvent([contactChanged(['company'], 'crm:u-1', 'crm')]), context);
      expect(lead()?.stage).toBe('subscriber');
      store.table.set(`LEAD#${LEAD_ID}|PROFILE`, leadItem({ stage: 'mql' }));
      expect((await handler(sqsEvent([contactChanged(['firstName'])]), context)).batchItemFailures).toEqual([]);
      expect(lead()?.stage).toBe('mql');
      expect(store.transitions()).toEqual([]);
      expect(published()).toEqual([]);
    });
  });
});
