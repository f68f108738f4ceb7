import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { ConflictException, CreateScheduleCommand, SchedulerClient, UpdateScheduleCommand } from '@aws-sdk/client-scheduler';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { BatchGetCommand, DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { addressHash } from '../../src/domain/consent/suppression';
import { busEnvelope, context, setHandlerEnvironment, sqsEvent } from './fixtures';
import { answerLeadReadsFromGets } from './lead-reads';

setHandlerEnvironment();
Object.assign(process.env, { SIGNING_KEYS_SECRET: 'signing-keys', PRIVACY_SALT_SECRET: 'privacy-salt', PUBLIC_BASE_URL: 'https://mail.example.com' });
const dynamo = mockClient(DynamoDBDocumentClient);
const secrets = mockClient(SecretsManagerClient);
const ses = mockClient(SESv2Client);
const scheduler = mockClient(SchedulerClient);
let handler: (typeof import('../../functions/send-campaign/handler'))['handler'];

beforeAll(async () => {
  secrets.on(GetSecretValueCommand, { SecretId: 'signing-keys' }).resolves({ SecretString: JSON.stringify({ current: 'k1', k1: 'the-current-signing-key-of-32-bytes!!' }) });
  secrets.on(GetSecretValueCommand, { SecretId: 'privacy-salt' }).resolves({ SecretString: 'salt' });
  ({ handler } = await import('../../functions/send-campaign/handler'));
});

const campaign = { pk: 'CAMPAIGN#c-1', sk: 'CAMPAIGN', id: 'c-1', name: 'n', subscription: 'events', status: 'sending', template: { subject: 'Hi {{ lead.firstName | "there" }}', html: '<p>Hello</p>' } };
const lead = { pk: 'LEAD#lead-1', sk: 'PROFILE', id: 'lead-1', email: 'ana@example.com', firstName: 'Ana', subscriptions: { events: 'opted_in' }, version: 1 };
const planned = busEnvelope('campaign.recipients-planned', { version: 1, correlationId: 'c', campaignId: 'c-1', leadIds: ['lead-1'] });
let table: Map<string, Record<string, unknown>>;
/** The puts of campaign send records (the frequency cap's ledger is written under the lead beside them). */
const sendRecordPuts = () => dynamo.commandCalls(PutCommand).filter((call) => String(call.args[0].input.Item?.pk).startsWith('CAMPAIGN#'));
/** Every send record exists already (a claim's conditional put fails); the lead's send ledger takes the count. */
const sendRecordsExist = () =>
  dynamo.on(PutCommand).callsFake((input: { Item: { sk: string } }) => {
    if (input.Item.sk === 'SEND_LEDGER') return {};
    throw Object.assign(new Error('exists'), { name: 'ConditionalCheckFailedException' });
  });
const throttled = () => Object.assign(new Error('Maximum sending rate exceeded.'), { name: 'TooManyRequestsException' });

beforeEach(() => {
  dynamo.reset();
  ses.reset();
  scheduler.reset();
  table = new Map<string, Record<string, unknown>>([['CAMPAIGN#c-1|CAMPAIGN', campaign], ['LEAD#lead-1|PROFILE', lead]]);
  dynamo.on(GetCommand).callsFake((input: { Key: { pk: string; sk: string } }) => ({ Item: table.get(`${input.Key.pk}|${input.Key.sk}`) }));
  // A batch's recipients (leads, scores, send ledgers, suppressions) are read together.
  dynamo.on(BatchGetCommand).callsFake((input: { RequestItems: Record<string, { Keys: { pk: string; sk: string }[] }> }) => ({
    Responses: Object.fromEntries(Object.entries(input.RequestItems).map(([name, { Keys }]) => [name, Keys.flatMap((key) => { const item = table.get(`${key.pk}|${key.sk}`); return item ? [{ ...key, ...item }] : []; })])),
  }));
  dynamo.on(PutCommand).resolves({});
  dynamo.on(TransactWriteCommand).resolves({});
  dynamo.on(DeleteCommand).resolves({});
  dynamo.on(UpdateCommand).resolves({});
  ses.on(SendEmailCommand).resolves({ MessageId: 'ses-1' });
  answerLeadReadsFromGets(dynamo);
});

describe('send-campaign', () => {
  it('records the send before calling SES, then sends with the one-click headers and marks it sent', async () => {
    const result = await handler(sqsEvent([planned]), context);
    expect(result.batchItemFailures).toEqual([]);
    expect(sendRecordPuts()[0]?.args[0].input).toMatchObject({ Item: { pk: 'CAMPAIGN#c-1', sk: 'SEND#lead-1', status: 'sending' }, ConditionExpression: 'attribute_not_exists(pk)' });
    const headers = ses.commandCalls(SendEmailCommand)[0]?.args[0].input.Content?.Simple?.Headers ?? [];
    expect(headers.map((header) => header.Name)).toEqual(['List-Unsubscribe', 'List-Unsubscribe-Post']);
    expect(headers[0]?.Value).toMatch(/^<https:\/\/mail\.example\.com\/v1\/unsubscribe\?token=v1\.k1\./);
    expect(dynamo.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems?.[0]?.Update?.ExpressionAttributeValues).toMatchObject({ ':sent': 'sent', ':messageId': 'ses-1' });
  });

  it('keeps a campaign created since counters were sharded off its campaign item: the send in its own partition, the count in a shard', async () => {
    table.set('CAMPAIGN#c-1|CAMPAIGN', { ...campaign, layout: 'sharded' });
    expect((await handler(sqsEvent([planned]), context)).batchItemFailures).toEqual([]);
    expect(sendRecordPuts()[0]?.args[0].input).toMatchObject({ Item: { pk: 'CAMPAIGN#c-1#SEND#lead-1', sk: 'SEND', status: 'sending' }, ConditionExpression: 'attribute_not_exists(pk)' });
    const [record, counter] = dynamo.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];
    expect(record?.Update).toMatchObject({ Key: { pk: 'CAMPAIGN#c-1#SEND#lead-1', sk: 'SEND' }, ExpressionAttributeValues: { ':sent': 'sent', ':messageId': 'ses-1' } });
    expect(counter?.Update?.Key?.pk).toMatch(/^CAMPAIGN#c-1#COUNTER#\d{2}$/);
    expect(counter?.Update).toMatchObject({ ExpressionAttributeNames: { '#counter0': 'sent' }, ExpressionAttributeValues: { ':count0': 1 } });
    const campaignWrites = [...dynamo.commandCalls(UpdateCommand), ...dynamo.commandCalls(PutCommand)].filter((call) => JSON.stringify(call.args[0].input).includes('"sk":"CAMPAIGN"'));
    expect(campaignWrites).toEqual([]);
  });

  it('sends nothing when the send is already recorded, and counts one left mid-send by a dead sender as interrupted', async () => {
    sendRecordsExist();
    // Another sender recorded it a moment ago: it counts it, or the settling scheduled for when its claim is stale does.
    table.set('CAMPAIGN#c-1|SEND#lead-1', { status: 'sending', claimedAt: new Date().toISOString() });
    expect((await handler(sqsEvent([planned]), context)).batchItemFailures).toEqual([]);
    table.set('CAMPAIGN#c-1|SEND#lead-1', { status: 'sent' });
    expect((await handler(sqsEvent([planned]), context)).batchItemFailures).toEqual([]);
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(0);
    // Recorded eleven minutes ago (claims are stale at ten) and never confirmed: its sender died. Not resent; counted once as interrupted.
    table.set('CAMPAIGN#c-1|SEND#lead-1', { status: 'sending', claimedAt: new Date(Date.now() - 660_000).toISOString() });
    expect((await handler(sqsEvent([planned]), context)).batchItemFailures).toEqual([]);
    const [record, counter] = dynamo.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];
    expect(record?.Update).toMatchObject({ ConditionExpression: '#status = :sending', ExpressionAttributeValues: { ':interrupted': 'interrupted' } });
    expect(counter?.Update).toMatchObject({ Key: { pk: 'CAMPAIGN#c-1', sk: 'CAMPAIGN' }, ExpressionAttributeNames: { '#counter0': 'interrupted' } });
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
  });

  it('takes a place in the shared send rate before every SES call', async () => {
    await handler(sqsEvent([planned]), context);
    const rate = dynamo.commandCalls(UpdateCommand).map((call) => call.args[0].input).find((input) => input.Key?.pk === 'SEND_RATE');
    expect(rate).toMatchObject({ ConditionExpression: 'attribute_not_exists(calls) OR calls < :max', ExpressionAttributeValues: { ':max': 14 } });
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(1);
  });

  it('backs off when SES throttles and sends once it lets the call through: one email, nothing released', async () => {
    ses.on(SendEmailCommand).rejectsOnce(throttled()).rejectsOnce(throttled()).resolves({ MessageId: 'ses-2' });
    expect((await handler(sqsEvent([planned]), context)).batchItemFailures).toEqual([]);
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(3);
    expect(dynamo.commandCalls(DeleteCommand)).toHaveLength(0);
    expect(dynamo.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems?.[0]?.Update?.ExpressionAttributeValues).toMatchObject({ ':messageId': 'ses-2' });
  });

  it('frees the record and retries the batch when SES keeps throttling (nothing was sent)', async () => {
    ses.on(SendEmailCommand).rejects(throttled());
    expect((await handler(sqsEvent([planned]), context)).batchItemFailures).toEqual([{ itemIdentifier: 'message-0' }]);
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(5);
    expect(dynamo.commandCalls(DeleteCommand)[0]?.args[0].input).toMatchObject({ Key: { pk: 'CAMPAIGN#c-1', sk: 'SEND#lead-1' }, ConditionExpression: '#status = :sending' });
  });

  it('pauses the campaign when SES stops the account, leaving the rest of the batch for the resume', async () => {
    table.set('LEAD#lead-2|PROFILE', { ...lead, pk: 'LEAD#lead-2', id: 'lead-2', email: 'ben@example.com' });
    ses.on(SendEmailCommand).rejects(Object.assign(new Error('Sending paused for this account.'), { name: 'SendingPausedException' }));
    const both = busEnvelope('campaign.recipients-planned', { version: 1, correlationId: 'c', campaignId: 'c-1', leadIds: ['lead-1', 'lead-2'] });
    expect((await handler(sqsEvent([both]), context)).batchItemFailures).toEqual([]);
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(1);
    expect(dynamo.commandCalls(DeleteCommand)).toHaveLength(1);
    const paused = dynamo.commandCalls(UpdateCommand).map((call) => call.args[0].input).find((input) => input.Key?.pk === 'CAMPAIGN#c-1');
    expect(paused?.ExpressionAttributeValues).toMatchObject({ ':to': 'paused', ':from0': 'sending', ':reason': 'SES stopped sending: SendingPausedException' });
  });

  it('sends a template test from its stored version to the named addresses, marked [Test], untracked, skipping a suppressed address, writing nothing', async () => {
    table.set('TEMPLATE#t-1|VERSION#000002', { templateId: 't-1', version: 2, createdAt: '2026-11-20T00:00:00Z', subject: 'Hi {{ lead.firstName | "there" }}', html: '<p>Hello</p>' });
    table.set(`SUPPRESSED#${addressHash('salt', 'blocked@example.com')}|SUPPRESSION`, { reason: 'bounce' });
    const requested = busEnvelope('template.test-requested', { version: 1, correlationId: 't-1', templateId: 't-1', templateVersion: 2, subscription: 'events', to: ['me@example.com', 'blocked@example.com'], leadId: 'lead-1' });

    expect((await handler(sqsEvent([requested]), context)).batchItemFailures).toEqual([]);
    const sent = ses.commandCalls(SendEmailCommand).map((call) => call.args[0].input);
    expect(sent.map((input) => input.Destination?.ToAddresses)).toEqual([['me@example.com']]);
    expect(sent[0]?.Content?.Simple?.Subject?.Data).toBe('[Test] Hi Ana');
    expect(sent[0]?.EmailTags).toEqual(expect.arrayContaining([{ Name: 'template', Value: 't-1' }, { Name: 'kind', Value: 'test' }]));
    expect(sent[0]?.EmailTags?.map((tag) => tag.Name)).not.toContain('lead');
    expect([...dynamo.commandCalls(PutCommand), ...dynamo.commandCalls(TransactWriteCommand), ...dynamo.commandCalls(UpdateCommand)]).toEqual([]);
  });

  it('skips an address suppressed since planning: zero SES calls, the reason recorded', async () => {
    table.set(`SUPPRESSED#${addressHash('salt', lead.email)}|SUPPRESSION`, { reason: 'complaint' });
    await handler(sqsEvent([planned]), context);
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
    expect(dynamo.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems?.[0]?.Put?.Item).toMatchObject({ status: 'skipped', reason: 'suppressed' });
  });

  it('checks consent at send time: a lead that unsubscribed since planning is skipped with the reason', async () => {
    table.set('LEAD#lead-1|PROFILE', { ...lead, subscriptions: { events: 'opted_out' } });
    await handler(sqsEvent([planned]), context);
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
    expect(dynamo.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems?.[0]?.Put?.Item).toMatchObject({ status: 'skipped', reason: 'not_opted_in' });
  });

  it('counts a skip once: a repeated skip write changes nothing', async () => {
    table.set('LEAD#lead-1|PROFILE', { ...lead, subscriptions: {} });
    dynamo.on(TransactWriteCommand).rejects(new TransactionCanceledException({ message: 'cancelled', $metadata: {}, CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }] }));
    expect((await handler(sqsEvent([planned]), context)).batchItemFailures).toEqual([]);
  });

  it('sends nothing and records nothing while the campaign is paused or cancelled (resuming plans them again)', async () => {
    for (const status of ['paused', 'cancelled']) {
      table.set('CAMPAIGN#c-1|CAMPAIGN', { ...campaign, status });
      expect((await handler(sqsEvent([planned]), context)).batchItemFailures).toEqual([]);
    }
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
    expect(dynamo.commandCalls(PutCommand)).toHaveLength(0);
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  describe('a recipient in their quiet hours', () => {
    afterEach(() => vi.useRealTimers());

    it('is deferred to their end by one one-time schedule, made once however often the batch is delivered, and is neither sent nor recorded now', async () => {
      // Past the second senders keep the policy, so this file's earlier reads of no policy are gone.
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(Date.now() + 5_000);
      const utcTime = (minutesFromNow: number) => new Date(Date.now() + minutesFromNow * 60_000).toISOString().slice(11, 16);
      table.set('SETTINGS|SEND_POLICY', { policy: { quietHours: { start: utcTime(-60), end: utcTime(60) }, defaultTimeZone: 'UTC' }, version: 1, updatedAt: '2026-12-01T00:00:00.000Z' });
      scheduler.on(CreateScheduleCommand).resolvesOnce({ ScheduleArn: 'arn' }).rejects(new ConflictException({ message: 'Schedule already exists.', Message: 'Schedule already exists.', $metadata: {} }));

      // Delivered twice, as SQS may: the second delivery finds the schedule the first made.
      expect((await handler(sqsEvent([planned]), context)).batchItemFailures).toEqual([]);
      expect((await handler(sqsEvent([planned]), context)).batchItemFailures).toEqual([]);

      const creates = scheduler.commandCalls(CreateScheduleCommand).map((call) => call.args[0].input);
      expect(creates).toHaveLength(2);
      expect(creates[1]?.Name).toBe(creates[0]?.Name);
      expect(creates[0]).toMatchObject({ Name: expect.stringMatching(/^campaign-quiet-[0-9a-f]{40}$/), ScheduleExpressionTimezone: 'UTC', ActionAfterCompletion: 'DELETE', Target: { EventBridgeParameters: { DetailType: 'campaign.recipients-planned' } } });
      expect(JSON.parse(creates[0]?.Target?.Input ?? '{}')).toEqual({ version: 1, correlationId: 'c-1', campaignId: 'c-1', leadIds: ['lead-1'] });
      // The schedule that exists is not moved: it fires once, with the same recipients at the same end.
      expect(scheduler.commandCalls(UpdateScheduleCommand)).toHaveLength(0);
      expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
      expect(sendRecordPuts()).toHaveLength(0);
    });
  });

  describe('a recipient whose send another sender claimed moments ago', () => {
    const settle = busEnvelope('campaign.recipients-planned', { version: 1, correlationId: 'c-1', campaignId: 'c-1', leadIds: ['lead-1'], settleClaims: true });
    let claimedAt: string;
    afterEach(() => vi.useRealTimers());

    beforeEach(() => {
      // Past the second senders keep the policy, so the quiet hours read by the tests above are gone.
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(Date.now() + 10_000);
      claimedAt = new Date(Date.now() - 1_000).toISOString();
      // The claim a sender made before it died: npm start killed, its queue sending the batch again at once.
      table.set('CAMPAIGN#c-1|SEND#lead-1', { pk: 'CAMPAIGN#c-1', sk: 'SEND#lead-1', status: 'sending', claimedAt });
      sendRecordsExist();
      scheduler.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn' });
    });

    it('is not sent, and is put back on the bus to be settled once the claim is stale (five of the function\'s timeouts)', async () => {
      expect((await handler(sqsEvent([planned]), context)).batchItemFailures).toEqual([]);

      expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
      const [create, ...more] = scheduler.commandCalls(CreateScheduleCommand).map((call) => call.args[0].input);
      expect(more).toEqual([]);
      expect(create).toMatchObject({ Name: expect.stringMatching(/^campaign-settle-[0-9a-f]{40}$/), ScheduleExpression: `at(${new Date(Date.parse(claimedAt) + 600_000).toISOString().slice(0, 19)})`, ScheduleExpressionTimezone: 'UTC' });
      expect(JSON.parse(create?.Target?.Input ?? '{}')).toEqual({ version: 1, correlationId: 'c-1', campaignId: 'c-1', leadIds: ['lead-1'], settleClaims: true });
    });

    it('is counted as interrupted when settled with its send still marked as sending, and never sent', async () => {
      expect((await handler(sqsEvent([settle]), context)).batchItemFailures).toEqual([]);

      expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
      const [record, counter] = dynamo.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];
      expect(record?.Update).toMatchObject({ Key: { pk: 'CAMPAIGN#c-1', sk: 'SEND#lead-1' }, ConditionExpression: '#status = :sending', ExpressionAttributeValues: { ':interrupted': 'interrupted' } });
      expect(counter?.Update?.ExpressionAttributeNames).toEqual({ '#counter0': 'interrupted' });
      expect(scheduler.commandCalls(CreateScheduleCommand)).toHaveLength(0);
    });
  });
});
