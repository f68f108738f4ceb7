import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import * as keys from '../../src/adapters/keys';
import { DynamoSendRate } from '../../src/adapters/send-rate';
import { dynamoDbLocal, TABLE_NAME } from './dynamo-local';

let table: Awaited<ReturnType<typeof dynamoDbLocal>>;
beforeAll(async () => {
  table = await dynamoDbLocal();
});

describe('shared send rate on DynamoDB Local', () => {
  it('lets concurrent senders start at most the rate in any second, and grants every call', async () => {
    const perSecond = 40;
    const senders = [0, 1, 2].map(() => new DynamoSendRate(table.documents, TABLE_NAME, perSecond));
    const started = Date.now();
    await Promise.all(senders.flatMap((sender) => Array.from({ length: 50 }, () => sender.acquire())));
    const { Items = [] } = await table.documents.send(
      new QueryCommand({ TableName: TABLE_NAME, KeyConditionExpression: 'pk = :pk AND sk >= :from', ExpressionAttributeValues: { ':pk': 'SEND_RATE', ':from': String(Math.floor(started / 1000)) }, ConsistentRead: true }),
    );
    const perWindow = Items.map((item) => Number(item.calls));
    expect(perWindow.reduce((sum, calls) => sum + calls, 0)).toBe(150);
    expect(Math.max(...perWindow)).toBeLessThanOrEqual(perSecond);
  });

  it('is told how many places a full window holds when it refuses a write', async () => {
    const key = keys.sendRateWindow(1);
    const take = (asking: number) =>
      table.documents.send(
        new UpdateCommand({ TableName: TABLE_NAME, Key: key, UpdateExpression: 'ADD calls :asking', ConditionExpression: 'attribute_not_exists(calls) OR calls < :max', ExpressionAttributeValues: { ':asking': asking, ':max': 10 - asking + 1 }, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' }),
      );
    await take(7);
    await expect(take(5)).rejects.toMatchObject({ name: 'ConditionalCheckFailedException', Item: { calls: { N: '7' } } });
  });
});
