import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { bundleFunctions } from '../../local/function-bundles';
import { lambdaContext, startFunctionRuntime, type FunctionRuntime } from '../../local/lambda';
import { scheduledTestFunction } from './fixtures/test-functions';

/**
 * Concurrent invocations of a local function share its worker thread until that thread is saturated;
 * then the function gets another, as Lambda gives concurrent invocations execution environments of
 * their own. A function that only waits keeps one.
 */
const busy = scheduledTestFunction('busy-thread', 'test/local/fixtures/busy-thread.ts');

let bundles: Awaited<ReturnType<typeof bundleFunctions>>;
beforeAll(async () => {
  bundles = await bundleFunctions([busy], fileURLToPath(new URL('../..', import.meta.url)));
});
afterAll(() => bundles.release());

let runtime: FunctionRuntime | undefined;
afterEach(async () => {
  await runtime?.stop();
  runtime = undefined;
});

const start = (maxWorkersPerFunction: number) =>
  startFunctionRuntime({ bundles, environmentOf: () => ({}), log: () => {}, reports: { capacity: () => {}, metrics: () => {} }, measureCapacity: false, maxWorkersPerFunction });

/** Invokes `busy` `concurrency` at a time, each invocation as `work` says, until `stopWhen` or the deadline; the threads that ran them. */
async function threadsUsed(functions: FunctionRuntime, work: { busyMs: number; waitMs: number }, concurrency: number, stopWhen: (threads: Set<number>) => boolean, deadlineMs: number) {
  const invoke = functions.handlerOf<{ busyMs: number; waitMs: number }, { threadId: number }>(busy);
  const threads = new Set<number>();
  const deadline = Date.now() + deadlineMs;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < deadline && !stopWhen(threads)) threads.add((await invoke(work, lambdaContext(busy))).threadId);
    }),
  );
  return threads;
}

describe('the workers of a local function', () => {
  it('adds a worker when concurrent invocations keep its one thread busy, up to the limit', async () => {
    runtime = start(2);
    const threads = await threadsUsed(runtime, { busyMs: 50, waitMs: 0 }, 4, (seen) => seen.size >= 2, 60_000);
    expect(threads.size).toBe(2);
  });

  it('keeps one worker for invocations that leave its thread idle', async () => {
    runtime = start(2);
    // Loaded first: four invocations waiting on a cold start would not tell how the loaded worker copes.
    await runtime.handlerOf(busy)({ busyMs: 0, waitMs: 0 }, lambdaContext(busy));
    const threads = await threadsUsed(runtime, { busyMs: 0, waitMs: 50 }, 4, () => false, 2_000);
    expect(threads.size).toBe(1);
  });
});
