import { DynamoDBDocumentClient, ScanCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { main, type CliIo } from '../../cli/leadflow';

/** The migration itself is tested on DynamoDB Local (test/adapters/layout-migration.test.ts); this is the command around it. */
const dynamo = mockClient(DynamoDBDocumentClient);
const AWS_API = 'https://abc123.execute-api.eu-west-1.amazonaws.com';

function io(env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (line: string) => out.push(line), err: (line: string) => err.push(line), env, cwd: '/nowhere', pollMs: 1 } satisfies CliIo };
}

describe('leadflow migrate events', () => {
  beforeEach(() => dynamo.reset());

  it('in AWS needs the table named, and says where to find its name', async () => {
    const run = io();
    expect(await main(['--api', AWS_API, 'migrate', 'events'], run.io)).toBe(1);
    expect(run.err.join('\n')).toMatch(/--table or \$LEADFLOW_TABLE, the stack's TableName output/);
    expect(dynamo.calls()).toHaveLength(0);
  });

  it('on a table already in the current layout writes nothing and says so', async () => {
    dynamo.on(ScanCommand).resolves({ Items: [] });
    const run = io({ LEADFLOW_TABLE: 'Leadflow-Table' });
    expect(await main(['--api', AWS_API, 'migrate', 'events'], run.io)).toBe(0);
    expect(dynamo.commandCalls(ScanCommand).map((call) => call.args[0].input.TableName)).toEqual(['Leadflow-Table', 'Leadflow-Table']);
    expect(dynamo.commandCalls(TransactWriteCommand)).toHaveLength(0);
    expect(run.out.join('\n')).toMatch(/Nothing was left to move/);
  });
});
