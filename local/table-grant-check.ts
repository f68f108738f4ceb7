import type { HandlerExecutionContext, InitializeHandler, InitializeHandlerArguments, InitializeMiddleware } from '@smithy/types';
import { tableDesign, type IndexName } from '../manifest/table';
import { allows, type TableOperation } from '../manifest/table-grants';
import type { TableAccess } from '../manifest/types';
import { addToEveryTableClient } from './every-table-client';

/** The function a worker thread runs, and its table access. */
export interface GrantScope {
  readonly functionName: string;
  readonly table?: TableAccess;
}

/** What IAM would answer AccessDenied to: the operation and partition the function's grants do not cover. */
export class TableAccessDenied extends Error {
  override readonly name = 'AccessDeniedException';
}

type Item = Record<string, unknown>;
/** One item an operation reaches: what it does there, and the partition (of the table or an index). */
interface Reach {
  readonly operation: TableOperation;
  readonly partition: string;
  readonly index?: IndexName;
}

/** A key attribute as given to the document client (a string) or to the low-level client (`{ S }`). */
const stringOf = (value: unknown): string => {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && 'S' in value && typeof value.S === 'string') return value.S;
  return String(value);
};
const partitionOf = (key: unknown) => stringOf((key as Item | undefined)?.[tableDesign.partitionKey]);
const onTable = (operation: TableOperation) => (key: unknown): Reach => ({ operation, partition: partitionOf(key) });

/** The partition a Query names: the value its key condition gives the table's or the index's partition key. */
function queried(input: Item): Reach {
  const index = input.IndexName as IndexName | undefined;
  const keyName = index ? tableDesign.indexes.find((candidate) => candidate.name === index)?.partitionKey : tableDesign.partitionKey;
  const names = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
  const values = (input.ExpressionAttributeValues ?? {}) as Item;
  for (const [, name, placeholder] of String(input.KeyConditionExpression ?? '').matchAll(/(#?[A-Za-z0-9_]+)\s*=\s*(:[A-Za-z0-9_]+)/g)) {
    if ((names[name ?? ''] ?? name) === keyName) return { operation: 'read', partition: stringOf(values[placeholder ?? '']), ...(index ? { index } : {}) };
  }
  throw new TableAccessDenied(`a Query whose key condition names no ${keyName ?? 'known'} partition`);
}

/** Every item a table request reaches, by command (document-client and low-level names alike). */
function reaches(command: string, input: Item): Reach[] {
  const requests = (input.RequestItems ?? {}) as Record<string, unknown>;
  switch (command.replace(/Command$/, '').replace(/Item$|Items$/, '')) {
    case 'Get':
      return [onTable('read')(input.Key)];
    case 'Put':
      return [onTable('write')(input.Item)];
    case 'Update':
      return [onTable('write')(input.Key)];
    case 'Delete':
      return [onTable('delete')(input.Key)];
    case 'Query':
      return [queried(input)];
    case 'BatchGet':
      return Object.values(requests).flatMap((request) => ((request as { Keys?: unknown[] }).Keys ?? []).map(onTable('read')));
    case 'BatchWrite':
      return Object.values(requests).flatMap((writes) =>
        (writes as { PutRequest?: { Item: unknown }; DeleteRequest?: { Key: unknown } }[]).map((write) => onTable('batchWrite')(write.PutRequest?.Item ?? write.DeleteRequest?.Key)),
      );
    case 'TransactWrite':
      return ((input.TransactItems ?? []) as Item[]).map((item) => {
        const action = item as { Put?: { Item: unknown }; Update?: { Key: unknown }; Delete?: { Key: unknown }; ConditionCheck?: { Key: unknown } };
        if (action.Put) return onTable('write')(action.Put.Item);
        if (action.Update) return onTable('write')(action.Update.Key);
        if (action.Delete) return onTable('delete')(action.Delete.Key);
        return onTable('read')(action.ConditionCheck?.Key);
      });
    case 'TransactGet':
      return ((input.TransactItems ?? []) as { Get?: { Key: unknown } }[]).map((item) => onTable('read')(item.Get?.Key));
    default:
      throw new TableAccessDenied(`${command}: no function is granted it`);
  }
}

/** Why the scope's grants refuse this request, or undefined when they cover every item it reaches. */
export function refusalOf(scope: GrantScope, command: string, input: Item): string | undefined {
  try {
    const refused = reaches(command, input).find((reach) => !allows(scope.table, reach.operation, reach.partition, reach.index));
    if (!refused) return undefined;
    return `${command} may not ${refused.operation} partition ${refused.partition}${refused.index ? ` of ${refused.index}` : ''}`;
  } catch (error) {
    if (error instanceof TableAccessDenied) return error.message;
    throw error;
  }
}

/** The DynamoDB client middleware that refuses what the scope's grants do not cover, as IAM would. */
export function tableGrantCheck<Input extends object, Output extends object>(scope: GrantScope): InitializeMiddleware<Input, Output> {
  return (next: InitializeHandler<Input, Output>, context: HandlerExecutionContext) => async (args: InitializeHandlerArguments<Input>) => {
    const refusal = refusalOf(scope, context.commandName ?? 'unknown', args.input as Item);
    if (refusal) throw new TableAccessDenied(`${scope.functionName} is not granted this by the manifest: ${refusal}`);
    return next(args);
  };
}

/**
 * Local mode runs every function in one process with no IAM: this holds every DynamoDB client of this
 * thread (a function's worker, which runs that one function) to the function's manifest grants, so the
 * handlers' code carries no check and Lambda runs none (IAM decides there).
 */
export function holdTableCallsToGrants(scope: GrantScope): void {
  addToEveryTableClient(tableGrantCheck<object, object>(scope), { name: 'leadflowLocalTableGrantCheck' });
}
