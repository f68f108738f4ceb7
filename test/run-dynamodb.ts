import { randomUUID } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunningDynamoDb } from '../local/services';
import type { LocalStackOptions } from '../local/stack';

/** Where a worker asks for the run's DynamoDB Local: set by the global set-up, inherited by the workers. */
export const RUN_DYNAMODB_VARIABLE = 'LEADFLOW_TEST_DYNAMODB';

/** Where the run's DynamoDB Local listens, and its process. */
export interface RunDynamoDb {
  readonly endpoint: string;
  readonly pid: number;
}

/** Starts tried when the free port found was taken before DynamoDB Local listened on it. */
const START_ATTEMPTS = 3;

async function startOnFreePort(): Promise<RunningDynamoDb> {
  // Imported at the first request: the stand-ins' modules would add most of a second to every run's set-up.
  const { freePort, isAddressInUse, startDynamoDb } = await import('../local/services');
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startDynamoDb({ port: await freePort(), reset: true, log: () => {} });
    } catch (error) {
      if (!isAddressInUse(error) || attempt === START_ATTEMPTS) throw error;
    }
  }
}

const answer = (response: ServerResponse, status: number, body: unknown) => response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

/**
 * One DynamoDB Local (in memory) for the whole `vitest run`, for the stacks and adapter files that do
 * not need one of their own, each in a table of its own. A Java start and its first calls in cold code
 * cost some 3-4 s of CPU, and the suite started about 25 (docs/performance.md, "One DynamoDB Local for
 * the test run"). The global set-up serves it on a loopback port and starts it at the first worker's
 * request, so a run of files that use none starts none; it lives as long as the run's main process.
 */
export async function serveRunDynamoDb(): Promise<{ stop(): Promise<void> }> {
  let starting: Promise<RunningDynamoDb> | undefined;
  const server = createServer((_request, response) => {
    starting ??= startOnFreePort();
    starting.then(
      (running) => answer(response, 200, { endpoint: running.endpoint, pid: running.pid } satisfies RunDynamoDb),
      (error: unknown) => answer(response, 500, { error: error instanceof Error ? error.message : String(error) }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.env[RUN_DYNAMODB_VARIABLE] = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    stop: async () => {
      delete process.env[RUN_DYNAMODB_VARIABLE];
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await starting?.then((running) => running.stop(), () => {});
    },
  };
}

/** The run's DynamoDB Local, started by this call if no worker asked before; undefined outside a vitest run (`npm run fuzz`), whose stacks start their own. */
export async function runDynamoDb(): Promise<RunDynamoDb | undefined> {
  const url = process.env[RUN_DYNAMODB_VARIABLE];
  if (!url) return undefined;
  const response = await fetch(url, { method: 'POST' });
  const body = (await response.json()) as RunDynamoDb | { error: string };
  if ('error' in body) throw new Error(`the test run's DynamoDB Local did not start: ${body.error}`);
  return body;
}

/** `options` for a stack on the run's DynamoDB Local, in a table of its own; as given outside a vitest run. */
export async function onRunDynamoDb(options: LocalStackOptions): Promise<LocalStackOptions> {
  const dynamoDb = await runDynamoDb();
  return dynamoDb ? { ...options, dynamoDb, settings: { ...options.settings, tableName: `leadflow-${randomUUID().slice(0, 8)}` } } : options;
}
