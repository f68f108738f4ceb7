import type { Logger } from '@aws-lambda-powertools/logger';
import type { SQSRecord } from 'aws-lambda';
import { describeError } from './adapters/event-publisher';

/**
 * Wraps an SQS record handler so each failure is logged with the message id and receive count (never
 * the body, which may hold personal data) before the batch processor reports it for retry.
 */
export const logFailures =
  (logger: Logger, handle: (record: SQSRecord) => Promise<void>) =>
  async (record: SQSRecord): Promise<void> => {
    try {
      await handle(record);
    } catch (error) {
      logger.warn('Record failed; it is retried and, after the last receive, moved to the DLQ', {
        messageId: record.messageId,
        receiveCount: record.attributes.ApproximateReceiveCount,
        error: describeError(error),
      });
      throw error;
    }
  };

/** Attempts of a read-compute-conditional-write loop before its record is left to SQS redelivery. */
export const OPTIMISTIC_ATTEMPTS = 6;

/** Full-jitter backoff between optimistic-lock attempts, so consumers that collided do not collide again. */
export const pauseBeforeRetry = (attempt: number) => new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * 2 ** attempt));
