import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { freePort, isAddressInUse, startDynamoDb, type RunningDynamoDb } from '../local/services';
import type { LocalStackOptions } from '../local/stack';

/**
 * The file where the run's DynamoDB Local says where it listens, or why it did not start. Set by the
 * global set-up; workers inherit it.
 */
export const RUN_DYNAMODB_VARIABLE = 'LEADFLOW_TEST_DYNAMODB';

/** Where the run's DynamoDB Local listens, and its process. */
export interface RunDynamoDb {
  readonly endpoint: string;
  readonly pid: number;
}

type Announcement = RunDynamoDb | { readonly error: string };

/** Starts tried when the free port found was taken before DynamoDB Local listened on it. */
const START_ATTEMPTS = 3;
/** As long as a DynamoDB Local of its own may take to start (local/services.ts). */
const READY_DEADLINE_MS = 90_000;

/**
 * One DynamoDB Local (in memory) for the whole `vitest run`, started by its global set-up and used by
 * the stacks and adapter files that do not need one of their own, each with a table of its own. A
 * Java start and its first calls in cold code cost some 3-4 s of CPU, and the suite started about 25
 * (docs/performance.md, "One DynamoDB Local for the test run"). Not awaited: it comes up while the
 * workers start and import their files, and says in `folder` where it listens once it does.
 */
export function startRunDynamoDb(folder: string): { stop(): Promise<void> } {
  const file = join(folder, 'run-dynamodb.json');
  process.env[RUN_DYNAMODB_VARIABLE] = file;
  const announce = (announcement: Announcement) => {
    // Renamed into place, so a worker never reads half of it.
    writeFileSync(`${file}.part`, JSON.stringify(announcement));
    renameSync(`${file}.part`, file);
  };
  const starting = (async (): Promise<RunningDynamoDb> => {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await startDynamoDb({ port: await freePort(), reset: true, log: () => {} });
      } catch (error) {
        if (!isAddressInUse(error) || attempt === START_ATTEMPTS) throw error;
      }
    }
  })();
  starting.then(
    (running) => announce({ endpoint: running.endpoint, pid: running.pid }),
    (error: unknown) => announce({ error: error instanceof Error ? error.message : String(error) }),
  );
  return {
    stop: async () => {
      delete process.env[RUN_DYNAMODB_VARIABLE];
      await starting.then((running) => running.stop(), () => {});
    },
  };
}

/** The run's DynamoDB Local once it listens; undefined outside a vitest run (`npm run fuzz`), whose stacks start their own. */
export async function runDynamoDb(): Promise<RunDynamoDb | undefined> {
  const file = process.env[RUN_DYNAMODB_VARIABLE];
  if (!file) return undefined;
  const deadline = Date.now() + READY_DEADLINE_MS;
  while (!existsSync(file)) {
    if (Date.now() > deadline) throw new Error(`the test run's DynamoDB Local did not say where it listens within ${READY_DEADLINE_MS / 1000} s (${file})`);
    await delay(100);
  }
  const announcement = JSON.parse(readFileSync(file, 'utf8')) as Announcement;
  if ('error' in announcement) throw new Error(`the test run's DynamoDB Local did not start: ${announcement.error}`);
  return announcement;
}

/** A table name of its own on the run's DynamoDB Local. */
export const ownTableName = (purpose: string) => `${purpose}-${randomUUID().slice(0, 8)}`;

/** `options` for a stack on the run's DynamoDB Local, in a table of its own; as given outside a vitest run. */
export async function onRunDynamoDb(options: LocalStackOptions): Promise<LocalStackOptions> {
  const dynamoDb = await runDynamoDb();
  return dynamoDb ? { ...options, dynamoDb, settings: { ...options.settings, tableName: ownTableName('leadflow') } } : options;
}
