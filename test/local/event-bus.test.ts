import { randomUUID } from 'node:crypto';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, PurgeQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEventBus } from '../../local/event-bus';
import { JOURNAL_ID_ATTRIBUTE, noJournal } from '../../local/queue-journal';
import { consumedDetailTypes } from '../../manifest/event-flow';
import { freePort, startSqs, type RunningSqs } from '../../local/services';
import { sesForwardingRule } from '../../manifest/default-bus';
import { manifest } from '../../manifest/manifest';
import { isEventFunction } from '../../manifest/types';
import { DetailType, EVENT_SOURCE } from '../../src/domain/events';

/**
 * The local bus routes what reaches the `default` bus as the stack routes it in AWS: SES events of
 * leadflow's configuration set are forwarded to the leadflow bus (manifest/default-bus.ts),
 * everything else stays there, unmatched; a bus that does not exist is an entry error.
 */
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const CONFIGURATION_SET = 'leadflow';
let sqsService: RunningSqs;
let sqs: SQSClient;
let bus: Awaited<ReturnType<typeof startEventBus>>;
let client: EventBridgeClient;
const queueUrls = new Map<string, string>();

beforeAll(async () => {
  sqsService = await startSqs(await freePort());
  sqs = new SQSClient({ endpoint: sqsService.endpoint, region: 'us-east-1', credentials, useQueueUrlAsEndpoint: false });
  const functions = manifest.functions.filter(isEventFunction);
  for (const fn of functions) queueUrls.set(fn.name, (await sqs.send(new CreateQueueCommand({ QueueName: fn.name }))).QueueUrl ?? '');
  bus = await startEventBus({
    port: await freePort(),
    busName: 'leadflow',
    rules: functions.map((fn) => ({ fn, queueUrl: queueUrls.get(fn.name) ?? '' })),
    forwardedFromDefaultBus: [sesForwardingRule(CONFIGURATION_SET).pattern],
    queues: sqsService.queues,
    // In memory, as tests without a data folder run: the journal is covered by queue-journal.test.ts.
    journal: noJournal,
    region: 'us-east-1',
    log: () => {},
  });
  client = new EventBridgeClient({ endpoint: bus.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
});

afterAll(async () => {
  client?.destroy();
  await bus?.stop();
  sqs?.destroy();
  await sqsService?.stop();
});

beforeEach(async () => {
  for (const url of queueUrls.values()) await sqs.send(new PurgeQueueCommand({ QueueUrl: url }));
});

/** The queues holding a message now: the bus has sent to them before it answers PutEvents. */
async function queuesWithMessages(): Promise<string[]> {
  const names: string[] = [];
  for (const [name, url] of queueUrls) {
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
    if (Messages.length) names.push(name);
  }
  return names;
}

const bounce = (configurationSet: string): PutEventsRequestEntry => ({
  Source: 'aws.ses',
  DetailType: 'Email Bounced',
  Detail: JSON.stringify({
    eventType: 'Bounce',
    mail: { messageId: randomUUID(), tags: { 'ses:configuration-set': [configurationSet] } },
    bounce: { bounceType: 'Permanent', bounceSubType: 'General', bouncedRecipients: [{ emailAddress: 'zoe@example.se' }] },
  }),
});

describe('the default bus on the local stack', () => {
  it("forwards SES events of leadflow's configuration set to the leadflow bus, as the stack's rule does in AWS", async () => {
    const result = await client.send(new PutEventsCommand({ Entries: [bounce(CONFIGURATION_SET)] }));
    expect(result.FailedEntryCount).toBe(0);
    expect(await queuesWithMessages()).toEqual(['record-deliverability']);
    // Named explicitly, by name or by ARN, the default bus is the same bus.
    await client.send(new PutEventsCommand({ Entries: [{ ...bounce(CONFIGURATION_SET), EventBusName: 'arn:aws:events:us-east-1:000000000000:event-bus/default' }] }));
    expect(await queuesWithMessages()).toEqual(['record-deliverability']);
  });

  it('accepts and keeps on the default bus what no rule there forwards: another configuration set, any other source', async () => {
    const other = await client.send(
      new PutEventsCommand({ Entries: [bounce('someone-elses-set'), { Source: 'leadflow', DetailType: 'lead.qualified', Detail: JSON.stringify({ leadId: 'l-1' }) }] }),
    );
    expect(other.FailedEntryCount).toBe(0);
    expect(await queuesWithMessages()).toEqual([]);
  });

  it('routes the leadflow bus named by ARN, and refuses a bus that does not exist as an entry error', async () => {
    const result = await client.send(
      new PutEventsCommand({
        Entries: [
          { ...bounce('any-set'), EventBusName: 'arn:aws:events:us-east-1:000000000000:event-bus/leadflow' },
          { ...bounce(CONFIGURATION_SET), EventBusName: 'marketing' },
        ],
      }),
    );
    expect(result.FailedEntryCount).toBe(1);
    expect(result.Entries?.[1]).toMatchObject({ ErrorCode: 'NotFoundException', ErrorMessage: 'Event bus marketing does not exist.' });
    expect(await queuesWithMessages()).toEqual(['record-deliverability']);
  });
});

describe('the local bus given what the SDK never sends', () => {
  const putEvents = (body: string) => fetch(bus.endpoint, { method: 'POST', headers: { 'x-amz-target': 'AWSEvents.PutEvents', 'content-type': 'application/x-amz-json-1.1' }, body });

  it.each([['not JSON'], ['[]'], ['null'], ['"Entries"']])('answers a body of %s with a 400 SerializationException (it was a 500)', async (body) => {
    const response = await putEvents(body);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ __type: 'SerializationException' });
  });

  it.each([['{"Entries": "all"}'], ['{"Entries": {}}'], ['{}']])('answers Entries of %s with a 400 ValidationException', async (body) => {
    const response = await putEvents(body);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ __type: 'ValidationException' });
  });

  it('refuses each malformed entry as an entry error, puts the rest on the bus, and keeps answering (a null entry or a bad Time was a 500)', async () => {
    const good = { ...bounce(CONFIGURATION_SET), EventBusName: 'default' };
    const entries = [null, 5, [], { ...good, Source: 5 }, { ...good, Detail: { eventType: 'Bounce' } }, { ...good, Time: 'yesterday' }, { ...good, Time: true }, { ...good, Resources: [1] }, { ...good, EventBusName: 7 }, good];
    const response = await putEvents(JSON.stringify({ Entries: entries }));
    expect(response.status).toBe(200);
    const answer = (await response.json()) as { FailedEntryCount: number; Entries: { ErrorCode?: string }[] };
    expect(answer.FailedEntryCount).toBe(entries.length - 1);
    expect(answer.Entries.map((entry) => entry.ErrorCode ?? 'put')).toEqual([...entries.slice(0, -1).map(() => 'MalformedDetail'), 'put']);
    expect(await queuesWithMessages()).toEqual(['record-deliverability']);
  });
});

describe('the leadflow bus on the local stack', () => {
  it("delivers each of a call's events to every queue whose rule matches it, once, with the journal id it was recorded under", async () => {
    const journaled = new Map<string, string>();
    const recordingBus = await startEventBus({
      port: await freePort(),
      busName: 'leadflow',
      rules: manifest.functions.filter(isEventFunction).map((fn) => ({ fn, queueUrl: queueUrls.get(fn.name) ?? '' })),
      forwardedFromDefaultBus: [],
      queues: sqsService.queues,
      journal: { ...noJournal, recordEnqueued: async (messages) => messages.forEach((message) => journaled.set(message.id, `${message.queue} ${message.body}`)) },
      region: 'us-east-1',
      log: () => {},
    });
    const recordingClient = new EventBridgeClient({ endpoint: recordingBus.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
    try {
      const leadIds = Array.from({ length: 10 }, (_, index) => `lead-${index}`);
      const entries = leadIds.map((leadId) => ({ Source: EVENT_SOURCE, DetailType: DetailType.EngagementRecorded, Detail: JSON.stringify({ version: 2, correlationId: 'c', eventIds: ['e'], leadId }), EventBusName: 'leadflow' }));
      expect((await recordingClient.send(new PutEventsCommand({ Entries: entries }))).FailedEntryCount).toBe(0);
      const consumers = manifest.functions.filter((fn) => isEventFunction(fn) && consumedDetailTypes(fn).includes(DetailType.EngagementRecorded)).map((fn) => fn.name);
      expect(consumers.length).toBeGreaterThan(1);
      for (const name of consumers) {
        const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrls.get(name), MaxNumberOfMessages: 10, WaitTimeSeconds: 0, MessageAttributeNames: [JOURNAL_ID_ATTRIBUTE] }));
        expect(Messages.map((message) => (JSON.parse(message.Body ?? '{}') as { detail: { leadId: string } }).detail.leadId).sort(), name).toEqual(leadIds);
        for (const message of Messages) expect(journaled.get(message.MessageAttributes?.[JOURNAL_ID_ATTRIBUTE]?.StringValue ?? '')).toBe(`${name} ${message.Body}`);
      }
      expect(journaled.size).toBe(10 * consumers.length);
    } finally {
      recordingClient.destroy();
      await recordingBus.stop();
    }
  });
});

