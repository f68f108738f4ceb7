import type { HandlerExecutionContext, InitializeHandler, InitializeHandlerArguments, InitializeMiddleware } from '@smithy/types';
import { tableDesign } from '../manifest/table';
import { addToEveryTableClient } from './every-table-client';
import { atAwsCharges, CAPACITY_OPERATIONS, capacityEntries, type CapacityEntry, type CapacityReport } from './consumed-capacity';

type Input = { ReturnConsumedCapacity?: string };
type Output = { ConsumedCapacity?: unknown };

/** Each index's partition key, by index name: a transaction's put writes an index entry if it carries it. */
const INDEX_KEYS: Readonly<Record<string, string>> = Object.fromEntries(tableDesign.indexes.map((index) => [index.name, index.partitionKey]));

/**
 * What a call of `commandName` consumed per table and index, from its answer's `ConsumedCapacity`, at
 * AWS's charges where DynamoDB Local reports less (`atAwsCharges`); none for an operation that reports none.
 */
export function chargedCapacity(commandName: string, input: unknown, output: Output): CapacityEntry[] {
  const kind = CAPACITY_OPERATIONS[commandName];
  if (!kind) return [];
  return atAwsCharges(commandName, input, output, capacityEntries(kind, output.ConsumedCapacity), INDEX_KEYS);
}

/**
 * Asks DynamoDB for the capacity of every call that can report it (ReturnConsumedCapacity INDEXES)
 * and hands what it reports to `report`. The caller's answer is left as it would be without this:
 * a ConsumedCapacity it did not ask for is taken out again.
 */
function consumedCapacityMiddleware(report: (report: CapacityReport) => void): InitializeMiddleware<Input, Output> {
  return (next: InitializeHandler<Input, Output>, context: HandlerExecutionContext) => async (args: InitializeHandlerArguments<Input>) => {
    const commandName = context.commandName ?? '';
    if (!CAPACITY_OPERATIONS[commandName]) return next(args);
    const asked = args.input.ReturnConsumedCapacity;
    const askedNone = asked === undefined || asked === 'NONE';
    const started = performance.now();
    const milliseconds = () => performance.now() - started;
    try {
      const result = await next(askedNone ? { ...args, input: { ...args.input, ReturnConsumedCapacity: 'INDEXES' } } : args);
      report({ kind: 'consumed', entries: chargedCapacity(commandName, args.input, result.output), milliseconds: milliseconds() });
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

/** Makes every DynamoDB client of this thread (a function's worker) report its calls' consumed capacity. */
export function reportConsumedCapacity(report: (report: CapacityReport) => void): void {
  addToEveryTableClient(consumedCapacityMiddleware(report), { name: 'leadflowLocalConsumedCapacity' });
}
