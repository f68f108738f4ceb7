import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { replay, type ScoredEvent } from '../../src/domain/scoring/engine';
import type { Ruleset } from '../../src/domain/scoring/ruleset';
import { starterRuleset } from '../../src/domain/scoring/starter-ruleset';
import { busEnvelope, context, setHandlerEnvironment, sqsEvent } from './fixtures';

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
const lead = (score: unknown, extra: Record<string, unknown> = {}) => ({ pk: 'LEAD#lead-1', sk: 'PROFILE', id: 'lead-1', email: 'bo@example.com', ...profile, subscriptions: {}, version: 7, score, ...extra });
const request = (leadIds = ['lead-1']) => busEnvelope('rescore.leads-requested', { version: 1, correlationId: 'job-1', jobId: 'job-1', rulesetVersion: 'lower-bar', leadIds });
const cancelled = (...codes: string[]) => new TransactionCanceledException({ message: 'cancelled', $metadata: {}, CancellationReasons: codes.map((Code) => ({ Code })) });
const transactions = () => dynamo.commandCalls(TransactWriteCommand).map((call) => call.args[0].input.TransactItems ?? []);

let table: Map<string, Record<string, unknown>>;

beforeEach(() => {
  dynamo.reset();
  bus.reset();
  table = new Map<string, Record<string, unknown>>([
    ['RULESET#lower-bar', { pk: 'RULESET#lower-bar', sk: 'RULESET', version: 'lower-bar', status: 'active', ruleset: lowerBar }],
    ['RULESET', { pk: 'RULESET', sk: 'ACTIVE', version: 'lower-bar' }],
    ['LEAD#lead-1', lead(replay(history, profile, starterRuleset).state)],
  ]);
  dynamo.on(GetCommand).callsFake((input: { Key: { pk: string } }) => ({ Item: table.get(input.Key.pk) }));
  dynamo.on(QueryCommand).resolves({ Items: history.map((event) => ({ ...event, subject: { kind: 'lead', id: 'lead-1' }, scoredAt: event.occurredAt })) });
  dynamo.on(TransactWriteCommand).resolves({});
  dynamo.on(UpdateCommand).resolves({});
  bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] });
});

describe('rescore-leads', () => {
  it('replaces the score under the new ruleset, marks the lead done for the job and counts it, in one transaction', async () => {
    const result = await handler(sqsEvent([request()]), context);
    expect(result.batchItemFailures).toEqual([]);
    const [leadUpdate, marker, counter] = transactions()[0] ?? [];
    expect(leadUpdate?.Update?.ConditionExpression).toBe('version = :version');
    expect(leadUpdate?.Update?.ExpressionAttributeValues?.[':score']).toMatchObject({ rulesetVersion: 'lower-bar', qualified: true, qualifications: 1 });
    expect(marker?.Put?.Item).toMatchObject({ pk: 'RESCORE#job-1', sk: 'LEAD#lead-1' });
    expect(marker?.Put?.ConditionExpression).toBe('attribute_not_exists(pk)');
    expect(counter?.Update?.UpdateExpression).toContain('ADD #done :one');
    // Under the lower bar Bo qualifies for the first time: one lead.qualified, from the outbox.
    const published = bus.commandCalls(PutEventsCommand).flatMap((call) => call.args[0].input.Entries ?? []);
    expect(published.map((entry) => entry.DetailType)).toEqual(['lead.qualified']);
  });

  it('does not qualify again a lead already qualified under its earlier ruleset', async () => {
    const alreadyQualified = { ...replay(history, profile, starterRuleset).state, qualified: true, qualifications: 1, qualifiedAt: history[0]?.occurredAt };
    table.set('LEAD#lead-1', lead(alreadyQualified));
    await handler(sqsEvent([request()]), context);
    expect(transactions()[0]?.[0]?.Update?.ExpressionAttributeValues?.[':score']).toMatchObject({ qualified: true, qualifications: 1 });
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

  it('retries from a fresh read when live scoring changed the lead meanwhile', async () => {
    dynamo.on(TransactWriteCommand).rejectsOnce(cancelled('ConditionalCheckFailed', 'None', 'None')).resolves({});
    const result = await handler(sqsEvent([request()]), context);
    expect(result.batchItemFailures).toEqual([]);
    expect(transactions()).toHaveLength(2);
  });

  it('only counts a lead when a newer ruleset has been activated since', async () => {
    table.set('RULESET', { pk: 'RULESET', sk: 'ACTIVE', version: 'even-newer' });
    await handler(sqsEvent([request()]), context);
    expect(transactions()[0]?.map((item) => item.Put?.Item?.sk ?? item.Update?.Key?.sk)).toEqual(['LEAD#lead-1', 'JOB']);
  });
});
