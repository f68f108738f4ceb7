import type { Message } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { EventFunctionSpec } from '../manifest/types';
import type { StackQueues, VisibilityChangesByFunctions } from './in-process-sqs';
import { lambdaContext, type Invoke } from './lambda';
import { JOURNAL_ID_ATTRIBUTE, type QueueJournal } from './queue-journal';

/**
 * As Lambda's pollers do: an empty queue holds a receive up to SQS's longest wait, and a message that
 * arrives meanwhile answers it at once. A shorter wait only adds idle receives (a dozen queues, four
 * pollers each), which cost the stack's one thread and every other process on the machine.
 */
const LONG_POLL_SECONDS = 20;

/**
 * A message a poller receives stays hidden for its function's timeout, and for this much longer when
 * the function is not yet loaded: its first invocation waits for a cold start (seconds when several
 * functions start at once on a busy machine). So a message never comes back while an invocation may
 * still be working on it, as in AWS, where a queue's visibility timeout is a multiple of its function's
 * (infra/event-consumers.ts). The local queues' own timeout is far shorter (5 s, a second in the tests)
 * so that retries come quickly: a record that fails is given it from then, unless its handler postponed
 * the record itself (src/adapters/redelivery.ts), whose choice stands.
 */
const COLD_START_VISIBILITY_SECONDS = 30;

const journalIdOf = (message: Message) => message.MessageAttributes?.[JOURNAL_ID_ATTRIBUTE]?.StringValue;
const journalIds = (messages: readonly Message[]) => messages.map(journalIdOf).filter((id): id is string => id !== undefined);

const toRecord = (message: Message, queueArn: string): SQSEvent['Records'][number] => ({
  messageId: message.MessageId ?? '',
  receiptHandle: message.ReceiptHandle ?? '',
  body: message.Body ?? '',
  attributes: {
    ApproximateReceiveCount: message.Attributes?.ApproximateReceiveCount ?? '1',
    SentTimestamp: message.Attributes?.SentTimestamp ?? String(Date.now()),
    SenderId: message.Attributes?.SenderId ?? 'local',
    ApproximateFirstReceiveTimestamp: message.Attributes?.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
  },
  messageAttributes: {},
  md5OfBody: message.MD5OfBody ?? '',
  eventSource: 'aws:sqs',
  eventSourceARN: queueArn,
  awsRegion: 'us-east-1',
});

/**
 * What Lambda's SQS event source mapping does, for one function: receive up to `batchSize` messages
 * (waiting up to the batching window to fill the batch), invoke the handler with a real SQSEvent,
 * delete the records that succeeded and leave failed ones to reappear after the visibility timeout.
 * SQS itself moves a message to the DLQ after maxReceiveCount receives. The journal hears of each
 * message finished: deleted, or failed for the last time allowed (the queue moves it to the DLQ on
 * its next receive). A failed one with receives left, postponed by its handler or not, stays pending.
 */
export function startPoller(options: {
  fn: EventFunctionSpec;
  queueUrl: string;
  queues: StackQueues;
  journal: QueueJournal;
  handler: Invoke<SQSEvent, SQSBatchResponse | void>;
  /** Whether the function has loaded: its next invocation is not a cold start. */
  isWarm: () => boolean;
  /** The queue's visibility timeout, which a failed message gets back from the moment it failed. */
  visibilityTimeoutSeconds: number;
  /** Which records a function postponed itself: those keep the visibility it gave them. */
  visibilityChanges: VisibilityChangesByFunctions;
  log: (line: string) => void;
}): { stop(): Promise<void> } {
  const { fn, queueUrl, queues, journal, handler, isWarm, visibilityTimeoutSeconds, visibilityChanges, log } = options;
  const queueArn = `arn:aws:sqs:us-east-1:000000000000:${fn.name}`;
  const abort = new AbortController();
  let stopped = false;

  /** Receives a batch, hidden until its invocation has surely ended (COLD_START_VISIBILITY_SECONDS). */
  async function receiveBatch(): Promise<Message[]> {
    const batch: Message[] = [];
    const windowEnds = Date.now() + fn.trigger.maxBatchingWindowSeconds * 1000;
    do {
      const { Messages = [] } = await queues.receiveMessage(
        {
          QueueUrl: queueUrl,
          MaxNumberOfMessages: Math.min(10, fn.trigger.batchSize - batch.length),
          WaitTimeSeconds: batch.length ? 0 : LONG_POLL_SECONDS,
          VisibilityTimeout: fn.timeoutSeconds + (isWarm() ? 0 : COLD_START_VISIBILITY_SECONDS),
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: [JOURNAL_ID_ATTRIBUTE],
        },
        abort.signal,
      );
      batch.push(...Messages);
      if (Messages.length === 0 && batch.length) break;
    } while (!stopped && batch.length > 0 && batch.length < fn.trigger.batchSize && Date.now() < windowEnds);
    return batch;
  }

  async function invoke(batch: Message[]) {
    const event: SQSEvent = { Records: batch.map((message) => toRecord(message, queueArn)) };
    let failed: Set<string>;
    try {
      const result = await handler(event, lambdaContext(fn));
      const identifiers = (result?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier);
      const known = new Set(event.Records.map((record) => record.messageId));
      // As Lambda does: an unknown or empty identifier fails the whole batch.
      failed = identifiers.every((id) => id && known.has(id)) ? new Set(identifiers) : known;
    } catch (error) {
      log(`${fn.name}: invocation failed, whole batch will be retried: ${(error as Error).message}`);
      failed = new Set(event.Records.map((record) => record.messageId));
    }
    const succeeded = batch.filter((message) => !failed.has(message.MessageId ?? ''));
    if (succeeded.length) {
      const { Successful = [] } = await queues.deleteMessageBatch({
        QueueUrl: queueUrl,
        Entries: succeeded.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle ?? '' })),
      });
      journal.recordDeleted(journalIds(Successful.map((entry) => succeeded[Number(entry.Id)]).filter((message): message is Message => message !== undefined)));
    }
    const failures = batch.filter((message) => failed.has(message.MessageId ?? ''));
    const postponed = visibilityChanges.take(batch.map((message) => message.ReceiptHandle ?? ''));
    const retried = failures.filter((message) => !postponed.has(message.ReceiptHandle ?? ''));
    if (retried.length) {
      await queues.changeMessageVisibilityBatch({
        QueueUrl: queueUrl,
        Entries: retried.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle ?? '', VisibilityTimeout: visibilityTimeoutSeconds })),
      });
    }
    const lastTries = failures.filter((message) => Number(message.Attributes?.ApproximateReceiveCount ?? 1) >= fn.trigger.maxReceiveCount);
    journal.recordDeadLettered(journalIds(lastTries));
    const toRetry = failed.size - lastTries.length;
    if (toRetry) log(`${fn.name}: ${toRetry} of ${batch.length} record(s) failed; retried after the visibility timeout`);
    // What the DLQ alarm says in AWS: nothing retries these any more.
    if (lastTries.length) log(`${fn.name}: ${lastTries.length} record(s) failed their last try (receive ${fn.trigger.maxReceiveCount}) and go to its dead-letter queue: \`npm run leadflow -- dlq show ${fn.name}\` shows them, \`dlq redrive ${fn.name}\` sends them again`);
  }

  const loop = (async () => {
    while (!stopped) {
      try {
        const batch = await receiveBatch();
        if (batch.length) await invoke(batch);
      } catch (error) {
        if (stopped) break;
        log(`${fn.name}: poller error: ${(error as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  })();

  return {
    stop: async () => {
      stopped = true;
      abort.abort();
      await loop;
    },
  };
}
