import { parentPort, workerData } from 'node:worker_threads';
import type { Context } from 'aws-lambda';
import { grantScope } from '../src/adapters/table-grant-check';
import { reportConsumedCapacity } from './capacity-reporting';
import { thrownError, type FunctionWorkerData, type Invocation, type InvocationOutcome, type WorkerMessage } from './lambda';

/**
 * One function's runtime, in its own worker thread (see `startFunctionRuntime`): it imports the
 * handler module once, as Lambda's init phase does, then answers each invocation the parent sends.
 * An invocation sent while the module loads waits for it, as the first one waits for a cold start.
 */
const { entryUrl, scope } = workerData as FunctionWorkerData;
const port = parentPort;
if (!port) throw new Error('local/function-worker.ts runs as a worker thread only');

// Before the handler module creates its clients: every table call it makes reports its capacity.
reportConsumedCapacity((capacity) => port.postMessage({ capacity } satisfies WorkerMessage));

type Handler = (event: unknown, context: Context) => Promise<unknown>;
const { handler } = (await import(entryUrl)) as { handler?: unknown };
if (typeof handler !== 'function') throw new Error(`${entryUrl} has no exported handler`);
const invokeHandler = handler as Handler;
port.postMessage({ loaded: true } satisfies WorkerMessage);

port.on('message', async (invocation: Invocation) => {
  // Invocations sent during the cold start wait for it; their time starts now.
  const deadline = Date.now() + invocation.remainingTimeInMillis;
  const context: Context = {
    ...invocation.context,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
  let outcome: InvocationOutcome;
  try {
    outcome = { id: invocation.id, result: await grantScope.run(scope, () => invokeHandler(invocation.event, context)) };
  } catch (error) {
    outcome = { id: invocation.id, error: thrownError(error) };
  }
  try {
    port.postMessage(outcome);
  } catch (error) {
    port.postMessage({ id: invocation.id, error: thrownError(error) } satisfies InvocationOutcome);
  }
});
