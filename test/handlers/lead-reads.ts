import { GetCommand, QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { AwsClientStub } from 'aws-sdk-client-mock';

/**
 * LeadStore.getLead reads a lead's profile and score in one query of their neighbouring sort keys.
 * Tests that stub the two items as gets (by key, or one answer for every get) keep doing so: this
 * answers that query with the client's own GetCommand behaviour for the two keys. Install it after
 * every `dynamo.reset()`; it takes precedence over a test's general QueryCommand behaviour.
 */
export function answerLeadQueriesWithGets(dynamo: AwsClientStub<DynamoDBDocumentClient>): void {
  dynamo.on(QueryCommand, { KeyConditionExpression: 'pk = :lead AND sk BETWEEN :profile AND :score' }).callsFake(async (input: QueryCommandInput, getClient) => {
    const values = input.ExpressionAttributeValues ?? {};
    const pk = String(values[':lead']);
    const items: Record<string, unknown>[] = [];
    for (const sk of [String(values[':profile']), String(values[':score'])]) {
      const { Item } = await getClient().send(new GetCommand({ TableName: input.TableName, Key: { pk, sk }, ConsistentRead: true }));
      if (Item) items.push({ ...Item, pk, sk });
    }
    return { Items: items };
  });
}
