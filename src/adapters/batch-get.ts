import { BatchGetCommand, type BatchGetCommandOutput, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** Reads items by key, read consistently, a hundred per request, retrying unprocessed keys with backoff; missing items are left out. */
export async function batchGet(client: DynamoDBDocumentClient, tableName: string, itemKeys: readonly Record<string, unknown>[]): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for (let index = 0; index < itemKeys.length; index += 100) {
    let pending: Record<string, unknown>[] | undefined = itemKeys.slice(index, index + 100);
    for (let attempt = 0; pending?.length; attempt += 1) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 25 * 2 ** attempt)));
      const result: BatchGetCommandOutput = await client.send(new BatchGetCommand({ RequestItems: { [tableName]: { Keys: pending, ConsistentRead: true } } }));
      items.push(...(result.Responses?.[tableName] ?? []));
      pending = result.UnprocessedKeys?.[tableName]?.Keys;
    }
  }
  return items;
}
