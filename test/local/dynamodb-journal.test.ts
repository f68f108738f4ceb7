import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { freePort, startDynamoDb, WRITE_AHEAD_LOG, type RunningDynamoDb } from '../../local/services';
import { createTable } from '../../local/stack';

const TABLE = 'leadflow';
/** DynamoDB Local's database with -sharedDb, and the write-ahead log SQLite keeps beside it. */
const DATABASE = 'shared-local-instance.db';
/** Items of 2 KB, each of which puts a few 4 KB pages in the log: a log of tens of MB if nothing checkpoints it. */
const WRITES = 1_000;
const WRITERS = 8;
/** The log's size past which the launcher checkpoints it (16 MiB), and a little slack. */
const LOG_BOUND_BYTES = 16.5 * 1024 * 1024;
const LOG_DEADLINE_MS = 20_000;

const logSize = (dataDir: string) => statSync(join(dataDir, `${DATABASE}-wal`)).size;
const item = (index: number) => ({ pk: `LEAD#${index}`, sk: 'PROFILE', index, notes: 'n'.repeat(2_048) });

const documentsOf = (dynamoDb: RunningDynamoDb) => {
  const client = new DynamoDBClient({ endpoint: dynamoDb.endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  return { client, documents: DynamoDBDocumentClient.from(client) };
};

/** Ends DynamoDB Local's Java process as a crash would: no checkpoint of the log, no clean close. */
async function killHard(dynamoDb: RunningDynamoDb): Promise<void> {
  process.kill(dynamoDb.pid, 'SIGKILL');
  await dynamoDb.stop();
}

describe("DynamoDB Local's database", () => {
  it('is in write-ahead-log mode in a data folder, its log checkpointed once past 16 MiB, and a write it answered survives a kill -9 of its process', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'leadflow-journal-'));
    const logged: string[] = [];
    const log = (line: string) => logged.push(line);
    let dynamoDb = await startDynamoDb({ port: await freePort(), dataDir, reset: false, log });
    try {
      expect(dynamoDb.journal).toBe(WRITE_AHEAD_LOG);
      const before = documentsOf(dynamoDb);
      await createTable(before.client, TABLE);
      await Promise.all(
        Array.from({ length: WRITERS }, async (_, writer) => {
          for (let index = writer; index < WRITES; index += WRITERS) await before.documents.send(new PutCommand({ TableName: TABLE, Item: item(index) }));
        }),
      );
      // A checkpoint has the next write start the log again, which empties its file.
      let extra = WRITES;
      const deadline = Date.now() + LOG_DEADLINE_MS;
      while (logSize(dataDir) > LOG_BOUND_BYTES && Date.now() < deadline) await before.documents.send(new PutCommand({ TableName: TABLE, Item: item(extra++) }));
      expect(logSize(dataDir)).toBeLessThanOrEqual(LOG_BOUND_BYTES);
      // The writes since the last checkpoint are in the log only: a kill now leaves them there.
      expect(logSize(dataDir)).toBeGreaterThan(0);
      before.client.destroy();
      await killHard(dynamoDb);

      dynamoDb = await startDynamoDb({ port: await freePort(), dataDir, reset: false, log });
      expect(dynamoDb.journal).toBe(WRITE_AHEAD_LOG);
      const after = documentsOf(dynamoDb);
      let count = 0;
      let from: Record<string, unknown> | undefined;
      do {
        const page = await after.documents.send(new ScanCommand({ TableName: TABLE, Select: 'COUNT', ExclusiveStartKey: from }));
        count += page.Count ?? 0;
        from = page.LastEvaluatedKey;
      } while (from);
      after.client.destroy();
      expect(count).toBe(extra);
      expect(logged.filter((line) => line.includes('write-ahead-log'))).toEqual([]);
    } finally {
      await dynamoDb.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
