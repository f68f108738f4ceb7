import { ChangeMessageVisibilityCommand, GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { SQSRecord } from 'aws-lambda';
import { claimStaleSeconds, heldClaimFirstWaitSeconds } from '../config';
import { describeError } from '../domain/errors';

/** What postponing needs of a record: where it came from, its receipt and receive count (its body, raw or parsed, plays no part). */
export type ReceivedRecord = Pick<SQSRecord, 'attributes' | 'eventSourceARN' | 'receiptHandle'>;

/**
 * Backoff on top of SQS redelivery: a failed record's visibility timeout is set from its receive
 * count, so it comes back later each time instead of after the queue's fixed timeout. The queue's
 * URL is looked up once per cold start from the record's source ARN.
 */
export class RedeliveryBackoff {
  private readonly queueUrls = new Map<string, Promise<string>>();

  constructor(
    private readonly client: SQSClient,
    private readonly delaySeconds: (receiveCount: number) => number,
  ) {}

  /** Hides the record for the delay its receive count calls for; returns the delay in seconds. */
  async postpone(record: ReceivedRecord): Promise<number> {
    const receiveCount = Number(record.attributes.ApproximateReceiveCount) || 1;
    const seconds = this.delaySeconds(receiveCount);
    await this.client.send(new ChangeMessageVisibilityCommand({ QueueUrl: await this.queueUrl(record.eventSourceARN), ReceiptHandle: record.receiptHandle, VisibilityTimeout: seconds }));
    return seconds;
  }

  private queueUrl(queueArn: string): Promise<string> {
    let url = this.queueUrls.get(queueArn);
    if (!url) {
      // arn:aws:sqs:<region>:<account>:<queue name>
      const [, , , , account, name] = queueArn.split(':');
      url = this.client.send(new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: account })).then(({ QueueUrl }) => {
        if (!QueueUrl) throw new Error(`No URL for queue ${queueArn}`);
        return QueueUrl;
      });
      url.catch(() => this.queueUrls.delete(queueArn));
      this.queueUrls.set(queueArn, url);
    }
    return url;
  }
}

/**
 * How long a record that found its claim held waits before its next receive: short at first (the
 * holder is usually a concurrent duplicate that finishes within seconds), doubling up to the claim's
 * stale time, so that within four retries (by default 12 + 24 + 48 + 96 s) a claim a crash left behind
 * has gone stale and is taken over, instead of the record spending its receives and landing in the DLQ.
 */
export const untilClaimStale = (staleSeconds: number, firstWaitSeconds: number) => (receiveCount: number) =>
  Math.min(staleSeconds, firstWaitSeconds * 2 ** (Math.max(receiveCount, 1) - 1));

/**
 * For a consumer whose work is claimed before it is done (an alert, a confirmation, a webhook
 * delivery, a follow-up step): when a claim counts as stale, and the retry of a record that found its
 * claim held, which waits as `untilClaimStale` says so that a claim a crash left is taken over.
 */
export class HeldClaimRetry {
  /** A claim older than this belongs to an invocation that is gone and may be taken over. */
  readonly staleMs: number;
  private readonly backoff: RedeliveryBackoff;

  constructor(client: SQSClient, functionTimeoutSeconds: number) {
    const staleSeconds = claimStaleSeconds(functionTimeoutSeconds);
    this.staleMs = staleSeconds * 1000;
    this.backoff = new RedeliveryBackoff(client, untilClaimStale(staleSeconds, heldClaimFirstWaitSeconds()));
  }

  /** Postpones the record's next receive; if that fails, the queue's own visibility timeout applies, and the log says so. */
  async postpone(record: ReceivedRecord, logger: Logger, context: Readonly<Record<string, unknown>>): Promise<void> {
    try {
      await this.backoff.postpone(record);
    } catch (error) {
      logger.warn('Could not postpone the retry of work another invocation holds', { ...context, error: describeError(error) });
    }
  }
}

