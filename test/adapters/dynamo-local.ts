import { DeleteTableCommand, DynamoDBClient, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { chargedCapacity } from '../../local/capacity-reporting';
import type { CapacityEntry } from '../../local/consumed-capacity';
import { freePort, startDynamoDb } from '../../local/services';
import { createTable } from '../../local/stack';

export const TABLE_NAME = 'leadflow';

/** Kept on the process, not the module: the `shared-stack` project runs many adapter files in one worker. */
const DYNAMODB = Symbol.for('leadflow.test.dynamoDbLocal');
interface DynamoDbHolder {
  [DYNAMODB]?: Promise<DynamoDBClient>;
}

/**
 * This worker's DynamoDB Local, started by the first adapter file that asks. Starting Java is most of
 * such a file's time, so the files of one worker share it; each gets the table afresh. It stops with the
 * worker: vitest ends a worker with SIGTERM, and exiting on it closes the launcher's stdin, its signal to
 * stop (the run's teardown kills one a crashed worker left).
 */
function workerDynamoDb(): Promise<DynamoDBClient> {
  const holder = globalThis as DynamoDbHolder;
  const running = holder[DYNAMODB];
  if (running) return running;
  const starting = (async () => {
    const dynamoDb = await startDynamoDb({ port: await freePort(), reset: true, log: () => {} });
    process.once('SIGTERM', () => process.exit());
    return new DynamoDBClient({ endpoint: dynamoDb.endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  })();
  holder[DYNAMODB] = starting;
  starting.catch(() => delete holder[DYNAMODB]);
  return starting;
}

/** The single table, empty, in this worker's in-memory DynamoDB Local: adapters are tested against the real conditions. */
export async function dynamoDbLocal() {
  const client = await workerDynamoDb();
  try {
    await client.send(new DeleteTableCommand({ TableName: TABLE_NAME }));
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  await createTable(client, TABLE_NAME);
  const documents = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false } });
  return {
    documents,
    /** Nothing to stop: the next file empties the table, and DynamoDB Local ends with the worker. */
    stop: async () => {},
  };
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
