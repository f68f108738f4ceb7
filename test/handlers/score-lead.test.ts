import { ProvisionedThroughputExceededException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { starterRuleset } from '../../src/domain/scoring/starter-ruleset';
import { busEnvelope, context, setHandlerEnvironment, sqsEvent } from './fixtures';

setHandlerEnvironment();
const dynamo = mockClient(DynamoDBDocumentClient);
const bus = mockClient(EventBridgeClient);
let handler: (typeof import('../../functions/score-lead/handler'))['handler'];

beforeAll(async () => {
  ({ handler } = await import('../../functions/score-lead/handler'));
});

const leadItem = (id: string, extra: Record<string, unknown> = {}) => ({
  pk: `LEAD#${id}`, sk: 'PROFILE',
  id, email: `${id}@example.com`, role: 'CEO', industry: 'SaaS', teamSize: 100, budget: 20_000,
  firstTouch: { at: '2026-11-01T00:00:00Z' }, lastTouch: { at: '2026-11-01T00:00:00Z' }, subscriptions: {}, version: 4,
  ...extra,
});
const eventItem = (id: string, leadId: string, type: string, properties: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => ({
  pk: `EVENT#${id}`, sk: 'EVENT', id, type, occurredAt: `2026-11-22T10:00:0${id.length % 10}.000Z`, receivedAt: '2026-11-22T10:00:10.000Z',
  properties, subject: { kind: 'lead', id: leadId }, ...extra,
});
/** A request's events of one lead, as ingest-events and capture-form publish them. */
const recordedTogether = (eventIds: string[], leadId = 'lead-1') => busEnvelope('engagement.recorded', { version: 2, correlationId: 'c', eventIds, leadId });
const recorded = (eventId: string, leadId = 'lead-1') => recordedTogether([eventId], leadId);
/** The first shape, one event per message: still queued when the new publishers are deployed. */
const recordedVersion1 = (eventId: string, leadId = 'lead-1') => busEnvelope('engagement.recorded', { version: 1, correlationId: 'c', eventId, leadId });
const cancelled = (...codes: string[]) =>
  new TransactionCanceledException({ message: 'cancelled', $metadata: {}, CancellationReasons: codes.map((Code) => ({ Code })) });

/** The items Get and BatchGet answer from, keyed by pk. */
let table: Map<string, Record<string, unknown>>;
const put = (...items: Record<string, unknown>[]) => items.forEach((item) => table.set(item.pk as string, item));
const transactions = () => dynamo.commandCalls(TransactWriteCommand).map((call) => call.args[0].input.TransactItems ?? []);

beforeEach(() => {
  dynamo.reset();
  bus.reset();
  table = new Map();
  put(
    leadItem('lead-1'),
    leadItem('lead-2'),
    eventItem('e-demo', 'lead-1', 'page_view', { url: 'https://example.com/demo' }),
    eventItem('e-pricing', 'lead-1', 'page_view', { url: 'https://example.com/pricing' }),
    eventItem('e-webinar', 'lead-1', 'webinar_registration'),
    eventItem('e-other', 'lead-2', 'content_download'),
  );
  dynamo.on(GetCommand).callsFake((input: { Key: { pk: string } }) => ({ Item: table.get(input.Key.pk) }));
  dynamo.on(BatchGetCommand).callsFake((input: { RequestItems: Record<string, { Keys: { pk: string }[] }> }) => {
    const [name, request] = Object.entries(input.RequestItems)[0] ?? [];
    return { Responses: { [name ?? '']: (request?.Keys ?? []).map((key) => table.get(key.pk)).filter(Boolean) } };
  });
  dynamo.on(QueryCommand).resolves({ Items: [] });
  dynamo.on(TransactWriteCommand).resolves({});
  dynamo.on(UpdateCommand).resolves({});
  bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
});

describe('score-lead', () => {
  it('writes each lead once per batch: its score and every event marked scored, in one transaction guarded by the lead version', async () => {
    const result = await handler(sqsEvent([recorded('e-demo'), recorded('e-pricing'), recorded('e-demo')]), context);
    expect(result.batchItemFailures).toEqual([]);
    expect(transactions()).toHaveLength(1);
    const [leadUpdate, ...eventUpdates] = transactions()[0] ?? [];
    expect(leadUpdate?.Update?.ConditionExpression).toBe('version = :version');
    expect(leadUpdate?.Update?.ExpressionAttributeValues?.[':version']).toBe(4);
    const score = leadUpdate?.Update?.ExpressionAttributeValues?.[':score'];
    expect(score).toMatchObject({ fit: 65, grade: 'A', eventCount: 2, rulesetVersion: 'starter-1' });
    expect(score.engagement).toBeCloseTo(15 + 10, 4);
    expect(eventUpdates.map((update) => update.Update?.Key?.pk).sort()).toEqual(['EVENT#e-demo', 'EVENT#e-pricing']);
    expect(eventUpdates.every((update) => update.Update?.ConditionExpression?.includes('attribute_not_exists(scoredAt)'))).toBe(true);
    expect(bus.calls()).toHaveLength(0);
  });

  it("scores a request's events of one lead, announced in one message, in one transaction", async () => {
    const result = await handler(sqsEvent([recordedTogether(['e-webinar', 'e-demo', 'e-pricing'])]), context);
    expect(result.batchItemFailures).toEqual([]);
    const firstRead = Object.values(dynamo.commandCalls(BatchGetCommand)[0]?.args[0].input.RequestItems ?? {})[0];
    expect(firstRead?.Keys?.map((key) => key.pk)).toEqual(['EVENT#e-webinar', 'EVENT#e-demo', 'EVENT#e-pricing']);
    expect(transactions()).toHaveLength(1);
    const [leadUpdate, ...eventUpdates] = transactions()[0] ?? [];
    expect(leadUpdate?.Update?.ExpressionAttributeValues?.[':score']).toMatchObject({ eventCount: 3 });
    expect(eventUpdates.map((update) => update.Update?.Key?.pk).sort()).toEqual(['EVENT#e-demo', 'EVENT#e-pricing', 'EVENT#e-webinar']);
  });

  it('reads a message of the first version (one eventId) left in the queue by an upgrade, beside new ones', async () => {
    const result = await handler(sqsEvent([recordedVersion1('e-demo'), recordedTogether(['e-pricing', 'e-demo'])]), context);
    expect(result.batchItemFailures).toEqual([]);
    expect(transactions()).toHaveLength(1);
    const [leadUpdate, ...eventUpdates] = transactions()[0] ?? [];
    expect(leadUpdate?.Update?.ExpressionAttributeValues?.[':score']).toMatchObject({ eventCount: 2 });
    expect(eventUpdates.map((update) => update.Update?.Key?.pk).sort()).toEqual(['EVENT#e-demo', 'EVENT#e-pricing']);
  });

  it('fails a message that names no event, or mixes the two versions', async () => {
    const result = await handler(
      sqsEvent([recordedTogether([]), busEnvelope('engagement.recorded', { version: 2, correlationId: 'c', eventId: 'e-demo', leadId: 'lead-1' }), recorded('e-pricing')]),
      context,
    );
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'message-0' }, { itemIdentifier: 'message-1' }]);
    expect(transactions()).toHaveLength(1);
  });

  it('writes two leads of one batch separately, and fails only the records of the lead whose write failed', async () => {
    dynamo.on(TransactWriteCommand).callsFake((input: { TransactItems: { Update?: { Key?: { pk: string } } }[] }) => {
      if (input.TransactItems[0]?.Update?.Key?.pk === 'LEAD#lead-2') throw new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} });
      return {};
    });
    const result = await handler(sqsEvent([recorded('e-demo'), recorded('e-other', 'lead-2'), recorded('e-pricing')]), context);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'message-1' }]);
    expect(transactions().filter((items) => items[0]?.Update?.Key?.pk === 'LEAD#lead-1')).toHaveLength(1);
  });

  it('changes nothing for events already applied (a duplicate delivery)', async () => {
    put({ ...eventItem('e-demo', 'lead-1', 'page_view'), scoredAt: '2026-11-22T10:00:05Z' });
    const result = await handler(sqsEvent([recorded('e-demo')]), context);
    expect(result.batchItemFailures).toEqual([]);
    expect(transactions()).toHaveLength(0);
  });

  it('recomputes from a fresh read when another consumer changed the lead first', async () => {
    dynamo.on(TransactWriteCommand).rejectsOnce(cancelled('ConditionalCheckFailed', 'None')).resolves({});
    const result = await handler(sqsEvent([recorded('e-demo')]), context);
    expect(result.batchItemFailures).toEqual([]);
    expect(transactions()).toHaveLength(2);
  });

  it('leaves out an event another consumer scored meanwhile and writes the rest', async () => {
    dynamo.on(TransactWriteCommand).callsFake(() => {
      if (transactions().length === 1) {
        put({ ...eventItem('e-demo', 'lead-1', 'page_view', { url: 'https://example.com/demo' }), scoredAt: 'now' });
        throw cancelled('None', 'ConditionalCheckFailed', 'None');
      }
      return {};
    });
    await handler(sqsEvent([recorded('e-demo'), recorded('e-pricing')]), context);
    const [leadUpdate, ...events] = transactions()[1] ?? [];
    expect(events.map((update) => update.Update?.Key?.pk)).toEqual(['EVENT#e-pricing']);
    expect(leadUpdate?.Update?.ExpressionAttributeValues?.[':score'].tallies['demo-page']).toBeUndefined();
  });

  it('stores a qualification in the outbox with the score, publishes lead.qualified, then clears it', async () => {
    const replayed = (await import('../../src/domain/scoring/engine')).replay(
      [
        { id: 'w1', type: 'webinar_registration', occurredAt: '2026-11-22T09:00:00.000Z', properties: {} },
        { id: 'w2', type: 'content_download', occurredAt: '2026-11-22T09:01:00.000Z', properties: {} },
      ],
      { role: 'CEO', industry: 'SaaS', teamSize: 100, budget: 20_000 },
      starterRuleset,
    );
    put(leadItem('lead-1', { score: replayed.state }));
    await handler(sqsEvent([recorded('e-demo')]), context);
    const leadUpdate = transactions()[0]?.[0]?.Update;
    expect(leadUpdate?.ExpressionAttributeValues?.[':pending']).toMatchObject({ leadId: 'lead-1', qualification: 1, grade: 'A' });
    const entries = bus.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries ?? [];
    expect(entries.map((entry) => entry.DetailType)).toEqual(['lead.qualified']);
    expect(JSON.parse(entries[0]?.Detail ?? '{}').topContributors[0]).toMatchObject({ ruleId: 'decision-maker' });
    expect(dynamo.commandCalls(UpdateCommand)[0]?.args[0].input.UpdateExpression).toBe('REMOVE pendingQualification');
  });

  it('publishes a qualification left in the outbox by a crashed invocation when the event is redelivered', async () => {
    const pending = { version: 1, correlationId: 'c', leadId: 'lead-1', rulesetVersion: 'starter-1', qualification: 1, fit: 65, engagement: 45, score: 110, grade: 'A', qualifiedAt: '2026-11-22T10:00:00.000Z', topContributors: [] };
    put(leadItem('lead-1', { pendingQualification: pending }), { ...eventItem('e-demo', 'lead-1', 'page_view'), scoredAt: '2026-11-22T10:00:02Z' });
    await handler(sqsEvent([recorded('e-demo')]), context);
    expect(transactions()).toHaveLength(0);
    expect(bus.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0]?.DetailType).toBe('lead.qualified');
  });

  it('rescores a lead last scored under a retired ruleset before adding new events', async () => {
    const newer = { ...starterRuleset, version: 'starter-2', rules: starterRuleset.rules.map((rule) => (rule.id === 'demo-page' ? { ...rule, points: 40 } : rule)) };
    put({ pk: 'RULESET', sk: 'ACTIVE', version: 'starter-2' }, { pk: 'RULESET#starter-2', sk: 'RULESET', version: 'starter-2', status: 'active', ruleset: newer });
    const old = (await import('../../src/domain/scoring/engine')).replay(
      [{ id: 'e-demo', type: 'page_view', occurredAt: '2026-11-22T10:00:06.000Z', properties: { url: 'https://example.com/demo' } }],
      { role: 'CEO' },
      starterRuleset,
    ).state;
    put(leadItem('lead-1', { score: old }));
    dynamo.on(QueryCommand).resolves({ Items: [{ ...table.get('EVENT#e-demo'), scoredAt: '2026-11-22T10:00:07Z' }] });
    await handler(sqsEvent([recorded('e-webinar')]), context);
    const score = transactions()[0]?.[0]?.Update?.ExpressionAttributeValues?.[':score'];
    expect(score).toMatchObject({ rulesetVersion: 'starter-2', eventCount: 2 });
    expect(score.tallies['demo-page'].points).toBe(40);
  });

  it('fails only the poison record of a batch', async () => {
    const result = await handler(sqsEvent([recorded('e-demo'), busEnvelope('engagement.recorded', { eventId: 42 }), recorded('e-pricing')]), context);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'message-1' }]);
  });

  it('leaves events of a visitor who has not identified for later', async () => {
    put({ ...eventItem('e-anon', 'x', 'page_view'), subject: { kind: 'anonymous', id: 'visitor-1' } });
    const result = await handler(sqsEvent([recorded('e-anon')]), context);
    expect(result.batchItemFailures).toEqual([]);
    expect(transactions()).toHaveLength(0);
  });
});
