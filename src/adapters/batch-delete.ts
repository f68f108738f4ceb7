import { BatchWriteCommand, type BatchWriteCommandOutput, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** Deletes items by key, 25 per request, retrying what DynamoDB leaves unprocessed with backoff. */
export async function batchDelete(client: DynamoDBDocumentClient, tableName: string, itemKeys: readonly Record<string, unknown>[]): Promise<void> {
  for (let index = 0; index < itemKeys.length; index += 25) {
    let pending = itemKeys.slice(index, index + 25).map((Key) => ({ DeleteRequest: { Key } }));
    for (let attempt = 0; pending.length; attempt += 1) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 25 * 2 ** attempt)));
      const result: BatchWriteCommandOutput = await client.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
      pending = (result.UnprocessedItems?.[tableName] ?? []) as typeof pending;
    }
  }
}
