import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { freePort, startDynamoDb } from '../../local/services';
import { createTable } from '../../local/stack';

export const TABLE_NAME = 'leadflow';

/** A DynamoDB Local in memory with the single table: adapters are tested against the real conditions. */
export async function dynamoDbLocal() {
  const running = await startDynamoDb({ port: await freePort(), reset: true, log: () => {} });
  const client = new DynamoDBClient({ endpoint: running.endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  await createTable(client, TABLE_NAME);
  const documents = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false } });
  return {
    documents,
    stop: async () => {
      documents.destroy();
      await running.stop();
    },
  };
}
