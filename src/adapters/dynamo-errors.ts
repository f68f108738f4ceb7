import type { CancellationReason, TransactionCanceledException } from '@aws-sdk/client-dynamodb';

export const isConditionFailure = (error: unknown) =>
  error instanceof Error && error.name === 'ConditionalCheckFailedException';

/** A cancelled transaction's reason for each of its items, by position; undefined for other errors. */
export function cancellationReasons(error: unknown): readonly CancellationReason[] | undefined {
  if (!(error instanceof Error) || error.name !== 'TransactionCanceledException') return undefined;
  return (error as TransactionCanceledException).CancellationReasons ?? [];
}

/** Which items of a cancelled transaction failed their condition, by position; undefined for other errors. */
export function failedConditions(error: unknown): boolean[] | undefined {
  return cancellationReasons(error)?.map((reason) => reason.Code === 'ConditionalCheckFailed');
}

/**
 * Runs a conditional write and names its outcome: `written` when it succeeded, `refused` when its
 * condition failed (the expected way for "only once" and "only if unchanged" writes); other errors throw.
 */
export async function conditionally<W, R>(write: Promise<unknown>, written: W, refused: R): Promise<W | R> {
  try {
    await write;
    return written;
  } catch (error) {
    if (isConditionFailure(error)) return refused;
    throw error;
  }
}

/**
 * A write refused because its update expression sets a path inside a map the item does not have.
 * DynamoDB answers a single write, and a transaction as a whole, with a ValidationException; a
 * cancelled transaction may name it as an item's ValidationError instead.
 */
export function isInvalidDocumentPath(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const mentionsPath = (message: string | undefined) => /document path provided in the update expression is invalid/i.test(message ?? '');
  if (error.name === 'ValidationException') return mentionsPath(error.message);
  return (cancellationReasons(error) ?? []).some((reason) => reason.Code === 'ValidationError' && mentionsPath(reason.Message));
}

/** A transaction cancelled because another transaction was writing one of its items at the same time. */
export function isTransactionConflict(error: unknown): boolean {
  return (cancellationReasons(error) ?? []).some((reason) => reason.Code === 'TransactionConflict');
}
