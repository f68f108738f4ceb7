import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { waitForExit } from '../../local/processes';
import { freePort, startDynamoDb, type RunningDynamoDb } from '../../local/services';
import { createTable } from '../../local/stack';

/** SQLite's file header, bytes 18 and 19: the write and read format versions, 2 in write-ahead-log mode, 1 in rollback-journal mode. */
const journalFormat = (dataDir: string) => [...readFileSync(join(dataDir, 'shared-local-instance.db')).subarray(18, 20)];

/** The SQLite libraries mapped into a process: two copies in one process corrupt each other's state. */
const sqliteLibrariesOf = (pid: number) =>
  new Set(
    readFileSync(`/proc/${pid}/maps`, 'utf8')
      .split('\n')
      .map((line) => line.split(/\s+/).slice(5).join(' '))
      .filter((file) => file.includes('sqlite')),
  );

const clientOf = (dynamoDb: RunningDynamoDb) =>
  new DynamoDBClient({ endpoint: dynamoDb.endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });

describe("DynamoDB Local's data folder", () => {
  const started: RunningDynamoDb[] = [];
  const folders: string[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((dynamoDb) => dynamoDb.stop()));
    for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
  });

  const start = async (dataDir: string) => {
    const dynamoDb = await startDynamoDb({ port: await freePort(), dataDir, reset: false, log: () => {} });
    started.push(dynamoDb);
    return dynamoDb;
  };

  it('keeps its table in write-ahead-log mode, and a write answered survives a kill -9 of DynamoDB Local', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'leadflow-dynamodb-wal-'));
    folders.push(dataDir);
    const first = await start(dataDir);
    expect(journalFormat(dataDir)).toEqual([2, 2]);
    const client = clientOf(first);
    await createTable(client, 'leadflow');
    await client.send(new PutItemCommand({ TableName: 'leadflow', Item: { pk: { S: 'LEAD#1' }, sk: { S: 'PROFILE' }, email: { S: 'ada@example.com' } } }));
    client.destroy();

    process.kill(first.pid, 'SIGKILL');
    expect(await waitForExit(first.pid, 10_000)).toBe(true);

    const second = await start(dataDir);
    const reader = clientOf(second);
    const { Item } = await reader.send(new GetItemCommand({ TableName: 'leadflow', Key: { pk: { S: 'LEAD#1' }, sk: { S: 'PROFILE' } }, ConsistentRead: true }));
    reader.destroy();
    expect(Item?.email).toEqual({ S: 'ada@example.com' });
    expect(journalFormat(dataDir)).toEqual([2, 2]);
  });

  // Setting the mode through sqlite4java before DynamoDB Local loaded its own SQLite put a second copy
  // in the process, and about one start in fifteen then died in native code (SIGSEGV in sqlite3_exec).
  it.runIf(process.platform === 'linux')('runs on one copy of SQLite, the one DynamoDB Local ships', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'leadflow-dynamodb-wal-'));
    folders.push(dataDir);
    const dynamoDb = await start(dataDir);
    const client = clientOf(dynamoDb);
    await createTable(client, 'leadflow');
    client.destroy();
    expect(journalFormat(dataDir)).toEqual([2, 2]);
    expect([...sqliteLibrariesOf(dynamoDb.pid)]).toEqual([expect.stringMatching(/sqlite-[^/]*-libsqlite4java\.so$/)]);
  });
});
