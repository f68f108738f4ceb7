import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { InitializeMiddleware, MiddlewareStack } from '@smithy/types';

/**
 * Adds `middleware` to every DynamoDB client of this thread (a function's worker), whoever creates it,
 * at the initialize step: the handlers' code is not changed, and in Lambda none of this runs. Both
 * client classes are covered: a document client shares its middleware stack with the client it wraps,
 * so each stack gets the middleware once, on its first call. `priority: 'high'` puts it outside the
 * others of the step.
 */
export function addToEveryTableClient<Input extends object, Output extends object>(middleware: InitializeMiddleware<Input, Output>, options: { name: string; priority?: 'high' }): void {
  const added = new WeakSet<object>();
  for (const prototype of [DynamoDBClient.prototype, DynamoDBDocumentClient.prototype] as { send: (...args: unknown[]) => unknown }[]) {
    const send = prototype.send;
    prototype.send = function sendThroughMiddleware(this: { middlewareStack: MiddlewareStack<Input, Output> }, ...args: unknown[]) {
      if (!added.has(this.middlewareStack)) {
        this.middlewareStack.add(middleware, { step: 'initialize', ...options });
        added.add(this.middlewareStack);
      }
      return send.apply(this, args);
    };
  }
}
