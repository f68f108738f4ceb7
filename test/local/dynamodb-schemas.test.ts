import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  PutItemCommand,
  QueryCommand,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  type CreateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, SCHEMAS_REMEMBERED, startDynamoDb, type RunningDynamoDb } from '../../local/services';

const TABLE = 'schemas';
const INDEX = 'byEmail';
const definition: CreateTableCommandInput = {
  TableName: TABLE,
  BillingMode: 'PAY_PER_REQUEST',
  AttributeDefinitions: [
    { AttributeName: 'pk', AttributeType: 'S' },
    { AttributeName: 'sk', AttributeType: 'S' },
  ],
  KeySchema: [
    { AttributeName: 'pk', KeyType: 'HASH' },
    { AttributeName: 'sk', KeyType: 'RANGE' },
  ],
};

/** DynamoDB Local builds a new index as AWS does, in the background. */
async function untilIndexActive(client: DynamoDBClient): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: TABLE }));
    if (Table?.GlobalSecondaryIndexes?.every((index) => index.IndexStatus === 'ACTIVE')) return;
    if (Date.now() > deadline) throw new Error(`index ${INDEX} not active within 20 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const byEmail = (client: DynamoDBClient) =>
  client.send(new QueryCommand({ TableName: TABLE, IndexName: INDEX, KeyConditionExpression: 'email = :email', ExpressionAttributeValues: { ':email': { S: 'ada@example.com' } } }));

describe("DynamoDB Local's schemas, parsed once a table", () => {
  let dynamoDb: RunningDynamoDb;
  let client: DynamoDBClient;
  const logged: string[] = [];

  beforeAll(async () => {
    dynamoDb = await startDynamoDb({ port: await freePort(), reset: false, log: (line) => logged.push(line) });
    client = new DynamoDBClient({ endpoint: dynamoDb.endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  });

  afterAll(async () => {
    client?.destroy();
    await dynamoDb?.stop();
  });

  it('are remembered by the launcher, which says nothing about it', () => {
    expect(dynamoDb.schemas).toBe(SCHEMAS_REMEMBERED);
    expect(logged.filter((line) => line.includes('schema'))).toEqual([]);
  });

  // DynamoDB Local changes the schema it read before writing it back: a remembered schema shared
  // with that change would hand it to the next table whose schema has the same bytes (with the copy
  // taken out, the time to live came back ENABLED).
  it("carry no change of a deleted table's schema to a table created again with the same definition", async () => {
    await client.send(new CreateTableCommand(definition));
    await client.send(new UpdateTimeToLiveCommand({ TableName: TABLE, TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true } }));
    await client.send(
      new UpdateTableCommand({
        TableName: TABLE,
        AttributeDefinitions: [{ AttributeName: 'email', AttributeType: 'S' }],
        GlobalSecondaryIndexUpdates: [{ Create: { IndexName: INDEX, KeySchema: [{ AttributeName: 'email', KeyType: 'HASH' }], Projection: { ProjectionType: 'KEYS_ONLY' } } }],
      }),
    );
    await untilIndexActive(client);
    await client.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: 'LEAD#1' }, sk: { S: 'PROFILE' }, email: { S: 'ada@example.com' } } }));
    expect((await byEmail(client)).Count).toBe(1);
    expect((await client.send(new DescribeTimeToLiveCommand({ TableName: TABLE }))).TimeToLiveDescription?.TimeToLiveStatus).toBe('ENABLED');

    await client.send(new DeleteTableCommand({ TableName: TABLE }));
    await client.send(new CreateTableCommand(definition));

    expect((await client.send(new DescribeTimeToLiveCommand({ TableName: TABLE }))).TimeToLiveDescription?.TimeToLiveStatus).toBe('DISABLED');
    expect((await client.send(new DescribeTableCommand({ TableName: TABLE }))).Table?.GlobalSecondaryIndexes).toBeUndefined();
    await expect(byEmail(client)).rejects.toThrow(/index/i);
    // The old index's key is no key of this table: any type is taken.
    await client.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: 'LEAD#2' }, sk: { S: 'PROFILE' }, email: { N: '5' } } }));
  });
});
