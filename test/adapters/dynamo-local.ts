import { DeleteTableCommand, DynamoDBClient, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { chargedCapacity } from '../../local/capacity-reporting';
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

/** The `kind` units each later call of this client consumed, at AWS's charges as the bench counts them, one entry a call. */
export function measuredUnits(documents: DynamoDBDocumentClient, kind: 'read' | 'write'): number[] {
  const units: number[] = [];
  documents.middlewareStack.remove('measureUnits');
  documents.middlewareStack.add(
    (next, context) => async (args) => {
      (args.input as Record<string, unknown>).ReturnConsumedCapacity = 'INDEXES';
      const result = await next(args);
      const entries = chargedCapacity(context.commandName ?? '', args.input, result.output as { ConsumedCapacity?: unknown });
      units.push(entries.reduce((sum, entry) => sum + (kind === 'read' ? entry.readUnits : entry.writeUnits), 0));
      return result;
    },
    { step: 'initialize', name: 'measureUnits' },
  );
  return units;
}
