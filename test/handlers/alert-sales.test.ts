import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { ChangeMessageVisibilityCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { BatchGetCommand, DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { busEnvelope, context, setHandlerEnvironment, sqsEvent } from './fixtures';
import { TableFake } from './table-fake';

setHandlerEnvironment();
const dynamo = mockClient(DynamoDBDocumentClient);
const ses = mockClient(SESv2Client);
const bus = mockClient(EventBridgeClient);
const sqs = mockClient(SQSClient);
let handler: (typeof import('../../functions/alert-sales/handler'))['handler'];

beforeAll(async () => {
  ({ handler } = await import('../../functions/alert-sales/handler'));
});

const qualified = {
  version: 1,
  correlationId: 'c-1',
  leadId: 'lead-1',
  rulesetVersion: 'starter-1',
  qualification: 1,
  fit: 65,
  engagement: 40,
  score: 105,
  grade: 'A',
  qualifiedAt: '2026-11-22T10:00:00.000Z',
  topContributors: [{ ruleId: 'pricing-page', description: 'Pricing page view', points: 30, times: 3 }],
};
const lead = {
  id: 'lead-1',
  email: 'jane@example.com',
  firstName: 'Jane',
  company: 'Acme <b>',
  firstTouch: { at: '2026-11-01T00:00:00Z', formId: 'contact' },
  lastTouch: { at: '2026-11-01T00:00:00Z' },
  subscriptions: {},
  version: 3,
};

beforeEach(() => {
  dynamo.reset();
  ses.reset();
  bus.reset();
  sqs.reset();
  sqs.on(GetQueueUrlCommand).resolves({ QueueUrl: 'https://sqs.us-east-1.amazonaws.com/000000000000/alert-sales' });
  sqs.on(ChangeMessageVisibilityCommand).resolves({});
  dynamo.on(PutCommand).resolves({});
  dynamo.on(UpdateCommand).resolves({});
  // The profile and the routing are read together; no routing configured: alerts go to the sales inbox.
  dynamo.on(BatchGetCommand).resolves({ Responses: { 'leadflow-test': [{ pk: 'LEAD#lead-1', sk: 'PROFILE', ...lead }] } });
  bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'bus-event' }] });
  dynamo.on(QueryCommand).resolves({ Items: [{ id: 'e1', type: 'page_view', occurredAt: '2026-11-22T09:00:00Z', properties: { url: 'https://example.com/pricing' }, subject: { kind: 'lead', id: 'lead-1' } }] });
  ses.on(SendEmailCommand).resolves({ MessageId: 'ses-1' });
});

const conditionFailed = () => Object.assign(new Error('conditional'), { name: 'ConditionalCheckFailedException' });

describe('alert-sales', () => {
  it('claims the alert, emails the sales inbox with the reasons and recent activity, marks it sent', async () => {
    const result = await handler(sqsEvent([busEnvelope('lead.qualified', qualified)]), context);
    expect(result.batchItemFailures).toEqual([]);
    const claim = dynamo.commandCalls(PutCommand)[0]?.args[0].input;
    expect(claim?.Item).toMatchObject({ pk: 'LEAD#lead-1', sk: 'ALERT#starter-1#1', status: 'sending' });
    const mail = ses.commandCalls(SendEmailCommand)[0]?.args[0].input;
    expect(mail?.Destination?.ToAddresses).toEqual(['sales@example.com']);
    expect(mail?.Content?.Simple?.Subject?.Data).toBe('MQL: Jane (Acme <b>) — score 105, grade A');
    expect(mail?.Content?.Simple?.Body?.Text?.Data).toContain('+30  Pricing page view x3');
    expect(mail?.Content?.Simple?.Body?.Text?.Data).toContain('page_view  https://example.com/pricing');
    expect(mail?.Content?.Simple?.Body?.Html?.Data).toContain('Acme &lt;b&gt;');
    // A whole document, as a phone's mail app lays out at its own width, titled with the subject escaped.
    expect(mail?.Content?.Simple?.Body?.Html?.Data).toMatch(/^<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>MQL: Jane \(Acme &lt;b&gt;\) — score 105, grade A<\/title><\/head><body>/);
    expect(dynamo.commandCalls(UpdateCommand)[0]?.args[0].input.ExpressionAttributeValues?.[':sent']).toBe('sent');
    // The lead is read once, its profile alone (the score comes with the qualification), consistently and in one call with the routing.
    const reads = dynamo.commandCalls(BatchGetCommand).map((call) => call.args[0].input.RequestItems?.['leadflow-test']);
    expect(reads).toEqual([{ Keys: [{ pk: 'ROUTING', sk: 'CONFIG' }, { pk: 'LEAD#lead-1', sk: 'PROFILE' }], ConsistentRead: true }]);
    expect(dynamo.commandCalls(GetCommand).filter((call) => call.args[0].input.Key?.sk !== 'ALERT#starter-1#1')).toHaveLength(0);
  });

  it('sends nothing for a duplicate delivery of an alert already sent', async () => {
    dynamo.on(PutCommand).rejects(conditionFailed());
    dynamo.on(GetCommand, { Key: { pk: 'LEAD#lead-1', sk: 'ALERT#starter-1#1' } }).resolves({ Item: { status: 'sent' } });
    const result = await handler(sqsEvent([busEnvelope('lead.qualified', qualified)]), context);
    expect(result.batchItemFailures).toEqual([]);
    expect(ses.calls()).toHaveLength(0);
  });

  it('retries later, sending nothing, while another invocation holds the claim', async () => {
    dynamo.on(PutCommand).rejects(conditionFailed());
    dynamo.on(GetCommand, { Key: { pk: 'LEAD#lead-1', sk: 'ALERT#starter-1#1' } }).resolves({ Item: { status: 'sending' } });
    const result = await handler(sqsEvent([busEnvelope('lead.qualified', qualified)]), context);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'message-0' }]);
    expect(ses.calls()).toHaveLength(0);
    // Waits that grow until the claim could be taken over (a holder that crashed), so receives are not spent for nothing.
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand).map((call) => call.args[0].input.VisibilityTimeout)).toEqual([12]);
  });

  it('releases the claim when SES throttles, so the retry can send', async () => {
    ses.on(SendEmailCommand).rejects(Object.assign(new Error('Maximum sending rate exceeded'), { name: 'TooManyRequestsException' }));
    const result = await handler(sqsEvent([busEnvelope('lead.qualified', qualified)]), context);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'message-0' }]);
    expect(dynamo.commandCalls(DeleteCommand)[0]?.args[0].input.Key).toEqual({ pk: 'LEAD#lead-1', sk: 'ALERT#starter-1#1' });
  });

  it('reports only the poison record of a batch as failed', async () => {
    const result = await handler(
      sqsEvent([busEnvelope('lead.qualified', qualified), 'not json', busEnvelope('lead.qualified', { ...qualified, qualification: 2 })]),
      context,
    );
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'message-1' }]);
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(2);
  });
});

describe('alert-sales with owner routing', () => {
  const rep = (id: string, capacity = 2) => ({ id, name: `Rep ${id}`, email: `${id}@example.com`, capacity });
  const routing = {
    teams: [
      { id: 'apac', name: 'APAC', inbox: 'apac@example.com', reps: [rep('ana'), rep('budi')] },
      { id: 'inbound', name: 'Inbound', inbox: 'inbound@example.com', reps: [rep('eve')] },
    ],
    rules: [{ when: { lead: { country: ['ID'] } }, team: 'apac' }],
    defaultTeam: 'inbound',
  };
  let table: TableFake;

  const storeLead = (id: string, extra: Record<string, unknown> = {}) =>
    table.put({ pk: `LEAD#${id}`, sk: 'PROFILE', ...lead, id, email: `${id}@example.com`, country: 'ID', ...extra });
  const qualifiedFor = (leadId: string) => busEnvelope('lead.qualified', { ...qualified, leadId });
  const recipients = () => ses.commandCalls(SendEmailCommand).map((call) => call.args[0].input.Destination?.ToAddresses?.[0]);
  const assignedEvents = () =>
    bus.commandCalls(PutEventsCommand).flatMap((call) => call.args[0].input.Entries ?? []).filter((entry) => entry.DetailType === 'lead.assigned').map((entry) => JSON.parse(entry.Detail ?? '{}') as Record<string, unknown>);
  const successfulAssignments = () => [...table.items.values()].filter((item) => String(item.sk).startsWith('ASSIGNMENT#'));

  beforeEach(() => {
    dynamo.reset();
    table = new TableFake();
    table.attach(dynamo);
    table.put({ pk: 'ROUTING', sk: 'CONFIG', config: routing, version: 1, updatedAt: '2026-11-20T00:00:00Z' });
  });

  it('assigns the next rep of the team by round-robin, emails the owner and publishes lead.assigned', async () => {
    storeLead('lead-1');
    storeLead('lead-2');
    await handler(sqsEvent([qualifiedFor('lead-1')]), context);
    await handler(sqsEvent([qualifiedFor('lead-2')]), context);
    expect(recipients()).toEqual(['ana@example.com', 'budi@example.com']);
    expect(table.get({ pk: 'LEAD#lead-1', sk: 'PROFILE' })?.owner).toMatchObject({ repId: 'ana', teamId: 'apac' });
    expect(table.get({ pk: 'LEAD#lead-2', sk: 'PROFILE' })?.owner).toMatchObject({ repId: 'budi', teamId: 'apac' });
    expect(assignedEvents()).toEqual([
      expect.objectContaining({ leadId: 'lead-1', repId: 'ana', teamId: 'apac', rulesetVersion: 'starter-1', qualification: 1, version: 1 }),
      expect.objectContaining({ leadId: 'lead-2', repId: 'budi', teamId: 'apac' }),
    ]);
    const text = ses.commandCalls(SendEmailCommand)[0]?.args[0].input.Content?.Simple?.Body?.Text?.Data;
    expect(text).toContain('Owner: Rep ana, APAC (assigned now)');
    expect(text).toContain('+30  Pricing page view x3');
    expect(table.get({ pk: 'ROUTING#REP#ana', sk: 'LOAD' })?.open).toBe(1);
  });

  it('assigns once and emails once under a duplicate delivery', async () => {
    storeLead('lead-1');
    await handler(sqsEvent([qualifiedFor('lead-1')]), context);
    const again = await handler(sqsEvent([qualifiedFor('lead-1')]), context);
    expect(again.batchItemFailures).toEqual([]);
    expect(recipients()).toEqual(['ana@example.com']);
    expect(assignedEvents()).toHaveLength(1);
    expect(table.get({ pk: 'ROUTING#REP#ana', sk: 'LOAD' })?.open).toBe(1);
    expect(table.get({ pk: 'ROUTING#TEAM#apac', sk: 'ROUND_ROBIN' })?.position).toBe(1);
  });

  it('assigns once and emails once under two concurrent deliveries; the loser is retried and then does nothing', async () => {
    storeLead('lead-1');
    // One batch of two: the batch processor handles its records concurrently, as two consumers would.
    const concurrent = await handler(sqsEvent([qualifiedFor('lead-1'), qualifiedFor('lead-1')]), context);
    expect(concurrent.batchItemFailures).toHaveLength(1);
    const redelivered = await handler(sqsEvent([qualifiedFor('lead-1')]), context);
    expect(redelivered.batchItemFailures).toEqual([]);
    expect(recipients()).toEqual(['ana@example.com']);
    expect(assignedEvents()).toHaveLength(1);
    expect(successfulAssignments()).toHaveLength(1);
    expect(table.get({ pk: 'ROUTING#REP#ana', sk: 'LOAD' })?.open).toBe(1);
    expect(table.get({ pk: 'ROUTING#REP#budi', sk: 'LOAD' })).toBeUndefined();
  });

  it('keeps the assignment when the email fails and the retry sends it: same rep, one assignment', async () => {
    storeLead('lead-1');
    ses.on(SendEmailCommand).rejectsOnce(Object.assign(new Error('Maximum sending rate exceeded'), { name: 'TooManyRequestsException' })).resolves({ MessageId: 'ses-2' });
    const failed = await handler(sqsEvent([qualifiedFor('lead-1')]), context);
    expect(failed.batchItemFailures).toHaveLength(1);
    await handler(sqsEvent([qualifiedFor('lead-1')]), context);
    expect(recipients()).toEqual(['ana@example.com', 'ana@example.com']);
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(1);
    expect(table.get({ pk: 'ROUTING#REP#ana', sk: 'LOAD' })?.open).toBe(1);
    // lead.assigned again on the retry: at-least-once, the same event id for webhook receivers.
    expect(new Set(assignedEvents().map((detail) => `${String(detail.leadId)}:${String(detail.repId)}`))).toEqual(new Set(['lead-1:ana']));
  });

  it('keeps the owner a lead already has: no assignment, no lead.assigned, the alert to that owner', async () => {
    storeLead('lead-1', { owner: { repId: 'eve', teamId: 'inbound', assignedAt: '2026-10-01T00:00:00Z' } });
    await handler(sqsEvent([qualifiedFor('lead-1')]), context);
    expect(recipients()).toEqual(['eve@example.com']);
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(0);
    expect(assignedEvents()).toEqual([]);
    expect(table.get({ pk: 'LEAD#lead-1', sk: 'PROFILE' })?.owner).toMatchObject({ repId: 'eve' });
    expect(ses.commandCalls(SendEmailCommand)[0]?.args[0].input.Content?.Simple?.Body?.Text?.Data).toContain('Owner: Rep eve, Inbound (existing owner)');
  });

  it('sends the alert to the team inbox, unassigned, when every rep of the team is at capacity', async () => {
    table.put({ pk: 'ROUTING#REP#ana', sk: 'LOAD', repId: 'ana', open: 2 });
    table.put({ pk: 'ROUTING#REP#budi', sk: 'LOAD', repId: 'budi', open: 2 });
    storeLead('lead-1');
    await handler(sqsEvent([qualifiedFor('lead-1')]), context);
    expect(recipients()).toEqual(['apac@example.com']);
    expect(table.get({ pk: 'LEAD#lead-1', sk: 'PROFILE' })?.owner).toBeUndefined();
    expect(assignedEvents()).toEqual([]);
    expect(ses.commandCalls(SendEmailCommand)[0]?.args[0].input.Content?.Simple?.Body?.Text?.Data).toContain('every rep of APAC is at capacity');
  });

  it('skips a rep at capacity and moves the round-robin past them', async () => {
    table.put({ pk: 'ROUTING#REP#ana', sk: 'LOAD', repId: 'ana', open: 2 });
    storeLead('lead-1');
    storeLead('lead-2');
    await handler(sqsEvent([qualifiedFor('lead-1')]), context);
    await handler(sqsEvent([qualifiedFor('lead-2')]), context);
    expect(recipients()).toEqual(['budi@example.com', 'budi@example.com']);
    expect(table.get({ pk: 'ROUTING#REP#budi', sk: 'LOAD' })?.open).toBe(2);
  });
});
