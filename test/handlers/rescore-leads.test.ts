import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { replay, type ScoredEvent } from '../../src/domain/scoring/engine';
import type { Ruleset } from '../../src/domain/scoring/ruleset';
import { starterRuleset } from '../../src/domain/scoring/starter-ruleset';
import { busEnvelope, context, setHandlerEnvironment, sqsEvent } from './fixtures';
import { TableFake } from './table-fake';
import { scoreFromItem } from '../../src/adapters/score-items';

setHandlerEnvironment();
const dynamo = mockClient(DynamoDBDocumentClient);
const bus = mockClient(EventBridgeClient);
let handler: (typeof import('../../functions/rescore-leads/handler'))['handler'];

beforeAll(async () => {
  ({ handler } = await import('../../functions/rescore-leads/handler'));
});

const lowerBar: Ruleset = { ...starterRuleset, version: 'lower-bar', mql: { minScore: 70, minGrade: 'B', recycleBelowScore: 50 } };
const profile = { role: 'VP Sales', industry: 'SaaS', teamSize: 120 };
const history: ScoredEvent[] = [
  { id: 'e1', type: 'webinar_registration', occurredAt: new Date(Date.now() - 3_600_000).toISOString(), properties: {} },
  { id: 'e2', type: 'content_download', occurredAt: new Date(Date.now() - 3_500_000).toISOString(), properties: {} },
];
const HOUR_AGO = new Date(Date.now() - 3_600_000).toISOString();
const profileItem = { pk: 'LEAD#lead-1', sk: 'PROFILE', id: 'lead-1', email: 'bo@example.com', ...profile, subscriptions: {}, version: 7 };
/** The score holds the history: its watermark passed the events' recording an hour ago. */
const scoreItem = (score: unknown, extra: Record<string, unknown> = {}) => ({ pk: 'LEAD#lead-1', sk: 'SCORE', entity: 'score', version: 3, through: new Date(Date.now() - 1_800_000).toISOString(), recent: [], score, ...extra });
const eventItems = history.map((event) => ({ pk: 'LEAD#lead-1', sk: `EVENT#${HOUR_AGO}#${event.id}`, entity: 'event', ...event, receivedAt: HOUR_AGO }));
/** The lead's score as its item holds it, read back. */
const storedScore = () => scoreFromItem(table.get({ pk: 'LEAD#lead-1', sk: 'SCORE' })?.score as Record<string, unknown>);
const request = (leadIds = ['lead-1']) => busEnvelope('rescore.leads-requested', { version: 1, correlationId: 'job-1', jobId: 'job-1', rulesetVersion: 'lower-bar', leadIds });
const cancelled = (...codes: string[]) => new TransactionCanceledException({ message: 'cancelled', $metadata: {}, CancellationReasons: codes.map((Code) => ({ Code })) });
const transactions = () => dynamo.commandCalls(TransactWriteCommand).map((call) => call.args[0].input.TransactItems ?? []);

let table: TableFake;

beforeEach(() => {
  dynamo.reset();
  bus.reset();
  table = new TableFake();
  table.attach(dynamo);
  for (const item of [
    { pk: 'RULESET#lower-bar', sk: 'RULESET', version: 'lower-bar', status: 'active', ruleset: lowerBar },
    { pk: 'RULESET', sk: 'ACTIVE', version: 'lower-bar' },
    { pk: 'RESCORE#job-1', sk: 'JOB', done: 0 },
    profileItem,
    scoreItem(replay(history, profile, starterRuleset).state),
    ...eventItems,
  ]) {
    table.put(item);
  }
  bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
});

describe('rescore-leads', () => {
  it('replaces the score under the new ruleset, marks the lead done for the job and counts it, in one transaction', async () => {
    const result = await handler(sqsEvent([request()]), context);
    expect(result.batchItemFailures).toEqual([]);
    const [scoreUpdate, marker, counter] = transactions()[0] ?? [];
    expect(scoreUpdate?.Update?.Key).toEqual({ pk: 'LEAD#lead-1', sk: 'SCORE' });
    expect(scoreUpdate?.Update?.ConditionExpression).toBe('version = :version');
    expect(storedScore()).toMatchObject({ rulesetVersion: 'lower-bar', qualified: true, qualifications: 1, eventCount: 2 });
    expect(marker?.Put?.Item).toMatchObject({ pk: 'RESCORE#job-1', sk: 'LEAD#lead-1' });
    expect(marker?.Put?.ConditionExpression).toBe('attribute_not_exists(pk)');
    expect(counter?.Update?.UpdateExpression).toContain('ADD #done :one');
    // Under the lower bar Bo qualifies for the first time: one lead.qualified, from the outbox.
    const published = bus.commandCalls(PutEventsCommand).flatMap((call) => call.args[0].input.Entries ?? []);
    expect(published.map((entry) => entry.DetailType)).toEqual(['lead.qualified']);
  });

  it('does not qualify again a lead already qualified under its earlier ruleset', async () => {
    const alreadyQualified = { ...replay(history, profile, starterRuleset).state, qualified: true, qualifications: 1, qualifiedAt: history[0]?.occurredAt };
    table.put(scoreItem(alreadyQualified));
    await handler(sqsEvent([request()]), context);
    expect(scoreFromItem(transactions()[0]?.[0]?.Update?.ExpressionAttributeValues?.[':score'])).toMatchObject({ qualified: true, qualifications: 1 });
    expect(transactions()[0]?.[0]?.Update?.UpdateExpression).not.toContain('pendingQualification');
    expect(bus.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('treats a redelivered message as done: the marker refuses the second write, nothing is published twice', async () => {
    dynamo.on(TransactWriteCommand).rejects(cancelled('None', 'ConditionalCheckFailed', 'None'));
    const result = await handler(sqsEvent([request()]), context);
    expect(result.batchItemFailures).toEqual([]);
    expect(transactions()).toHaveLength(1);
    expect(bus.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('retries from a fresh read when live scoring changed the score meanwhile', async () => {
    dynamo.on(TransactWriteCommand).rejectsOnce(cancelled('ConditionalCheckFailed', 'None', 'None')).resolves({});
    const result = await handler(sqsEvent([request()]), context);
    expect(result.batchItemFailures).toEqual([]);
    expect(transactions()).toHaveLength(2);
  });

  it('replays only the events the score holds: one recorded since is live scoring\'s to add', async () => {
    const later = new Date().toISOString();
    table.put({ pk: 'LEAD#lead-1', sk: `EVENT#${later}#e3`, entity: 'event', id: 'e3', type: 'webinar_registration', occurredAt: later, receivedAt: later, properties: {} });
    await handler(sqsEvent([request()]), context);
    expect(storedScore()).toMatchObject({ rulesetVersion: 'lower-bar', eventCount: 2 });
  });

  it('only counts a lead when a newer ruleset has been activated since', async () => {
    table.put({ pk: 'RULESET', sk: 'ACTIVE', version: 'even-newer' });
    await handler(sqsEvent([request()]), context);
    expect(transactions()[0]?.map((item) => item.Put?.Item?.sk ?? item.Update?.Key?.sk)).toEqual(['LEAD#lead-1', 'JOB']);
  });

  it.each([
    ['its own job', 'lower-bar'],
    ['a job a newer ruleset superseded', 'even-newer'],
  ])("counts a lead erased since %s once, under a marker that does not name it", async (_, active) => {
    table.put({ pk: 'RULESET', sk: 'ACTIVE', version: active });
    for (const sk of ['PROFILE', 'SCORE']) table.items.delete(TableFake.keyOf({ pk: 'LEAD#lead-1', sk }));
    await handler(sqsEvent([request()]), context);
    await handler(sqsEvent([request()]), context);
    const markers = transactions().map((items) => String(items[0]?.Put?.Item?.sk));
    expect(markers).toHaveLength(2);
    expect(markers.every((sk) => /^LEAD#GONE-[0-9a-f]{64}$/.test(sk))).toBe(true);
    expect(JSON.stringify(transactions())).not.toContain('lead-1');
    expect(table.get({ pk: 'RESCORE#job-1', sk: 'JOB' })).toMatchObject({ done: 1 });
  });
});
