import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { AwsClientStub } from 'aws-sdk-client-mock';

/** How `LeadStore.getLead` reads a lead: its profile and score in one consistent query of their sort keys' range. */
const LEAD_READ = 'pk = :lead AND sk BETWEEN :profile AND :score';

/**
 * Answers `LeadStore.getLead`'s query from the test's own GetCommand fake, item by item, as the table
 * would: the handler tests keep their items behind GetCommand, and see the same two gets they saw when
 * the lead was read with them. Call it after the catch-all QueryCommand fakes of a test, which would
 * otherwise answer the lead's read too.
 */
export function answerLeadReadsFromGets(dynamo: AwsClientStub<DynamoDBDocumentClient>) {
  // A client of the mocked class: its sends go to the same fakes.
  const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
  dynamo.on(QueryCommand, { KeyConditionExpression: LEAD_READ }).callsFake(async (input: QueryCommandInput) => {
    const values = input.ExpressionAttributeValues ?? {};
    const items: Record<string, unknown>[] = [];
    for (const sk of [values[':profile'], values[':score']]) {
      const Key = { pk: values[':lead'], sk };
      const { Item } = await documents.send(new GetCommand({ TableName: input.TableName, Key, ConsistentRead: true }));
      // A table's item carries its key; a test's fake item may not.
      if (Item) items.push({ ...Item, ...Key });
    }
    return { Items: items };
  });
}
