import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { onRunDynamoDb } from '../run-dynamodb';
import type { MetricValues } from '../../local/metric-lines';
import { defineRoute } from '../../src/http/routes';
import { fixtureManifest } from './fixture-manifest';

/**
 * The local stack counts the DynamoDB capacity every function consumes, as DynamoDB reports it, and
 * collects the metrics the functions print, with no change to the functions: `npm run bench` builds
 * its cost and latency figures on both.
 */
const manifest = fixtureManifest([
  {
    name: 'consumes-capacity',
    description: 'test',
    entry: 'test/local/fixtures/consume-capacity.ts',
    trigger: {
      kind: 'http',
      routes: [defineRoute({ operationId: 'consume', method: 'GET', path: '/v1/consume', summary: 'Makes table calls', request: {}, responses: { 200: { description: 'What the put answered.' } } })],
      audience: 'public',
    },
    timeoutSeconds: 10,
    memoryMb: 256,
    access: [],
    table: { read: ['LEAD#'], write: ['LEAD#'], query: { gsi1: ['LEADS#'] } },
  },
]);

let stack: LocalStack;
const metrics: { functionName: string; metrics: readonly MetricValues[] }[] = [];

beforeAll(async () => {
  stack = await startLocalStack(await onRunDynamoDb({ manifest, log: () => {}, measureCapacity: true }));
  stack.measurements.onMetrics((functionName, emitted) => metrics.push({ functionName, metrics: emitted }));
});

afterAll(async () => {
  await stack?.stop();
});

describe('measurements of the local stack', () => {
  it("sums the capacity each function's calls consume, per table and index, at AWS's charges where DynamoDB Local reports less, and estimates refused writes apart", async () => {
    const response = await fetch(`${stack.apiUrl}/v1/consume?id=one`);
    expect(response.status).toBe(200);
    // The function's answers are as they would be in AWS: no ConsumedCapacity it did not ask for.
    expect(await response.json()).toEqual({ putAnswered: [], refused: 'ConditionalCheckFailedException' });
    const table = stack.settings.tableName;
    const { callMilliseconds, ...counted } = stack.measurements.capacity()['consumes-capacity'] ?? { callMilliseconds: 0 };
    expect(callMilliseconds).toBeGreaterThan(0);
    expect({ 'consumes-capacity': counted }).toEqual({
      'consumes-capacity': {
        // Writes: a new 1 KB item on the table and on gsi1 (1 + 1); a transaction of three small items,
        // each charged twice on the table (6) and the two with gsi1 keys twice on gsi1 (4), where
        // DynamoDB Local reports 4 and 2. Reads: a strongly consistent get (1), an eventually consistent
        // one (0.5), queries of the table and of gsi1 that find nothing (0.5 each, reported 0), a batch
        // get of the profile and a missing item (0.5 each, the missing one reported 0).
        targets: { [table]: { readUnits: 3, writeUnits: 7 }, [`${table}/gsi1`]: { readUnits: 0.5, writeUnits: 5 } },
        calls: 8,
        failedConditionalWrites: 1,
        cancelledTransactions: 0,
        estimatedFailedWriteUnits: 1,
      },
    });
  });

  it('collects the metrics a function prints in the embedded metric format, and passes nothing of them on as output', async () => {
    const before = metrics.length;
    expect((await fetch(`${stack.apiUrl}/v1/consume?id=two`)).status).toBe(200);
    const deadline = Date.now() + 10_000;
    while (metrics.length === before) {
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(metrics.at(-1)).toEqual({
      functionName: 'consumes-capacity',
      metrics: [{ namespace: 'LeadflowTest', name: 'FixtureLatency', unit: 'Milliseconds', values: [42, 43] }],
    });
  });
});
