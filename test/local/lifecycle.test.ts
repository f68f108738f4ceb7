import { CreateTableCommand, DynamoDBClient, GetItemCommand, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bundledDynamoDbLocal, freePort, startDynamoDb } from '../../local/services';
import { startLocalStack } from '../../local/stack';
import { onRunDynamoDb, runDynamoDb } from '../run-dynamodb';
import type { Manifest } from '../../manifest/types';

const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

const javaProcessesOnPort = (port: string) => {
  try {
    return execFileSync('pgrep', ['-f', `DynamoDBLocal.jar.*-port ${port}`]).toString().trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
};

describe('local stack lifecycle', () => {
  it('leaves no DynamoDB Local process behind after stop(), nor a copy of its SQLite library where a kill -9 would leave it', async () => {
    const stack = await startLocalStack({ log: () => {} });
    const port = new URL(stack.endpoints.dynamodb).port;
    try {
      expect(javaProcessesOnPort(port)).toHaveLength(1);
      // Linux names every file a process has mapped; the library must be the release's own.
      const sqliteMapped = new Set(
        readFileSync(`/proc/${stack.dynamodbPid}/maps`, 'utf8')
          .split('\n')
          .map((line) => line.split(/\s+/).slice(5).join(' '))
          .filter((file) => file.includes('sqlite4java')),
      );
      expect([...sqliteMapped].map((file) => dirname(file))).toEqual([bundledDynamoDbLocal().libraries]);
    } finally {
      await stack.stop();
    }
    expect(javaProcessesOnPort(port)).toEqual([]);
  });

  it('refuses to start with an event pattern operator the local bus does not implement, naming the function', async () => {
    const manifest: Manifest = {
      service: 'test',
      http: { throttleRatePerSecond: 1, throttleBurst: 1, maxBodyBytes: 1024, perClient: { ratePerSecond: 1, burst: 1 } },
      functions: [
        {
          name: 'regex-consumer',
          description: 'test',
          entry: 'functions/score-lead/handler.ts',
          trigger: { kind: 'event', pattern: { detail: { url: [{ regex: '.*' }] } }, batchSize: 1, maxBatchingWindowSeconds: 0, maxReceiveCount: 1, oldestMessageAlarmMinutes: 5 },
          timeoutSeconds: 1,
          memoryMb: 128,
          access: [],
        },
      ],
    };
    await expect(startLocalStack({ manifest, log: () => {} })).rejects.toThrow(/regex-consumer.*unsupported operator "regex"/);
  });

  it('fails at once, stopping what it started, when a port it must listen on is taken', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const taken = (holder.address() as AddressInfo).port;
    const dynamodb = await freePort();
    try {
      const started = Date.now();
      await expect(startLocalStack({ ports: { dynamodb, secrets: taken }, log: () => {} })).rejects.toMatchObject({ code: 'EADDRINUSE' });
      expect(Date.now() - started).toBeLessThan(60_000);
      expect(javaProcessesOnPort(String(dynamodb))).toEqual([]);
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });

  it("uses a DynamoDB Local it is given, in a table of its own that it deletes at stop, and leaves that server running", async () => {
    const given = await runDynamoDb();
    if (!given) throw new Error('run through vitest: test/global-setup.ts starts the run\'s DynamoDB Local');
    const client = new DynamoDBClient({ endpoint: given.endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    const tables = async () => (await client.send(new ListTablesCommand({}))).TableNames ?? [];
    try {
      const stack = await startLocalStack(await onRunDynamoDb({ log: () => {} }));
      try {
        expect(stack.endpoints.dynamodb).toBe(given.endpoint);
        expect(stack.dynamodbPid).toBe(given.pid);
        expect(stack.settings.tableName).not.toBe('leadflow');
        expect(await tables()).toContain(stack.settings.tableName);
        // The functions write to that table: a form's lead is there.
        const email = `given-${process.pid}@example.com`;
        const posted = await fetch(`${stack.apiUrl}/v1/forms/contact/submissions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email }) });
        expect(posted.status).toBe(202);
        const { leadId } = (await posted.json()) as { leadId: string };
        const { Item } = await client.send(new GetItemCommand({ TableName: stack.settings.tableName, Key: { pk: { S: `EMAIL#${email}` }, sk: { S: 'EMAIL' } }, ConsistentRead: true }));
        expect(Item?.leadId?.S).toBe(leadId);
      } finally {
        await stack.stop();
      }
      expect(await tables()).not.toContain(stack.settings.tableName);
      expect(javaProcessesOnPort(new URL(given.endpoint).port)).toEqual([String(given.pid)]);
    } finally {
      client.destroy();
    }
  });

  it('tells a machine without Java how to get one, before it makes its data folder', () => {
    const dataDir = join(tmpdir(), `leadflow-no-java-${process.pid}`);
    const noJava = mkdtempSync(join(tmpdir(), 'leadflow-path-'));
    try {
      const start = `const { startDynamoDb } = await import('./local/services.ts');
        await startDynamoDb({ port: 1, dataDir: ${JSON.stringify(dataDir)}, reset: false, log: () => {} }).then(() => process.exit(0), (error) => { console.log(error.message); process.exit(3); });`;
      // `java` is looked up on PATH, as a new user's shell would; node is named by its own path.
      const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '--eval', start], { cwd: PROJECT_ROOT, env: { ...process.env, PATH: noJava }, encoding: 'utf8', timeout: 60_000 });
      expect(run.stdout.trim()).toBe('DynamoDB Local needs a Java 17+ runtime and `java` was not found. Install one, e.g. `apt-get install openjdk-17-jre-headless`, then run again.');
      expect(run.status).toBe(3);
      expect(existsSync(dataDir)).toBe(false);
    } finally {
      rmSync(noJava, { recursive: true, force: true });
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses a given DynamoDB Local together with a data folder or a port of its own', async () => {
    await expect(startLocalStack({ dynamoDb: { endpoint: 'http://127.0.0.1:1', pid: 1 }, dataDir: '/tmp/unused', log: () => {} })).rejects.toThrow(/dynamoDb.*dataDir and ports.dynamodb/);
    await expect(startLocalStack({ dynamoDb: { endpoint: 'http://127.0.0.1:1', pid: 1 }, ports: { dynamodb: 8000 }, log: () => {} })).rejects.toThrow(/dynamoDb.*dataDir and ports.dynamodb/);
  });
});

describe('a reset of the data folder (npm start -- --reset)', () => {
  it('starts with an empty table, and deletes what a reset killed mid-delete left beside the folder', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'leadflow-reset-'));
    const dataDir = join(parent, 'data');
    const tablesOf = async (endpoint: string) => {
      const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
      try {
        return (await client.send(new ListTablesCommand({}))).TableNames;
      } finally {
        client.destroy();
      }
    };
    try {
      const before = await startDynamoDb({ port: await freePort(), dataDir, reset: false, log: () => {} });
      const client = new DynamoDBClient({ endpoint: before.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
      await client.send(new CreateTableCommand({ TableName: 'kept', KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST' }));
      client.destroy();
      await before.stop();
      // What a reset killed mid-delete leaves: the old folder under its reset name, its process gone.
      const ended = spawnSync(process.execPath, ['-e', '']).pid;
      mkdirSync(join(parent, `data.reset-${ended}`));
      writeFileSync(join(parent, `data.reset-${ended}`, 'queue-journal.jsonl'), '{}\n');

      const after = await startDynamoDb({ port: await freePort(), dataDir, reset: true, log: () => {} });
      try {
        expect(await tablesOf(after.endpoint)).toEqual([]);
        expect(readdirSync(parent)).toEqual(['data']);
      } finally {
        await after.stop();
      }
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });
});
