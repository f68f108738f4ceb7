import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** The most writes DynamoDB takes in one BatchWriteItem. */
const PER_REQUEST = 25;

/**
 * Puts `items` straight into the table, as the bench (and a test that needs many leads) loads its data:
 * the API would take hours for 100,000 leads. 25 items a request, `concurrency` requests at a time,
 * each request's unprocessed items sent again until none is left.
 */
export async function putItems(documents: DynamoDBDocumentClient, tableName: string, items: readonly Record<string, unknown>[], concurrency = 1): Promise<void> {
  const requests: Record<string, unknown>[][] = [];
  for (let index = 0; index < items.length; index += PER_REQUEST) requests.push(items.slice(index, index + PER_REQUEST));
  const write = async (chunk: readonly Record<string, unknown>[]) => {
    let pending = chunk.map((Item) => ({ PutRequest: { Item } }));
    while (pending.length) {
      const result = await documents.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
      pending = (result.UnprocessedItems?.[tableName] ?? []) as typeof pending;
    }
  };
  for (let index = 0; index < requests.length; index += concurrency) await Promise.all(requests.slice(index, index + concurrency).map(write));
}
