import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { onRunDynamoDb } from '../run-dynamodb';
import { fixtureManifest, httpFunction } from './fixture-manifest';

/**
 * A sweep run every second locally rests while its last run found nothing due and no other function
 * has run (local/schedules.ts): an idle `npm start` stops reading the due-time index every second,
 * and a request, which may have written something due, wakes it at the next second.
 */
const manifest = fixtureManifest([
  {
    name: 'resting-sweep',
    description: 'test',
    entry: 'test/local/fixtures/resting-sweep.ts',
    trigger: { kind: 'schedule', expression: 'rate(1 minute)', localEverySeconds: 1, localRestsWhileNothingDue: true },
    timeoutSeconds: 10,
    memoryMb: 256,
    access: [],
  },
  httpFunction('answers', 'test/local/fixtures/report-environment.ts', '/v1/answer', { access: [] }),
]);

let stack: LocalStack;
let sweeps = 0;

/** Waits until the sweep has run `count` times, failing after `withinMs`. */
const sweepsReach = async (count: number, withinMs: number) => {
  const deadline = Date.now() + withinMs;
  while (sweeps < count) {
    expect(Date.now(), `sweep runs: ${sweeps}, waited for ${count}`).toBeLessThan(deadline);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

beforeAll(async () => {
  stack = await startLocalStack(await onRunDynamoDb({ manifest, log: () => {} }));
  stack.measurements.onMetrics((functionName) => {
    if (functionName === 'resting-sweep') sweeps += 1;
  });
  // The first run waits for the fixture's bundle and cold start, which a busy machine makes slow.
  await sweepsReach(1, 90_000);
});

afterAll(async () => {
  await stack?.stop();
});

describe('a local sweep resting while nothing is due', () => {
  it('runs once on an idle stack, and again at the next second after any other function ran', async () => {
    // Absence can only be shown over a stretch of time: three of its seconds pass without a run.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(sweeps).toBe(1);
    expect((await fetch(`${stack.apiUrl}/v1/answer`)).status).toBe(200);
    await sweepsReach(2, 20_000);
  });
});
