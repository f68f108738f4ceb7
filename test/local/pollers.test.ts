import { ChangeMessageVisibilityCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startPoller } from '../../local/pollers';
import { noJournal } from '../../local/queue-journal';
import { freePort, type RunningSqs, startSqs } from '../../local/services';
import type { EventFunctionSpec } from '../../manifest/types';

/**
 * A queue consumer loads on its queue's first message, as a Lambda starts on its first batch. What
 * the poller receives must not come back as a retry while its invocation, cold start included, is
 * still running, however long past the queue's visibility timeout (a second in the tests); a message
 * that fails must still come back after that timeout, not after the longer one it was hidden for,
 * unless its handler postponed it, as handlers do for work another invocation holds.
 */
const VISIBILITY_TIMEOUT_SECONDS = 1;
/** What the handler postpones a record by: far longer than the queue's timeout, which a reset would give it. */
const POSTPONED_SECONDS = 4;
const consumer: EventFunctionSpec = {
  name: 'cold-consumer',
  description: 'test',
  entry: 'unused.ts',
  trigger: { kind: 'event', pattern: { source: ['test'] }, batchSize: 10, maxBatchingWindowSeconds: 0, maxReceiveCount: 5, oldestMessageAlarmMinutes: 5 },
  timeoutSeconds: 30,
  memoryMb: 128,
  access: [],
};

let sqs: RunningSqs;
const stoppers: (() => Promise<void>)[] = [];
beforeAll(async () => {
  sqs = await startSqs(await freePort());
});
afterEach(async () => {
  await Promise.all(stoppers.splice(0).map((stop) => stop()));
});
afterAll(async () => {
  await sqs?.stop();
});

let queues = 0;
async function queueWithMessage(): Promise<string> {
  const { QueueUrl = '' } = await sqs.queues.createQueue({ QueueName: `cold-${(queues += 1)}`, Attributes: { VisibilityTimeout: String(VISIBILITY_TIMEOUT_SECONDS) } });
  await sqs.queues.sendMessage({ QueueUrl, MessageBody: '{"n":1}' });
  return QueueUrl;
}

/** Two pollers on the queue, as the stack runs several; the function is warm once `warm` says so. */
function pollers(queueUrl: string, handler: (event: SQSEvent) => Promise<void>, warm: () => boolean, log: (line: string) => void = () => {}, fn: EventFunctionSpec = consumer) {
  for (let instance = 0; instance < 2; instance += 1) {
    const poller = startPoller({
      fn,
      queueUrl,
      queues: sqs.queues,
      journal: noJournal,
      handler,
      isWarm: warm,
      visibilityTimeoutSeconds: VISIBILITY_TIMEOUT_SECONDS,
      visibilityChanges: sqs.visibilityChanges,
      log,
    });
    stoppers.push(() => poller.stop());
  }
}

const until = async (condition: () => boolean, deadlineMs: number) => {
  const deadline = Date.now() + deadlineMs;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
};

describe('a poller', () => {
  it.each([
    { during: 'the cold start', warmFromStart: false },
    { during: 'a long invocation', warmFromStart: true },
  ])('keeps what it received hidden during $during, longer than the visibility timeout: the message is handled once', async ({ warmFromStart }) => {
    const queueUrl = await queueWithMessage();
    let finished = false;
    const receiveCounts: string[] = [];
    pollers(
      queueUrl,
      async (event) => {
        receiveCounts.push(...event.Records.map((record) => record.attributes.ApproximateReceiveCount));
        // Three times the queue's visibility timeout.
        await new Promise((resolve) => setTimeout(resolve, 3 * VISIBILITY_TIMEOUT_SECONDS * 1000));
        finished = true;
      },
      () => warmFromStart || finished,
    );

    // A message back from a lapsed visibility timeout would have reached the other poller by then.
    await until(() => finished, 30_000);

    expect(receiveCounts).toEqual(['1']);
  });

  it.each([
    { failed: 'in its cold start', warmFromStart: false },
    { failed: 'in a loaded function', warmFromStart: true },
  ])("gives a message that failed $failed the queue's visibility timeout again: it comes back within seconds", async ({ warmFromStart }) => {
    const queueUrl = await queueWithMessage();
    let invoked = false;
    const received: number[] = [];
    pollers(
      queueUrl,
      async () => {
        received.push(Date.now());
        const first = !invoked;
        invoked = true;
        if (first) throw new Error('failed');
      },
      () => warmFromStart || invoked,
    );

    await until(() => received.length >= 2, 20_000);

    expect(received).toHaveLength(2);
    // Back after about the queue's second, far from the function's 30 s timeout (60 s in a cold start) its receive hid it for.
    expect((received[1] ?? Number.POSITIVE_INFINITY) - (received[0] ?? 0)).toBeLessThan(15_000);
  });

  it("leaves a record its handler postponed hidden as long as the handler asked, not the queue's second", async () => {
    const queueUrl = await queueWithMessage();
    const functionsSqs = new SQSClient({ endpoint: sqs.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    const received: number[] = [];
    pollers(
      queueUrl,
      async (event) => {
        received.push(Date.now());
        if (received.length > 1) return;
        // As src/adapters/redelivery.ts does for work another invocation holds, over HTTP as functions call SQS.
        const [record] = event.Records;
        await functionsSqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: record?.receiptHandle, VisibilityTimeout: POSTPONED_SECONDS }));
        throw new Error('held by another invocation');
      },
      () => true,
    );

    await until(() => received.length >= 2, 30_000);
    functionsSqs.destroy();

    expect(received).toHaveLength(2);
    expect((received[1] ?? 0) - (received[0] ?? 0)).toBeGreaterThanOrEqual((POSTPONED_SECONDS - 0.5) * 1000);
  });

  it('says which records failed their last try and went to the dead-letter queue, and how to see and replay them', async () => {
    const queueUrl = await queueWithMessage();
    const lines: string[] = [];
    pollers(
      queueUrl,
      async () => {
        throw new Error('fails every time');
      },
      () => true,
      (line) => lines.push(line),
      { ...consumer, trigger: { ...consumer.trigger, maxReceiveCount: 2 } },
    );

    await until(() => lines.some((line) => line.includes('last try')), 20_000);

    expect(lines.filter((line) => !line.includes('invocation failed'))).toEqual([
      'cold-consumer: 1 of 1 record(s) failed; retried after the visibility timeout',
      'cold-consumer: 1 record(s) failed their last try (receive 2) and go to its dead-letter queue: `npm run leadflow -- dlq show cold-consumer` shows them, `dlq redrive cold-consumer` sends them again',
    ]);
  });
});
