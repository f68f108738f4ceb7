import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { manifest } from '../../manifest/manifest';
import * as keys from '../../src/adapters/keys';
import { verifyToken } from '../../src/domain/consent/signed-token';
import { JourneyDefinition } from '../../src/domain/journeys/definition';
import { busEnvelope, context, setHandlerEnvironment, sqsEvent } from './fixtures';
import { TableFake } from './table-fake';

setHandlerEnvironment();
Object.assign(process.env, { SIGNING_KEYS_SECRET: 'signing-keys', PRIVACY_SALT_SECRET: 'privacy-salt', PUBLIC_BASE_URL: 'https://mail.example.com' });
const dynamo = mockClient(DynamoDBDocumentClient);
const secrets = mockClient(SecretsManagerClient);
const ses = mockClient(SESv2Client);
const bus = mockClient(EventBridgeClient);
const ring = { current: 'k1', keys: { k1: 'the-current-signing-key-of-32-bytes!!' } };
let handler: (typeof import('../../functions/send-journey-email/handler'))['handler'];
let table: TableFake;

beforeAll(async () => {
  secrets.on(GetSecretValueCommand, { SecretId: 'signing-keys' }).resolves({ SecretString: JSON.stringify({ current: ring.current, ...ring.keys }) });
  secrets.on(GetSecretValueCommand, { SecretId: 'privacy-salt' }).resolves({ SecretString: 'salt-for-tests' });
  ({ handler } = await import('../../functions/send-journey-email/handler'));
});

const definition = JourneyDefinition.parse({
  name: 'Welcome',
  entry: { kind: 'manual' },
  steps: [
    { id: 'hello', type: 'send_email', subscription: 'newsletter', template: { subject: 'Welcome, {{lead.firstName}}', html: '<p>Hello {{lead.firstName}}</p>' } },
    { id: 'tell', type: 'notify', to: 'owner', message: 'Say hello.', task: { title: 'Call', dueInDays: 1 } },
  ],
});

const stepKey = (seq: number) => keys.journeyStep('lead-1', 'welcome', 1, seq);
const reached = (stepId: string, seq: number) => busEnvelope('journey.email-step-reached', { version: 1, correlationId: `journey:welcome:1:${seq}`, leadId: 'lead-1', journeyId: 'welcome', journeyVersion: 1, stepId, run: 1, seq, at: '2026-01-05T08:00:00.000Z' });

/** The journey's counters, summed over their shards. */
function counters(): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const item of table.items.values()) {
    if (item.pk !== 'JOURNEY#welcome' || !String(item.sk).startsWith('STATS#')) continue;
    for (const [name, value] of Object.entries(item)) if (typeof value === 'number') totals[name] = (totals[name] ?? 0) + value;
  }
  return totals;
}

beforeEach(() => {
  dynamo.reset();
  ses.reset();
  bus.reset();
  bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
  ses.on(SendEmailCommand).resolves({ MessageId: 'ses-1' });
  table = new TableFake();
  table.attach(dynamo);
  table.put({ ...keys.journeyVersion('welcome', 1), entity: 'journey-version', version: 1, definition });
  table.put({ ...keys.lead('lead-1'), id: 'lead-1', email: 'dewi@example.com', firstName: 'Dewi', subscriptions: { newsletter: 'opted_in' }, version: 1 });
  // The runner's claims of both steps, as it leaves them once their events are out.
  for (const [stepId, seq] of [['hello', 0], ['tell', 1]] as const) {
    table.put({ ...stepKey(seq), entity: 'journey-step', stepId, status: 'handed', claimedAt: new Date().toISOString(), expiresAt: Math.floor(Date.now() / 1000) + 86_400 });
  }
});

/** The step runs' ends told to run-journeys, as their details. */
const ends = () => bus.commandCalls(PutEventsCommand).flatMap((call) => (call.args[0].input.Entries ?? []).filter((entry) => entry.DetailType === 'journey.email-step-ended').map((entry) => JSON.parse(entry.Detail ?? '{}')));

describe('send-journey-email', () => {
  it("tells run-journeys the step run ended; when that publish fails, the retry sends nothing again and publishes the end", async () => {
    bus.on(PutEventsCommand).rejectsOnce(Object.assign(new Error('Service unavailable'), { name: 'InternalException' })).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-2' }] });
    expect((await handler(sqsEvent([reached('hello', 0)]), context)).batchItemFailures).toEqual([{ itemIdentifier: 'message-0' }]);
    expect(table.get(stepKey(0))).toMatchObject({ status: 'done' });
    expect((await handler(sqsEvent([reached('hello', 0)]), context)).batchItemFailures).toEqual([]);
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(1);
    expect(counters()).toEqual({ 'email:hello:sent': 1 });
    expect(bus.commandCalls(PutEventsCommand)).toHaveLength(2);
    expect(ends()).toEqual([
      { version: 1, correlationId: 'journey:welcome:1:0', leadId: 'lead-1', journeyId: 'welcome', stepId: 'hello', run: 1, seq: 0, at: expect.any(String) },
      { version: 1, correlationId: 'journey:welcome:1:0', leadId: 'lead-1', journeyId: 'welcome', stepId: 'hello', run: 1, seq: 0, at: expect.any(String) },
    ]);
  });


  it('sends the email step once however often it is delivered, with a signed unsubscribe link, and counts it sent once', async () => {
    // The batch's records run side by side: the duplicate finds the step being sent and is retried later.
    expect((await handler(sqsEvent([reached('hello', 0), reached('hello', 0)]), context)).batchItemFailures).toEqual([{ itemIdentifier: 'message-1' }]);
    expect((await handler(sqsEvent([reached('hello', 0)]), context)).batchItemFailures).toEqual([]);
    const calls = ses.commandCalls(SendEmailCommand);
    expect(calls).toHaveLength(1);
    const sent = calls[0]?.args[0].input;
    expect(sent?.Destination?.ToAddresses).toEqual(['dewi@example.com']);
    expect(sent?.Content?.Simple?.Subject?.Data).toBe('Welcome, Dewi');
    expect(sent?.EmailTags).toEqual(expect.arrayContaining([{ Name: 'journey', Value: 'welcome' }, { Name: 'step', Value: 'hello' }, { Name: 'run', Value: '1' }, { Name: 'seq', Value: '0' }]));
    const token = /https:\/\/mail\.example\.com\/v1\/unsubscribe\?token=(\S+)/.exec(sent?.Content?.Simple?.Body?.Text?.Data ?? '')?.[1] ?? '';
    expect(verifyToken(ring, 'unsubscribe', decodeURIComponent(token), Math.floor(Date.now() / 1000))).toMatchObject({ valid: true, claims: { leadId: 'lead-1', subscription: 'newsletter' } });
    expect(table.get(stepKey(0))).toMatchObject({ status: 'done' });
    expect(counters()).toEqual({ 'email:hello:sent': 1 });
  });

  it("retries a step a sender took moments ago, and on the queue's last delivery counts it as interrupted rather than leaving it to the DLQ, sending nothing", async () => {
    // A sender took the step and died (npm start killed: its queue delivers again at once, then every few seconds).
    const taken = new Date().toISOString();
    table.put({ ...stepKey(0), entity: 'journey-step', stepId: 'hello', status: 'sending', claimedAt: taken, sendingAt: taken, expiresAt: Math.floor(Date.now() / 1000) + 86_400 });
    expect((await handler(sqsEvent([reached('hello', 0)]), context)).batchItemFailures).toEqual([{ itemIdentifier: 'message-0' }]);
    expect(table.get(stepKey(0))).toMatchObject({ status: 'sending' });

    const consumer = manifest.functions.find((fn) => fn.name === 'send-journey-email');
    if (consumer?.trigger.kind !== 'event') throw new Error('send-journey-email is a queue consumer');
    const lastDelivery = sqsEvent([reached('hello', 0)]);
    for (const record of lastDelivery.Records) record.attributes.ApproximateReceiveCount = String(consumer.trigger.maxReceiveCount);
    expect((await handler(lastDelivery, context)).batchItemFailures).toEqual([]);
    expect(table.get(stepKey(0))).toMatchObject({ status: 'interrupted' });
    expect(counters()).toEqual({ 'email:hello:interrupted': 1 });
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
    expect(ends()).toHaveLength(1);
  });

  it('leaves the record for retry when SES fails, and the retry sends it once', async () => {
    ses.on(SendEmailCommand).rejectsOnce(Object.assign(new Error('Maximum sending rate exceeded.'), { name: 'TooManyRequestsException' })).resolves({ MessageId: 'ses-2' });
    expect((await handler(sqsEvent([reached('hello', 0)]), context)).batchItemFailures).toEqual([{ itemIdentifier: 'message-0' }]);
    expect(table.get(stepKey(0))).toMatchObject({ status: 'handed' });
    expect(counters()).toEqual({});
    expect((await handler(sqsEvent([reached('hello', 0)]), context)).batchItemFailures).toEqual([]);
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(2);
    expect(table.get(stepKey(0))).toMatchObject({ status: 'done' });
    expect(counters()).toEqual({ 'email:hello:sent': 1 });
  });

  it('skips an email to a lead who unsubscribed, counting why', async () => {
    table.put({ ...keys.lead('lead-1'), id: 'lead-1', email: 'dewi@example.com', subscriptions: { newsletter: 'opted_out' }, version: 1 });
    await handler(sqsEvent([reached('hello', 0)]), context);
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
    expect(table.get(stepKey(0))).toMatchObject({ status: 'skipped', reason: 'not_opted_in' });
    expect(counters()).toEqual({ 'email:hello:skipped': 1, 'skip:hello:not_opted_in': 1 });
    // A skipped email ends the step run too: the run goes on.
    expect(ends()).toMatchObject([{ stepId: 'hello', seq: 0 }]);
  });

  it('notifies the sales inbox of a lead without an owner and files the task once', async () => {
    await handler(sqsEvent([reached('tell', 1), reached('tell', 1)]), context);
    await handler(sqsEvent([reached('tell', 1)]), context);
    const calls = ses.commandCalls(SendEmailCommand);
    expect(calls.map((call) => call.args[0].input.Destination?.ToAddresses)).toEqual([['sales@example.com']]);
    expect([...table.items.values()].filter((item) => item.entity === 'sales-task')).toEqual([expect.objectContaining({ leadId: 'lead-1', title: 'Call', assignee: 'sales@example.com' })]);
    expect(counters()).toEqual({});
  });

  it('sends nothing for a step whose claim the runner gave back', async () => {
    table.put({ ...stepKey(0), entity: 'journey-step', stepId: 'hello', status: 'claimed', claimedAt: new Date().toISOString(), expiresAt: 0 });
    expect((await handler(sqsEvent([reached('hello', 0)]), context)).batchItemFailures).toEqual([]);
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
    // Not ended: the runner hands it again, and the run waits for that.
    expect(ends()).toEqual([]);
  });
});
