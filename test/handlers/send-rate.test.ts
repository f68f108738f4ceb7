import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { DynamoSendRate } from '../../src/adapters/send-rate';

/** A table that applies the rate window's conditional ADD as DynamoDB would. */
function rateTable() {
  const calls = new Map<string, number>();
  const dynamo = mockClient(DynamoDBDocumentClient);
  let writes = 0;
  dynamo.on(UpdateCommand).callsFake((input: { Key: { sk: string }; ExpressionAttributeValues: { ':max': number; ':asking': number } }) => {
    writes += 1;
    const used = calls.get(input.Key.sk) ?? 0;
    // As DynamoDB answers a refusal with ReturnValuesOnConditionCheckFailure: the item as it was, unmarshalled by nobody.
    if (used >= input.ExpressionAttributeValues[':max']) throw Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException', Item: { calls: { N: String(used) } } });
    calls.set(input.Key.sk, used + input.ExpressionAttributeValues[':asking']);
    return {};
  });
  return { calls, client: dynamo as unknown as DynamoDBDocumentClient, writes: () => writes };
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

  it('gives the calls of one sender waiting at once their places in one write, never more a second than the rate', async () => {
    const { calls, client, writes } = rateTable();
    let clock = Date.parse('2026-11-24T10:00:00.250Z');
    const sleep = async (ms: number) => {
      clock += ms;
    };
    const sender = new DynamoSendRate(client, 'table', 100, () => clock, sleep);
    await Promise.all(Array.from({ length: 40 }, () => sender.acquire()));
    expect([...calls.values()]).toEqual([40]);
    expect(writes()).toBe(1);
    // 70 more in the same second: the refusal says 60 places are left, which one write takes; the other 10 go in the next second.
    await Promise.all(Array.from({ length: 70 }, () => sender.acquire()));
    expect([...calls.values()]).toEqual([100, 10]);
    expect(writes()).toBe(5);
  });

  it('fails every waiting call when the table fails (the callers retry their records)', async () => {
    const dynamo = mockClient(DynamoDBDocumentClient);
    dynamo.on(UpdateCommand).rejects(Object.assign(new Error('Throughput exceeded'), { name: 'ProvisionedThroughputExceededException' }));
    const sender = new DynamoSendRate(dynamo as unknown as DynamoDBDocumentClient, 'table', 5);
    const outcomes = await Promise.allSettled([sender.acquire(), sender.acquire(), sender.acquire()]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected', 'rejected']);
    // A failure is not remembered: the next call asks the table again.
    dynamo.reset();
    dynamo.on(UpdateCommand).resolves({});
    await expect(sender.acquire()).resolves.toBeUndefined();
  });

  it('fails loudly on anything but a full second (the caller retries the record)', async () => {
    const dynamo = mockClient(DynamoDBDocumentClient);
    dynamo.on(UpdateCommand).rejects(Object.assign(new Error('Throughput exceeded'), { name: 'ProvisionedThroughputExceededException' }));
    await expect(new DynamoSendRate(dynamo as unknown as DynamoDBDocumentClient, 'table', 5).acquire()).rejects.toThrow('Throughput exceeded');
  });
});
