import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import { JOURNAL_ID_ATTRIBUTE } from '../../local/queue-journal';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { DetailType, EVENT_SOURCE } from '../../src/domain/events';
import { scopedEventId } from '../../src/domain/idempotency';
import { eventually, queueDepth } from '../integration/helpers';

/**
 * What a consumer failed on every delivery waits in its DLQ until the cause is fixed, which takes a
 * restart of npm start: the DLQs (fauxqs keeps them in memory) are put back from the queue journal
 * at start, each message with its journal id, so a replay that succeeds is forgotten by the journal.
 */
const dataDir = mkdtempSync(join(tmpdir(), 'leadflow-dlq-restart-'));
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
let stack: LocalStack | undefined;

afterAll(async () => {
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The stack on the test's data folder, failed records back after a second, so one is dead-lettered within seconds. */
const start = async () => {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  stack = await startLocalStack({ dataDir, visibilityTimeoutSeconds: 1, log: () => {} });
  return stack;
};

const withSqs = async <T>(running: LocalStack, use: (sqs: SQSClient) => Promise<T>) => {
  const sqs = new SQSClient({ endpoint: running.endpoints.sqs, region: 'us-east-1', credentials, useQueueUrlAsEndpoint: false });
  try {
    return await use(sqs);
  } finally {
    sqs.destroy();
  }
};
const messagesIn = (running: LocalStack, queueUrl: string) =>
  withSqs(running, async (sqs) => {
    const { visible, inFlight } = await queueDepth(sqs, queueUrl);
    return visible + inFlight;
  });

describe("npm start's dead-letter queues", () => {
  it('hold what they held across a restart, with its journal id', async () => {
    const first = await start();
    const deadLetters = () => first.queues['score-lead']?.dlqUrl ?? '';
    // An engagement of a lead the table does not hold: score-lead fails it on every delivery.
    const leadId = randomUUID();
    const detail = { version: 2, correlationId: 'dlq-restart', eventIds: [scopedEventId({ email: `dlq-${leadId}@example.com` }, 'evt-1')], leadId };
    const bus = new EventBridgeClient({ endpoint: first.endpoints.eventbridge, region: 'us-east-1', credentials });
    await bus.send(new PutEventsCommand({ Entries: [{ EventBusName: first.settings.busName, Source: EVENT_SOURCE, DetailType: DetailType.EngagementRecorded, Detail: JSON.stringify(detail) }] }));
    bus.destroy();
    await eventually(async () => ((await messagesIn(first, deadLetters())) === 1 ? true : undefined), 60_000);
    await first.stop();
    stack = undefined;

    const second = await start();
    const dlqUrl = second.queues['score-lead']?.dlqUrl ?? '';
    expect(await messagesIn(second, dlqUrl)).toBe(1);
    expect(await messagesIn(second, second.queues['score-lead']?.url ?? '')).toBe(0);
    const [message] = await withSqs(second, async (sqs) => (await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl, MessageAttributeNames: ['All'], VisibilityTimeout: 0 }))).Messages ?? []);
    expect(JSON.parse(message?.Body ?? '{}')).toMatchObject({ 'detail-type': DetailType.EngagementRecorded, detail });
    expect(message?.MessageAttributes?.[JOURNAL_ID_ATTRIBUTE]?.StringValue).toMatch(/^[0-9a-f-]{36}$/);
  });
});
