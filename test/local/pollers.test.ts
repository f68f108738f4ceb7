import type { SQSEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startPoller } from '../../local/pollers';
import { noJournal } from '../../local/queue-journal';
import { freePort, type RunningSqs, startSqs } from '../../local/services';
import type { EventFunctionSpec } from '../../manifest/types';

/**
 * A queue consumer loads on its queue's first message, as a Lambda starts on its first batch. What
 * the poller receives for it meanwhile must not come back as a retry when the load outlasts the
 * queue's visibility timeout (a second in the tests), and a message that fails must still come back
 * after that timeout, not after the longer one its cold start was given.
 */
const VISIBILITY_TIMEOUT_SECONDS = 1;
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
function pollers(queueUrl: string, handler: (event: SQSEvent) => Promise<void>, warm: () => boolean) {
  for (let instance = 0; instance < 2; instance += 1) {
    const poller = startPoller({ fn: consumer, queueUrl, queues: sqs.queues, journal: noJournal, handler, isWarm: warm, visibilityTimeoutSeconds: VISIBILITY_TIMEOUT_SECONDS, log: () => {} });
    stoppers.push(() => poller.stop());
  }
}

const until = async (condition: () => boolean, deadlineMs: number) => {
  const deadline = Date.now() + deadlineMs;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
};

describe('a poller whose function is still loading', () => {
  it('keeps what it received hidden while the function loads, longer than the visibility timeout: the message is handled once', async () => {
    const queueUrl = await queueWithMessage();
    let loaded = false;
    const receiveCounts: string[] = [];
    pollers(
      queueUrl,
      async (event) => {
        receiveCounts.push(...event.Records.map((record) => record.attributes.ApproximateReceiveCount));
        // The cold start: three times the queue's visibility timeout.
        await new Promise((resolve) => setTimeout(resolve, 3 * VISIBILITY_TIMEOUT_SECONDS * 1000));
        loaded = true;
      },
      () => loaded,
    );

    // A message back from a lapsed visibility timeout would have reached the other poller by then.
    await until(() => loaded, 30_000);

    expect(receiveCounts).toEqual(['1']);
  });

  it('gives a message its cold start failed the queue\'s visibility timeout again: it comes back within seconds', async () => {
    const queueUrl = await queueWithMessage();
    let loaded = false;
    const received: number[] = [];
    pollers(
      queueUrl,
      async () => {
        received.push(Date.now());
        const first = !loaded;
        loaded = true;
        if (first) throw new Error('failed in its cold start');
      },
      () => loaded,
    );

    await until(() => received.length >= 2, 20_000);

    expect(received).toHaveLength(2);
    // Back after about the queue's second, far from the 30 s a cold start's receive hides it for.
    expect((received[1] ?? Number.POSITIVE_INFINITY) - (received[0] ?? 0)).toBeLessThan(15_000);
  });
});
