import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import type { Context } from 'aws-lambda';
import { grantScope } from '../src/adapters/table-grant-check';
import type { FunctionSpec } from '../manifest/types';

/** A Lambda-like context for a local invocation. */
export function lambdaContext(fn: FunctionSpec): Context {
  const deadline = Date.now() + fn.timeoutSeconds * 1000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: `leadflow-${fn.name}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:leadflow-${fn.name}`,
    memoryLimitInMB: String(fn.memoryMb),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/leadflow-${fn.name}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export type Invoke<E, R> = (event: E, context: Context) => Promise<R>;

/**
 * Imports a manifest function's handler the way Lambda would: its module's `handler` export. Each
 * invocation runs in the function's grant scope, so its table calls are held to its manifest grants
 * as its IAM role holds them in AWS.
 */
export async function loadHandler<E, R>(fn: FunctionSpec, root: string): Promise<Invoke<E, R>> {
  const module = (await import(pathToFileURL(resolve(root, fn.entry)).href)) as { handler?: Invoke<E, R> };
  const { handler } = module;
  if (typeof handler !== 'function') throw new Error(`${fn.entry} has no exported handler`);
  const scope = { functionName: fn.name, ...(fn.table ? { table: fn.table } : {}) };
  return (event, context) => grantScope.run(scope, () => handler(event, context));
}
