import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { DynamoSendRate } from '../../src/adapters/send-rate';

/** A table that applies the rate window's conditional ADD as DynamoDB would. */
function rateTable() {
  const calls = new Map<string, number>();
  const dynamo = mockClient(DynamoDBDocumentClient);
  dynamo.on(UpdateCommand).callsFake((input: { Key: { sk: string }; ExpressionAttributeValues: { ':max': number } }) => {
    const used = calls.get(input.Key.sk) ?? 0;
    if (used >= input.ExpressionAttributeValues[':max']) throw Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' });
    calls.set(input.Key.sk, used + 1);
    return {};
  });
  return { calls, client: dynamo as unknown as DynamoDBDocumentClient };
}

describe('shared send rate', () => {
  it('lets at most the configured number of calls start in any second, whoever asks, and waits for the next second', async () => {
    const { calls, client } = rateTable();
    let clock = Date.parse('2026-11-24T10:00:00.250Z');
    const waits: number[] = [];
    const sleep = async (ms: number) => {
      waits.push(ms);
      clock += ms;
    };
    // Three senders share one table; their calls interleave.
    const senders = [0, 1, 2].map(() => new DynamoSendRate(client, 'table', 5, () => clock, sleep));
    for (let call = 0; call < 12; call += 1) await senders[call % 3]?.acquire();
    expect([...calls.values()]).toEqual([5, 5, 2]);
    expect([...calls.keys()].map(Number)).toEqual([1_795_514_400, 1_795_514_401, 1_795_514_402]);
    expect(waits.every((ms) => ms > 0 && ms <= 1_050)).toBe(true);
  });

  it('fails loudly on anything but a full second (the caller retries the record)', async () => {
    const dynamo = mockClient(DynamoDBDocumentClient);
    dynamo.on(UpdateCommand).rejects(Object.assign(new Error('Throughput exceeded'), { name: 'ProvisionedThroughputExceededException' }));
    await expect(new DynamoSendRate(dynamo as unknown as DynamoDBDocumentClient, 'table', 5).acquire()).rejects.toThrow('Throughput exceeded');
  });
});
