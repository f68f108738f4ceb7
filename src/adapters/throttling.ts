import { cancellationReasons } from './dynamo-errors';

/**
 * The error names AWS services refuse a request for rate or capacity with: DynamoDB's, SES's (its
 * sending rate), and the ThrottlingException or TooManyRequestsException of EventBridge, Secrets
 * Manager, Scheduler and Cognito.
 */
const THROTTLING_ERRORS = new Set(['ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded', 'TooManyRequestsException', 'Throttling']);
/** The reasons a DynamoDB transaction gives for an item it was refused capacity for. */
const THROTTLING_REASONS = new Set(['ThrottlingError', 'ProvisionedThroughputExceeded', 'RequestLimitExceeded']);

/**
 * The service refused the request for rate or capacity (after the SDK's own retries), so nothing of it
 * happened: wait and try again.
 */
export const isThrottling = (error: unknown): boolean => throttlingRefusal(error) !== undefined;

/**
 * The name of the refusal when an error is a service refusing for rate or capacity, else undefined. A
 * wrapped refusal counts too, a few causes deep: Powertools Parameters throws a GetParameterError
 * whose `cause` is Secrets Manager's ThrottlingException.
 */
export function throttlingRefusal(error: unknown): string | undefined {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 4; cause = cause.cause, depth += 1) {
    if (THROTTLING_ERRORS.has(cause.name)) return cause.name;
    if ((cancellationReasons(cause) ?? []).some((reason) => THROTTLING_REASONS.has(reason.Code ?? ''))) return cause.name;
  }
  return undefined;
}
