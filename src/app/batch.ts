import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { describeError } from '../adapters/event-publisher';

/**
 * Wraps an SQS record handler so each failure is logged with the message id and receive count (never
 * the body, which may hold personal data) before the batch processor reports it for retry.
 */
const logFailures =
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

/**
 * Handles each record of an SQS batch and answers which failed (a partial batch response), logging
 * each failure. The processor is made per invocation: Powertools' BatchProcessor keeps the batch's
 * failures on itself, so one shared by overlapping invocations (the local runtime's pollers share a
 * module) would answer a batch with another's failures, or none, and lose records.
 */
export const processSqsBatch = (event: SQSEvent, context: Context, logger: Logger, handle: (record: SQSRecord) => Promise<void>) =>
  processPartialResponse(event, logFailures(logger, handle), new BatchProcessor(EventType.SQS), { context, throwOnFullBatchFailure: false });

/** Attempts of a read-compute-conditional-write loop before its record is left to SQS redelivery. */
export const OPTIMISTIC_ATTEMPTS = 6;

/** Full-jitter backoff between optimistic-lock attempts, so consumers that collided do not collide again. */
export const pauseBeforeRetry = (attempt: number) => new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * 2 ** attempt));
