import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { isInvalidDocumentPath } from '../../src/adapters/dynamo-errors';

const PATH_REFUSED = 'The document path provided in the update expression is invalid for update';
const named = (name: string, message: string) => Object.assign(new Error(message), { name });
const cancelled = (reasons: { Code: string; Message?: string }[]) =>
  new TransactionCanceledException({ message: 'Transaction cancelled', $metadata: {}, CancellationReasons: reasons });

describe('isInvalidDocumentPath', () => {
  it('knows a write refused for a path inside a missing map, however DynamoDB words the refusal', () => {
    // As DynamoDB Local answers a single write and a whole transaction.
    expect(isInvalidDocumentPath(named('ValidationException', PATH_REFUSED))).toBe(true);
    // As a cancelled transaction may name it, item by item.
    expect(isInvalidDocumentPath(cancelled([{ Code: 'None' }, { Code: 'ValidationError', Message: PATH_REFUSED }]))).toBe(true);
  });

  it('leaves every other refusal to its own handling', () => {
    expect(isInvalidDocumentPath(named('ValidationException', 'Item size has exceeded the maximum allowed size'))).toBe(false);
    expect(isInvalidDocumentPath(named('ConditionalCheckFailedException', 'The conditional request failed'))).toBe(false);
    expect(isInvalidDocumentPath(cancelled([{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }]))).toBe(false);
    expect(isInvalidDocumentPath(cancelled([{ Code: 'ValidationError', Message: 'Item size has exceeded the maximum allowed size' }]))).toBe(false);
    expect(isInvalidDocumentPath('ValidationException')).toBe(false);
  });
});
