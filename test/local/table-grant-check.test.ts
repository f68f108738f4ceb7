import { describe, expect, it } from 'vitest';
import { refusalOf, tableGrantCheck, TableAccessDenied, type GrantScope } from '../../local/table-grant-check';
import { manifest } from '../../manifest/manifest';

const scopeOf = (name: string): GrantScope => {
  const spec = manifest.functions.find((candidate) => candidate.name === name);
  if (!spec) throw new Error(`no function ${name}`);
  return { functionName: name, ...(spec.table ? { table: spec.table } : {}) };
};

describe('the local table grant check', () => {
  it('lets a function reach the kinds its manifest entry grants, by document-client or low-level command name', () => {
    const capture = scopeOf('capture-form');
    expect(refusalOf(capture, 'GetCommand', { Key: { pk: 'EMAIL#a@b.c', sk: 'EMAIL' } })).toBeUndefined();
    expect(refusalOf(capture, 'GetItemCommand', { Key: { pk: { S: 'LEAD#1' }, sk: { S: 'PROFILE' } } })).toBeUndefined();
    expect(refusalOf(capture, 'TransactWriteItemsCommand', { TransactItems: [{ Put: { Item: { pk: 'EMAIL#a@b.c' } } }, { Put: { Item: { pk: 'LEAD#1' } } }, { Put: { Item: { pk: 'ANON#v' } } }] })).toBeUndefined();
  });

  it('refuses a public function a delete, a scan, another kind, or one forbidden item inside a transaction', () => {
    const capture = scopeOf('capture-form');
    expect(refusalOf(capture, 'DeleteItemCommand', { Key: { pk: 'LEAD#1', sk: 'PROFILE' } })).toMatch(/may not delete partition LEAD#1/);
    expect(refusalOf(capture, 'ScanCommand', {})).toMatch(/Scan/);
    expect(refusalOf(capture, 'GetItemCommand', { Key: { pk: 'WEBHOOK#w', sk: 'ENDPOINT' } })).toMatch(/WEBHOOK#w/);
    expect(refusalOf(capture, 'TransactWriteItemsCommand', { TransactItems: [{ Put: { Item: { pk: 'LEAD#1' } } }, { Update: { Key: { pk: 'RULESET' } } }] })).toMatch(/may not write partition RULESET$/);
  });

  it("holds a Query to the index partitions granted, reading the partition from the key condition", () => {
    const reports = scopeOf('handoff-reports');
    const month = { IndexName: 'gsi1', KeyConditionExpression: 'gsi1pk = :month', ExpressionAttributeValues: { ':month': 'TRANSITIONS#2026-11' } };
    expect(refusalOf(reports, 'QueryCommand', month)).toBeUndefined();
    expect(refusalOf(reports, 'QueryCommand', { ...month, ExpressionAttributeValues: { ':month': 'LEADS#0' } })).toMatch(/LEADS#0 of gsi1/);
    expect(refusalOf(reports, 'QueryCommand', { KeyConditionExpression: '#pk = :pk', ExpressionAttributeNames: { '#pk': 'pk' }, ExpressionAttributeValues: { ':pk': 'TRANSITIONS#2026-11' } })).toMatch(/may not read/);
  });

  it('checks every key of a batch', () => {
    const rights = scopeOf('lead-data-rights');
    const batch = (pks: string[]) => ({ RequestItems: { table: pks.map((pk) => ({ DeleteRequest: { Key: { pk, sk: 'x' } } })) } });
    expect(refusalOf(rights, 'BatchWriteItemCommand', batch(['LEAD#1', 'ANON#v', 'ORDER#o']))).toBeUndefined();
    expect(refusalOf(rights, 'BatchWriteItemCommand', batch(['LEAD#1', 'WEBHOOK#w']))).toMatch(/WEBHOOK#w/);
  });

  it('fails a call its grants do not cover as AccessDenied, naming the function, and passes one they cover', async () => {
    const reached: string[] = [];
    const call = (commandName: string, input: object) =>
      tableGrantCheck<object, object>(scopeOf('ingest-events'))(
        async () => {
          reached.push(commandName);
          return { output: {}, response: {} };
        },
        { commandName },
      )({ input: { TableName: 't', ...input } });
    const deletion = call('DeleteItemCommand', { Key: { pk: 'LEAD#1', sk: 'PROFILE' } });
    await expect(deletion).rejects.toThrow(TableAccessDenied);
    await expect(deletion).rejects.toThrow(/ingest-events is not granted/);
    expect(reached).toEqual([]);
    await expect(call('GetCommand', { Key: { pk: 'EMAIL#a@b.c', sk: 'EMAIL' } })).resolves.toBeDefined();
    expect(reached).toEqual(['GetCommand']);
  });
});
