import { CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { manifest } from '../../manifest/manifest';
import * as keys from '../../src/adapters/keys';
import { sendIdOf } from '../../src/app/survey-sending';
import { customerItem, LEAD_ID, leadKey } from './care-customer';
import { busEnvelope, context, setHandlerEnvironment, sqsEvent } from './fixtures';
import { TableFake } from './table-fake';

setHandlerEnvironment();
Object.assign(process.env, { PRIVACY_SALT_SECRET: 'leadflow/privacy-salt', PUBLIC_BASE_URL: 'https://leadflow.example.com' });
const dynamo = mockClient(DynamoDBDocumentClient);
const ses = mockClient(SESv2Client);
const scheduler = mockClient(SchedulerClient);
const secrets = mockClient(SecretsManagerClient);
let handler: (typeof import('../../functions/send-surveys/handler'))['handler'];
let table: TableFake;

beforeAll(async () => {
  ({ handler } = await import('../../functions/send-surveys/handler'));
});

const customer = customerItem({ firstName: 'Ana', subscriptions: { product_updates: 'opted_in' } });

beforeEach(() => {
  dynamo.reset();
  table = new TableFake();
  table.attach(dynamo);
  table.put(structuredClone(customer));
  secrets.reset();
  secrets.on(GetSecretValueCommand, { SecretId: 'leadflow/signing-keys' }).resolves({ SecretString: JSON.stringify({ current: 'k1', k1: 'a-test-secret-of-at-least-32-bytes!!' }) });
  secrets.on(GetSecretValueCommand, { SecretId: 'leadflow/privacy-salt' }).resolves({ SecretString: 'salt-for-tests' });
  ses.reset();
  ses.on(SendEmailCommand).resolves({ MessageId: 'ses-1' });
  scheduler.reset();
  scheduler.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn:aws:scheduler:us-east-1:123456789012:schedule/leadflow-schedules/x' });
});

const surveyDue = (requestId: string) => busEnvelope('care.survey-due', { version: 1, correlationId: 'c-1', leadId: LEAD_ID, surveyId: 'nps', cause: 'request', requestId });
const emails = () => ses.commandCalls(SendEmailCommand).map((call) => call.args[0].input);

describe('send-surveys', () => {
  it("sends a requested survey with its signed answer links and unsubscribe link, notes it on the customer, and sets the next round's timer", async () => {
    expect((await handler(sqsEvent([surveyDue('req-1')]), context)).batchItemFailures).toEqual([]);
    const [email] = emails();
    expect(email?.Destination?.ToAddresses).toEqual(['ana@example.com']);
    expect(email?.Content?.Simple?.Body?.Text?.Data).toMatch(/^10: https:\/\/leadflow\.example\.com\/v1\/surveys\/answer\?token=\S+$/m);
    expect(email?.Content?.Simple?.Headers?.find((header) => header.Name === 'List-Unsubscribe')?.Value).toContain('https://leadflow.example.com/v1/unsubscribe?token=');
    expect((table.get(leadKey)?.care as { surveyedAt?: Record<string, string> } | undefined)?.surveyedAt?.nps).toBeDefined();
    const [timer] = scheduler.commandCalls(CreateScheduleCommand).map((call) => call.args[0].input);
    expect(timer?.Name).toMatch(/^survey-[0-9a-f]{40}$/);
    expect(timer?.Target?.EventBridgeParameters?.DetailType).toBe('care.survey-due');
  });

  it('sends one email for a request delivered twice, in one batch or in the next', async () => {
    await handler(sqsEvent([surveyDue('req-1'), surveyDue('req-1')]), context);
    expect((await handler(sqsEvent([surveyDue('req-1')]), context)).batchItemFailures).toEqual([]);
    expect(emails()).toHaveLength(1);
  });

  it('sends once when the email went out but noting it on the customer failed: the retry finds the send record sent, notes it and sets the next round', async () => {
    dynamo.on(TransactWriteCommand).rejects(Object.assign(new Error('Internal server error'), { name: 'InternalServerError', $metadata: {} }));
    expect((await handler(sqsEvent([surveyDue('req-1')]), context)).batchItemFailures).toEqual([{ itemIdentifier: 'message-0' }]);
    expect((table.get(leadKey)?.care as { surveyedAt?: Record<string, string> } | undefined)?.surveyedAt?.nps).toBeUndefined();
    const timersBefore = scheduler.commandCalls(CreateScheduleCommand).length;
    table.attach(dynamo);
    expect((await handler(sqsEvent([surveyDue('req-1')]), context)).batchItemFailures).toEqual([]);
    expect(emails()).toHaveLength(1);
    expect((table.get(leadKey)?.care as { surveyedAt?: Record<string, string> } | undefined)?.surveyedAt?.nps).toBeDefined();
    expect(scheduler.commandCalls(CreateScheduleCommand).length).toBe(timersBefore + 1);
  });

  it("retries a survey another invocation claimed moments ago, and on the queue's last delivery takes the claim over and sends it", async () => {
    // As a sender that claimed the survey and died would have left it (npm start killed: its queue delivers again at once, then every few seconds).
    const sendKey = keys.surveySend(LEAD_ID, sendIdOf('nps', 'req-1'));
    table.put({ ...sendKey, entity: 'survey-send', leadId: LEAD_ID, surveyId: 'nps', kind: 'nps', status: 'sending', claimedAt: new Date().toISOString(), token: 'a-dead-sender' });
    expect((await handler(sqsEvent([surveyDue('req-1')]), context)).batchItemFailures).toEqual([{ itemIdentifier: 'message-0' }]);
    expect(emails()).toHaveLength(0);

    const consumer = manifest.functions.find((fn) => fn.name === 'send-surveys');
    if (consumer?.trigger.kind !== 'event') throw new Error('send-surveys is a queue consumer');
    const lastDelivery = sqsEvent([surveyDue('req-1')]);
    for (const record of lastDelivery.Records) record.attributes.ApproximateReceiveCount = String(consumer.trigger.maxReceiveCount);
    expect((await handler(lastDelivery, context)).batchItemFailures).toEqual([]);
    expect(emails()).toHaveLength(1);
    expect(table.get(sendKey)).toMatchObject({ status: 'sent', messageId: 'ses-1' });
    // The next round's timer is set, as after any survey sent.
    expect(scheduler.commandCalls(CreateScheduleCommand)).toHaveLength(1);
  });

  it('gives the send back when SES fails, so the retry sends it, once', async () => {
    ses.on(SendEmailCommand).rejectsOnce(Object.assign(new Error('Throttling'), { name: 'TooManyRequestsException', $metadata: {} })).resolves({ MessageId: 'ses-2' });
    expect((await handler(sqsEvent([surveyDue('req-1')]), context)).batchItemFailures).toEqual([{ itemIdentifier: 'message-0' }]);
    expect((await handler(sqsEvent([surveyDue('req-1')]), context)).batchItemFailures).toEqual([]);
    expect((await handler(sqsEvent([surveyDue('req-1')]), context)).batchItemFailures).toEqual([]);
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(2);
  });
});
