import { ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { replay } from '../../src/domain/scoring/engine';
import { starterRuleset } from '../../src/domain/scoring/starter-ruleset';
import { busEnvelope, context, setHandlerEnvironment, sqsEvent } from './fixtures';
import { TableFake } from './table-fake';
import { itemRecords } from '../../src/adapters/lead-items';
import { scoreFromItem, watermarkOf } from '../../src/adapters/score-items';

setHandlerEnvironment();
const dynamo = mockClient(DynamoDBDocumentClient);
const bus = mockClient(EventBridgeClient);
let handler: (typeof import('../../functions/score-lead/handler'))['handler'];

beforeAll(async () => {
  ({ handler } = await import('../../functions/score-lead/handler'));
});

/** Recorded a moment ago: within the recording deadline, so the scorer keeps them in its watermark's `recent`. */
const JUST_NOW = new Date(Date.now() - 1000).toISOString();
const leadItem = (id: string, extra: Record<string, unknown> = {}) => ({
  pk: `LEAD#${id}`, sk: 'PROFILE',
  id, email: `${id}@example.com`, role: 'CEO', industry: 'SaaS', teamSize: 100, budget: 20_000,
  firstTouch: { at: '2026-11-01T00:00:00Z' }, lastTouch: { at: '2026-11-01T00:00:00Z' }, subscriptions: {}, version: 4,
  ...extra,
});
const scoreItem = (id: string, extra: Record<string, unknown> = {}) => ({ pk: `LEAD#${id}`, sk: 'SCORE', entity: 'score', version: 0, through: '', recent: [], ...extra });
const eventItem = (id: string, partition: string, type: string, properties: Record<string, unknown> = {}, recordedAt = JUST_NOW) => ({
  pk: partition, sk: `EVENT#${recordedAt}#${id}`, entity: 'event', id, type, occurredAt: `2026-11-22T10:00:0${id.length % 10}.000Z`, receivedAt: recordedAt, properties,
});
/** A request's events of one lead, as ingest-events and capture-form publish them. */
const recordedTogether = (eventIds: string[], leadId = 'lead-1') => busEnvelope('engagement.recorded', { version: 2, correlationId: 'c', eventIds, leadId });
const recorded = (eventId: string, leadId = 'lead-1') => recordedTogether([eventId], leadId);
/** The first shape, one event per message: still queued when the new publishers are deployed. */
const recordedVersion1 = (eventId: string, leadId = 'lead-1') => busEnvelope('engagement.recorded', { version: 1, correlationId: 'c', eventId, leadId });

let table: TableFake;
const scoreWrites = () => dynamo.commandCalls(UpdateCommand).filter((call) => call.args[0].input.Key?.sk === 'SCORE' && call.args[0].input.UpdateExpression?.startsWith('SET'));
/** The score item, its score read back from its stored form. */
const stored = (leadId = 'lead-1') => {
  const item = table.get({ pk: `LEAD#${leadId}`, sk: 'SCORE' });
  return item?.score ? { ...item, score: scoreFromItem(item.score as Record<string, unknown>) } : item;
};

beforeEach(() => {
  dynamo.reset();
  bus.reset();
  table = new TableFake();
  table.attach(dynamo);
  for (const item of [
    leadItem('lead-1'),
    scoreItem('lead-1'),
    leadItem('lead-2'),
    scoreItem('lead-2'),
    eventItem('e-demo', 'LEAD#lead-1', 'page_view', { url: 'https://example.com/demo' }),
    eventItem('e-pricing', 'LEAD#lead-1', 'page_view', { url: 'https://example.com/pricing' }),
    eventItem('e-other', 'LEAD#lead-2', 'content_download'),
  ]) {
    table.put(item);
  }
  bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
});

describe('score-lead', () => {
  it("writes each lead once per batch: its score and watermark in one conditional update of the score item, never the events", async () => {
    const result = await handler(sqsEvent([recorded('e-demo'), recorded('e-pricing'), recorded('e-demo')]), context);
    expect(result.batchItemFailures).toEqual([]);
    expect(scoreWrites()).toHaveLength(1);
    const write = scoreWrites()[0]?.args[0].input;
    expect(write?.ConditionExpression).toBe('version = :version');
    expect(write?.ExpressionAttributeValues?.[':version']).toBe(0);
    expect(stored()?.score).toMatchObject({ fit: 65, grade: 'A', eventCount: 2, rulesetVersion: 'starter-1' });
    expect((stored()?.score as { engagement: number }).engagement).toBeCloseTo(15 + 10, 4);
    expect(watermarkOf(stored()).recent.map(({ recordedAt, id }) => `${recordedAt}#${id}`).sort()).toEqual([`${JUST_NOW}#e-demo`, `${JUST_NOW}#e-pricing`]);
    // One consistent query read the score, the profile and the events; nothing else was read or written.
    expect(dynamo.commandCalls(QueryCommand).every((call) => call.args[0].input.ConsistentRead === true && call.args[0].input.ScanIndexForward === false)).toBe(true);
    expect(dynamo.commandCalls(PutCommand)).toHaveLength(0);
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(0);
    expect(bus.calls()).toHaveLength(0);
  });

  it('reads a message of the first version (one eventId) left in the queue by an upgrade, beside new ones', async () => {
    const result = await handler(sqsEvent([recordedVersion1('e-demo'), recordedTogether(['e-pricing', 'e-demo'])]), context);
    expect(result.batchItemFailures).toEqual([]);
    expect(scoreWrites()).toHaveLength(1);
    expect(stored()?.score).toMatchObject({ eventCount: 2 });
  });

  it('fails a message that names no event, or mixes the two versions', async () => {
    const result = await handler(
      sqsEvent([recordedTogether([]), busEnvelope('engagement.recorded', { version: 2, correlationId: 'c', eventId: 'e-demo', leadId: 'lead-1' }), recorded('e-pricing')]),
      context,
    );
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'message-0' }, { itemIdentifier: 'message-1' }]);
    expect(scoreWrites()).toHaveLength(1);
  });

  it('writes two leads of one batch separately, and fails only the records of the lead whose write failed', async () => {
    dynamo.on(UpdateCommand, { Key: { pk: 'LEAD#lead-2', sk: 'SCORE' } }).rejects(new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }));
    const result = await handler(sqsEvent([recorded('e-demo'), recorded('e-other', 'lead-2'), recorded('e-pricing')]), context);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'message-1' }]);
    expect(stored('lead-1')?.score).toMatchObject({ eventCount: 2 });
  });

  it('changes nothing for events already in the score (a duplicate delivery, however late)', async () => {
    await handler(sqsEvent([recorded('e-demo'), recorded('e-pricing')]), context);
    dynamo.resetHistory();
    const result = await handler(sqsEvent([recorded('e-demo'), recordedVersion1('e-pricing')]), context);
    expect(result.batchItemFailures).toEqual([]);
    expect(scoreWrites()).toHaveLength(0);
    expect(stored()?.version).toBe(1);
  });

  it('recomputes from a fresh read when another consumer changed the score first', async () => {
    let raced = false;
    dynamo.on(UpdateCommand, { Key: { pk: 'LEAD#lead-1', sk: 'SCORE' } }).callsFake((input) => {
      if (!raced) {
        raced = true;
        table.put({ ...scoreItem('lead-1'), version: 1 });
        throw Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' });
      }
      table.put({ ...input.Key, score: input.ExpressionAttributeValues[':score'], version: input.ExpressionAttributeValues[':next'] });
      return {};
    });
    const result = await handler(sqsEvent([recorded('e-demo')]), context);
    expect(result.batchItemFailures).toEqual([]);
    expect(stored()).toMatchObject({ version: 2, score: { eventCount: 2 } });
  });

  it('stores a qualification in the outbox with the score, publishes lead.qualified, then clears it', async () => {
    const { state } = replay(
      [
        { id: 'w1', type: 'webinar_registration', occurredAt: '2026-11-22T09:00:00.000Z', properties: {} },
        { id: 'w2', type: 'content_download', occurredAt: '2026-11-22T09:01:00.000Z', properties: {} },
      ],
      { role: 'CEO', industry: 'SaaS', teamSize: 100, budget: 20_000 },
      starterRuleset,
    );
    table.put(scoreItem('lead-1', { score: state, version: 3, through: new Date(Date.now() - 3_600_000).toISOString() }));
    await handler(sqsEvent([recorded('e-demo')]), context);
    expect(scoreWrites()[0]?.args[0].input.ExpressionAttributeValues?.[':pending']).toMatchObject({ leadId: 'lead-1', qualification: 1, grade: 'A' });
    const entries = bus.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries ?? [];
    expect(entries.map((entry) => entry.DetailType)).toEqual(['lead.qualified']);
    expect(JSON.parse(entries[0]?.Detail ?? '{}').topContributors[0]).toMatchObject({ ruleId: 'decision-maker' });
    expect(stored()?.pendingQualification).toBeUndefined();
  });

  it('publishes a qualification left in the outbox by a crashed invocation when the message is redelivered', async () => {
    const pending = { version: 1, correlationId: 'c', leadId: 'lead-1', rulesetVersion: 'starter-1', qualification: 1, fit: 65, engagement: 45, score: 110, grade: 'A', qualifiedAt: '2026-11-22T10:00:00.000Z', topContributors: [] };
    table.put(scoreItem('lead-1', { version: 1, pendingQualification: pending, recent: [`${JUST_NOW}#e-demo`, `${JUST_NOW}#e-pricing`] }));
    await handler(sqsEvent([recorded('e-demo')]), context);
    expect(scoreWrites()).toHaveLength(0);
    expect(bus.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0]?.DetailType).toBe('lead.qualified');
  });

  it('rescores a lead last scored under a retired ruleset from the history its score holds, before adding new events', async () => {
    const newer = { ...starterRuleset, version: 'starter-2', rules: starterRuleset.rules.map((rule) => (rule.id === 'demo-page' ? { ...rule, points: 40 } : rule)) };
    table.put({ pk: 'RULESET', sk: 'ACTIVE', version: 'starter-2' });
    table.put({ pk: 'RULESET#starter-2', sk: 'RULESET', version: 'starter-2', status: 'active', ruleset: newer });
    const old = replay([{ id: 'e-demo', type: 'page_view', occurredAt: '2026-11-22T10:00:06.000Z', properties: { url: 'https://example.com/demo' } }], { role: 'CEO' }, starterRuleset).state;
    table.put(scoreItem('lead-1', { score: old, version: 1, recent: [`${JUST_NOW}#e-demo`] }));
    const result = await handler(sqsEvent([recorded('e-pricing')]), context);
    expect(result.batchItemFailures).toEqual([]);
    const score = stored()?.score as { rulesetVersion: string; eventCount: number; tallies: Record<string, { points: number }> };
    expect(score).toMatchObject({ rulesetVersion: 'starter-2', eventCount: 2 });
    expect(score.tallies['demo-page']?.points).toBe(40);
  });

  it('fails only the poison record of a batch', async () => {
    const result = await handler(sqsEvent([recorded('e-demo'), busEnvelope('engagement.recorded', { eventId: 42 }), recorded('e-pricing')]), context);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'message-1' }]);
  });

  it("moves an identified visitor's events to its lead, each in a transaction that deletes it from the visitor's history, and scores them once", async () => {
    table.put({ pk: 'ANON#visitor-1', sk: 'LINK', leadId: 'lead-1' });
    table.put(eventItem('v-webinar', 'ANON#visitor-1', 'webinar_registration'));
    const identified = busEnvelope('lead.identified', { version: 1, correlationId: 'c', leadId: 'lead-1', anonymousId: 'visitor-1' });
    expect((await handler(sqsEvent([identified]), context)).batchItemFailures).toEqual([]);
    expect((await handler(sqsEvent([identified]), context)).batchItemFailures).toEqual([]);

    expect([...table.items.keys()].filter((key) => key.startsWith('ANON#visitor-1|EVENT#'))).toEqual([]);
    expect([...table.items.values()].filter((item) => itemRecords(item).some((record) => record.id === 'v-webinar')).map((item) => item.pk)).toEqual(['LEAD#lead-1']);
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(1);
    expect(stored()?.score).toMatchObject({ eventCount: 3 });
  });
});
