import { DeleteTableCommand, DynamoDBClient, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { chargedCapacity } from '../../local/capacity-reporting';
import type { CapacityEntry } from '../../local/consumed-capacity';
import { createTable } from '../../local/stack';
import { runDynamoDb } from '../run-dynamodb';

/** This worker's table on the run's DynamoDB Local: named by the process, as two workers' adapter files run side by side and each worker's one after another. */
export const TABLE_NAME = `adapters-${process.pid}`;

/** Kept on the process, not the module: the `shared-stack` project runs many adapter files in one worker. */
const CLIENT = Symbol.for('leadflow.test.dynamoDbLocalClient');
interface ClientHolder {
  [CLIENT]?: Promise<DynamoDBClient>;
}

/** A client of the run's DynamoDB Local (test/run-dynamodb.ts), made by the first adapter file of this worker that asks. */
function workerClient(): Promise<DynamoDBClient> {
  const holder = globalThis as ClientHolder;
  const made = holder[CLIENT];
  if (made) return made;
  const making = (async () => {
    const dynamoDb = await runDynamoDb();
    if (!dynamoDb) throw new Error(`the adapter tests use the test run's DynamoDB Local, which test/global-setup.ts starts: run them with vitest`);
    return new DynamoDBClient({ endpoint: dynamoDb.endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  })();
  holder[CLIENT] = making;
  making.catch(() => delete holder[CLIENT]);
  return making;
}

/** This worker's table, empty, in the run's in-memory DynamoDB Local: adapters are tested against the real conditions. */
export async function dynamoDbLocal() {
  const client = await workerClient();
  try {
    await client.send(new DeleteTableCommand({ TableName: TABLE_NAME }));
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  await createTable(client, TABLE_NAME);
  const documents = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false } });
  // Nothing to stop after the file: the worker's next file empties the table, and DynamoDB Local ends with the run.
  return { documents };
}

/** A call of a measured client: its command, and what it consumed per table and index at AWS's charges as the bench counts them. */
export interface MeasuredCall {
  readonly command: string;
  readonly entries: readonly CapacityEntry[];
}

/**
 * Each later call of this client, filled in as it answers. The worker's tests share one client, so the
 * previous measure gives way to this one.
 */
export function measuredCalls(documents: DynamoDBDocumentClient): MeasuredCall[] {
  const calls: MeasuredCall[] = [];
  documents.middlewareStack.remove('measureCapacity');
  documents.middlewareStack.add(
    (next, context) => async (args) => {
      (args.input as Record<string, unknown>).ReturnConsumedCapacity = 'INDEXES';
      const result = await next(args);
      const command = context.commandName ?? '';
      calls.push({ command, entries: chargedCapacity(command, args.input, result.output as { ConsumedCapacity?: unknown }) });
      return result;
    },
    { step: 'initialize', name: 'measureCapacity' },
  );
  return calls;
}

/** The read or write units of these entries, over every table and index, or only `target` (`table` or `table/index`). */
export function unitsOf(entries: readonly CapacityEntry[], kind: 'readUnits' | 'writeUnits', target?: string): number {
  return entries.filter((entry) => target === undefined || entry.target === target).reduce((sum, entry) => sum + entry[kind], 0);
}
