import { parentPort, workerData } from 'node:worker_threads';
import type { Context } from 'aws-lambda';
import { reportConsumedCapacity } from './capacity-reporting';
import type { CapacityReport } from './consumed-capacity';
import { thrownError, type FunctionWorkerData, type Invocation, type InvocationOutcome, type WorkerMessage } from './lambda';
import { takeTableTurns } from './table-call-priority';
import { holdTableCallsToGrants } from './table-grant-check';

/**
 * One function's runtime, in its own worker thread (see `startFunctionRuntime`): it imports the
 * handler module once, as Lambda's init phase does, then answers each invocation the parent sends.
 * An invocation sent while the module loads waits for it, as the first one waits for a cold start.
 */
const { entryUrl, scope, measureCapacity, turns } = workerData as FunctionWorkerData;

// The AWS SDK warns once per thread that this Node is older than its next releases support: the
// main thread has said so already, and a copy from every function's worker would bury the banner.
// Other warnings pass.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  if (String(warning).startsWith('NodeVersionSupportWarning')) return;
  (emitWarning as (...args: unknown[]) => void)(warning, ...rest);
}) as typeof process.emitWarning;
const port = parentPort;
if (!port) throw new Error('local/function-worker.ts runs as a worker thread only');

// Before the handler module creates its clients: every table call it makes reports its capacity. The
// reports of CAPACITY_GATHERING_MS cross to the stack in one message (a message per call took 5% of a
// busy function's thread), sent before any invocation's outcome so its calls are counted by the time it answers.
const CAPACITY_GATHERING_MS = 25;
let unsent: CapacityReport[] = [];
const sendCapacity = () => {
  if (unsent.length === 0) return;
  port.postMessage({ capacity: unsent } satisfies WorkerMessage);
  unsent = [];
};
if (measureCapacity) {
  reportConsumedCapacity((capacity) => {
    if (unsent.length === 0) setTimeout(sendCapacity, CAPACITY_GATHERING_MS);
    unsent.push(capacity);
  });
}
// The thread runs this one function: its grants hold for every table call it makes, with no
// per-invocation context to carry (AsyncLocalStorage's promise hooks cost every await of the function).
holdTableCallsToGrants(scope);
// The functions users wait on go first at DynamoDB Local (local/table-call-priority.ts says why).
takeTableTurns(turns);

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
    outcome = { id: invocation.id, result: await invokeHandler(invocation.event, context) };
  } catch (error) {
    outcome = { id: invocation.id, error: thrownError(error) };
  }
  sendCapacity();
  try {
    port.postMessage(outcome);
  } catch (error) {
    port.postMessage({ id: invocation.id, error: thrownError(error) } satisfies InvocationOutcome);
  }
});
