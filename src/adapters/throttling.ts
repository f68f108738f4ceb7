import type { TransactionCanceledException } from '@aws-sdk/client-dynamodb';

/** The error names AWS services refuse a request for rate or capacity with: DynamoDB's, and SES's (its sending rate). */
const THROTTLING_ERRORS = new Set(['ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded', 'TooManyRequestsException', 'Throttling']);
/** The reasons a DynamoDB transaction gives for an item it was refused capacity for. */
const THROTTLING_REASONS = new Set(['ThrottlingError', 'ProvisionedThroughputExceeded', 'RequestLimitExceeded']);

/**
 * The service refused the request for rate or capacity (after the SDK's own retries), so nothing of it
 * happened: wait and try again.
 */
export function isThrottling(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (THROTTLING_ERRORS.has(error.name)) return true;
  if (error.name !== 'TransactionCanceledException') return false;
  return ((error as TransactionCanceledException).CancellationReasons ?? []).some((reason) => THROTTLING_REASONS.has(reason.Code ?? ''));
}
