import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../local/stack';
import { onRunDynamoDb } from '../run-dynamodb';
import { sharedStackEnvironment } from './shared-stack-environment';

/**
 * Settings every file on the shared stack can live with: failed records come back after a second, and
 * the per-client limit is raised out of the way, since every request comes from 127.0.0.1
 * (test/local/http-api.test.ts covers that limit).
 */
const sharedStackOptions: LocalStackOptions = {
  visibilityTimeoutSeconds: 1,
  perClientLimit: { ratePerSecond: 1_000, burst: 1_000 },
  log: () => {},
};

/** Kept on the process, not the module: the stack must outlive each test file's own module state. */
const STACK = Symbol.for('leadflow.test.sharedStack');
interface StackHolder {
  [STACK]?: Promise<LocalStack>;
}

/**
 * The local stack of this test worker process, started by the first file that asks for it. The
 * `shared-stack` project (vitest.config.ts) does not isolate its files, so one worker runs many of them
 * in turn and they all use this stack: files must not depend on each other's data (unique emails,
 * team ids, industries). Its table is on the run's DynamoDB Local (test/run-dynamodb.ts), which ends
 * with the run; the rest of it lives in this process and ends with the worker.
 */
export function sharedStack(): Promise<LocalStack> {
  const holder = globalThis as StackHolder;
  const running = holder[STACK];
  if (running) return running;
  Object.assign(process.env, sharedStackEnvironment);
  const starting = onRunDynamoDb(sharedStackOptions).then(startLocalStack);
  holder[STACK] = starting;
  // A start that failed stopped what it started; the next file tries again.
  starting.catch(() => delete holder[STACK]);
  return starting;
}
