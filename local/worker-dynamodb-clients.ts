import { Agent } from 'node:http';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { HandlerExecutionContext, InitializeHandler, InitializeHandlerArguments, InitializeMiddleware, MiddlewareStack } from '@smithy/types';
import { CAPACITY_OPERATIONS, capacityEntries, type CapacityReport } from './consumed-capacity';

type Input = { ReturnConsumedCapacity?: string };
type Output = { ConsumedCapacity?: unknown };

/**
 * Asks DynamoDB for the capacity of every call that can report it (ReturnConsumedCapacity INDEXES)
 * and hands what it reports to `report`. The caller's answer is left as it would be without this:
 * a ConsumedCapacity it did not ask for is taken out again.
 */
function consumedCapacityMiddleware(report: (report: CapacityReport) => void): InitializeMiddleware<Input, Output> {
  return (next: InitializeHandler<Input, Output>, context: HandlerExecutionContext) => async (args: InitializeHandlerArguments<Input>) => {
    const kind = CAPACITY_OPERATIONS[context.commandName ?? ''];
    if (!kind) return next(args);
    const asked = args.input.ReturnConsumedCapacity;
    const askedNone = asked === undefined || asked === 'NONE';
    const started = performance.now();
    const milliseconds = () => performance.now() - started;
    try {
      const result = await next(askedNone ? { ...args, input: { ...args.input, ReturnConsumedCapacity: 'INDEXES' } } : args);
      report({ kind: 'consumed', entries: capacityEntries(kind, result.output.ConsumedCapacity), milliseconds: milliseconds() });
      if (!askedNone) return result;
      const { ConsumedCapacity: _reportedToTheStack, ...output } = result.output;
      return { ...result, output };
    } catch (error) {
      // Writes DynamoDB refused after reading the item: units consumed, none reported.
      const name = (error as { name?: unknown } | undefined)?.name;
      if (name === 'ConditionalCheckFailedException' || name === 'TransactionCanceledException') report({ kind: 'failed', error: name, milliseconds: milliseconds() });
      throw error;
    }
  };
}

/** The SDK's Node handler (`@smithy/node-http-handler`): its configuration holds its agent once its first request resolved it. */
interface NodeHandler {
  httpHandlerConfigs?(): { httpAgent?: unknown };
}

/**
 * Adapts every DynamoDB client of this thread (a function's worker), whoever creates it, to the local
 * runtime, with no change to the handlers' code (in Lambda nothing of this runs):
 * - each call's consumed capacity is reported (above);
 * - the client may open a socket per concurrent call. In Lambda each concurrent invocation has its own
 *   execution environment and client, with the SDK's default of 50 sockets; here the invocations of a
 *   function share its worker and its clients, and 16 concurrent requests, each with parallel table
 *   calls, queued behind those 50 ("socket usage at capacity=50 and 200 additional requests are enqueued").
 * Both client classes are covered: a document client shares its middleware stack and its configuration
 * with the client it wraps.
 */
export function adaptDynamoDbClients(report: (report: CapacityReport) => void): void {
  const adapted = new WeakSet<object>();
  const middleware = consumedCapacityMiddleware(report);
  for (const prototype of [DynamoDBClient.prototype, DynamoDBDocumentClient.prototype] as { send: (...args: unknown[]) => unknown }[]) {
    const send = prototype.send;
    prototype.send = function sendAdapted(this: { middlewareStack: MiddlewareStack<Input, Output>; config: { requestHandler?: unknown } }, ...args: unknown[]) {
      if (!adapted.has(this.middlewareStack)) {
        this.middlewareStack.add(middleware, { step: 'initialize', name: 'leadflowLocalConsumedCapacity' });
        adapted.add(this.middlewareStack);
      }
      // The agent is made on the client's first request; from the next one on, it has no cap.
      const agent = (this.config.requestHandler as NodeHandler | undefined)?.httpHandlerConfigs?.().httpAgent;
      if (agent instanceof Agent) agent.maxSockets = Number.POSITIVE_INFINITY;
      return send.apply(this, args);
    };
  }
}
