import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { busEnvelope, context, setHandlerEnvironment, sqsEvent } from './fixtures';

setHandlerEnvironment();
const dynamo = mockClient(DynamoDBDocumentClient);
const bus = mockClient(EventBridgeClient);
let handler: (typeof import('../../functions/score-lead/handler'))['handler'];

beforeAll(async () => {
  ({ handler } = await import('../../functions/score-lead/handler'));
});

const lead = {
  pk: 'LEAD#lead-1', sk: 'PROFILE',
  id: 'lead-1', email: 'jane@example.com', role: 'CEO', industry: 'SaaS', teamSize: 100, budget: 20_000,
  firstTouch: { at: '2026-11-01T00:00:00Z' }, lastTouch: { at: '2026-11-01T00:00:00Z' }, subscriptions: {}, version: 4,
};
const storedEvent = (id: string, type: string, properties: Record<string, unknown> = {}) => ({
  pk: `EVENT#${id}`, sk: 'EVENT', id, type, occurredAt: '2026-11-22T10:00:00.000Z', receivedAt: '2026-11-22T10:00:01.000Z',
  properties, subject: { kind: 'lead', id: 'lead-1' },
});
const recorded = (eventId: string) => busEnvelope('engagement.recorded', { version: 1, correlationId: 'c', eventId, leadId: 'lead-1' });
const cancelled = (...codes: string[]) =>
  new TransactionCanceledException({ message: 'cancelled', $metadata: {}, CancellationReasons: codes.map((Code) => ({ Code })) });

beforeEach(() => {
  dynamo.reset();
  bus.reset();
  dynamo.on(GetCommand, { Key: { pk: 'LEAD#lead-1', sk: 'PROFILE' } }).resolves({ Item: lead });
  dynamo.on(GetCommand, { Key: { pk: 'EVENT#e-demo', sk: 'EVENT' } }).resolves({ Item: storedEvent('e-demo', 'page_view', { url: 'https://example.com/demo' }) });
  dynamo.on(TransactWriteCommand).resolves({});
  dynamo.on(UpdateCommand).resolves({});
  bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
});

describe('score-lead', () => {
  it('marks the event scored and writes the new score in one transaction guarded by the lead version', async () => {
    const result = await handler(sqsEvent([recorded('e-demo')]), context);
    expect(result.batchItemFailures).toEqual([]);
    const [eventUpdate, leadUpdate] = dynamo.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];
    expect(eventUpdate?.Update?.ConditionExpression).toContain('attribute_not_exists(scoredAt)');
    expect(leadUpdate?.Update?.ConditionExpression).toBe('version = :version');
    expect(leadUpdate?.Update?.ExpressionAttributeValues?.[':version']).toBe(4);
    expect(leadUpdate?.Update?.ExpressionAttributeValues?.[':score']).toMatchObject({ fit: 65, engagement: 15, grade: 'A', qualified: false });
    expect(bus.calls()).toHaveLength(0);
  });

  it('changes nothing for an event already applied (a duplicate delivery)', async () => {
    dynamo.on(TransactWriteCommand).rejects(cancelled('ConditionalCheckFailed', 'None'));
    const result = await handler(sqsEvent([recorded('e-demo')]), context);
    expect(result.batchItemFailures).toEqual([]);
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(1);
    expect(bus.calls()).toHaveLength(0);
  });

  it('recomputes from a fresh read when another consumer changed the lead first', async () => {
    dynamo.on(TransactWriteCommand).rejectsOnce(cancelled('None', 'ConditionalCheckFailed')).resolves({});
    const result = await handler(sqsEvent([recorded('e-demo')]), context);
    expect(result.batchItemFailures).toEqual([]);
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(2);
  });

  it('stores a qualification in the outbox with the score, publishes lead.qualified, then clears it', async () => {
    const nearlyThere = {
      ...lead,
      score: {
        rulesetVersion: 'starter-1', fit: 65, engagement: 30, engagementAt: '2026-11-22T10:00:00.000Z', grade: 'A', total: 95,
        qualified: false, qualifications: 0, tallies: {},
      },
    };
    dynamo.on(GetCommand, { Key: { pk: 'LEAD#lead-1', sk: 'PROFILE' } }).resolves({ Item: nearlyThere });
    await handler(sqsEvent([recorded('e-demo')]), context);
    const leadUpdate = dynamo.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems?.[1]?.Update;
    expect(leadUpdate?.ExpressionAttributeValues?.[':pending']).toMatchObject({ leadId: 'lead-1', qualification: 1, score: 110 });
    const entries = bus.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries ?? [];
    expect(entries.map((entry) => entry.DetailType)).toEqual(['lead.qualified']);
    expect(JSON.parse(entries[0]?.Detail ?? '{}').topContributors[0]).toMatchObject({ ruleId: 'decision-maker' });
    expect(dynamo.commandCalls(UpdateCommand)[0]?.args[0].input.UpdateExpression).toBe('REMOVE pendingQualification');
  });

  it('publishes a qualification left in the outbox by a crashed invocation when the event is redelivered', async () => {
    const pending = { version: 1, correlationId: 'c', leadId: 'lead-1', rulesetVersion: 'starter-1', qualification: 1, fit: 65, engagement: 45, score: 110, grade: 'A', qualifiedAt: '2026-11-22T10:00:00.000Z', topContributors: [] };
    dynamo.on(GetCommand, { Key: { pk: 'LEAD#lead-1', sk: 'PROFILE' } }).resolves({ Item: { ...lead, pendingQualification: pending } });
    dynamo.on(GetCommand, { Key: { pk: 'EVENT#e-demo', sk: 'EVENT' } }).resolves({ Item: { ...storedEvent('e-demo', 'page_view'), scoredAt: '2026-11-22T10:00:02Z' } });
    await handler(sqsEvent([recorded('e-demo')]), context);
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(0);
    expect(bus.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0]?.DetailType).toBe('lead.qualified');
  });

  it('fails only the poison record of a batch', async () => {
    const result = await handler(sqsEvent([recorded('e-demo'), busEnvelope('engagement.recorded', { eventId: 42 }), recorded('e-demo')]), context);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'message-1' }]);
  });

  it('leaves events of a visitor who has not identified for later', async () => {
    dynamo.on(GetCommand, { Key: { pk: 'EVENT#e-anon', sk: 'EVENT' } }).resolves({ Item: { ...storedEvent('e-anon', 'page_view'), subject: { kind: 'anonymous', id: 'visitor-1' } } });
    const result = await handler(sqsEvent([recorded('e-anon')]), context);
    expect(result.batchItemFailures).toEqual([]);
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });
});
