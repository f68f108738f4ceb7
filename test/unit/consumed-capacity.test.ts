import { describe, expect, it } from 'vitest';
import { atAwsCharges, type CapacityEntry } from '../../local/consumed-capacity';

/**
 * The bench counts DynamoDB capacity at AWS's charges where DynamoDB Local reports less (an empty
 * query, a batch get's missing keys, a transaction's items of equal size). These cases are the rules
 * alone; test/local/measurements.test.ts checks them against DynamoDB Local itself.
 */
const INDEX_KEYS = { gsi1: 'gsi1pk', bands: 'bp' };
const read = (target: string, readUnits: number): CapacityEntry => ({ target, readUnits, writeUnits: 0 });
const write = (target: string, writeUnits: number): CapacityEntry => ({ target, readUnits: 0, writeUnits });

describe('capacity at AWS charges', () => {
  it('charges a query that finds nothing the read minimum of its consistency, on the table or the index it read', () => {
    const query = { TableName: 't', KeyConditionExpression: 'pk = :pk' };
    expect(atAwsCharges('QueryCommand', query, {}, [read('t', 0)], INDEX_KEYS)).toEqual([read('t', 0.5)]);
    expect(atAwsCharges('QueryCommand', { ...query, ConsistentRead: true }, {}, [read('t', 0)], INDEX_KEYS)).toEqual([read('t', 1)]);
    // An index is read eventually consistently; DynamoDB Local reports the table's 0 beside it.
    expect(atAwsCharges('QueryCommand', { ...query, IndexName: 'gsi1' }, {}, [read('t', 0), read('t/gsi1', 0)], INDEX_KEYS)).toEqual([read('t', 0), read('t/gsi1', 0.5)]);
    // A call whose answer had no capacity at all still costs the minimum.
    expect(atAwsCharges('QueryCommand', query, {}, [], INDEX_KEYS)).toEqual([read('t', 0.5)]);
  });

  it('leaves a query that found items as reported', () => {
    expect(atAwsCharges('QueryCommand', { TableName: 't' }, {}, [read('t', 1.5)], INDEX_KEYS)).toEqual([read('t', 1.5)]);
  });

  it("charges each batch-get key that found no item the minimum, leaving unprocessed keys uncharged", () => {
    const keys = [{ pk: 'a' }, { pk: 'b' }, { pk: 'c' }, { pk: 'd' }];
    const input = { RequestItems: { t: { Keys: keys }, u: { Keys: [{ pk: 'x' }], ConsistentRead: true } } };
    // t: one found (0.5 reported), one unprocessed, two missing; u: the one key missing, strongly consistent.
    const output = { Responses: { t: [{ pk: 'a' }], u: [] }, UnprocessedKeys: { t: { Keys: [{ pk: 'd' }] } } };
    expect(atAwsCharges('BatchGetItemCommand', input, output, [read('t', 0.5), read('u', 0)], INDEX_KEYS)).toEqual([read('t', 1.5), read('u', 1)]);
    const allFound = { Responses: { t: keys, u: [{ pk: 'x' }] } };
    expect(atAwsCharges('BatchGetItemCommand', input, allFound, [read('t', 2), read('u', 1)], INDEX_KEYS)).toEqual([read('t', 2), read('u', 1)]);
  });

  it("charges every item of a transaction twice at least, and an index for each put that carries its key, keeping larger reported units", () => {
    const transaction = {
      TransactItems: [
        { Put: { TableName: 't', Item: { pk: 'a', gsi1pk: 'G' } } },
        { Put: { TableName: 't', Item: { pk: 'b', gsi1pk: 'G', bp: 'B#1' } } },
        { Update: { TableName: 't', Key: { pk: 'c' } } },
        { Delete: { TableName: 't', Key: { pk: 'd' } } },
        { ConditionCheck: { TableName: 't', Key: { pk: 'e' } } },
      ],
    };
    // What DynamoDB Local reports when each item's capacity is the same: the items counted once.
    const reported = [write('t', 2), write('t/gsi1', 2), write('t/bands', 2)];
    expect(atAwsCharges('TransactWriteItemsCommand', transaction, {}, reported, INDEX_KEYS)).toEqual([write('t', 8), write('t/gsi1', 4), write('t/bands', 2)]);
    // Large items: what was reported is already more than the floor.
    const large = [write('t', 20), write('t/gsi1', 12), write('t/bands', 2)];
    expect(atAwsCharges('TransactWriteItemsCommand', transaction, {}, large, INDEX_KEYS)).toEqual(large);
  });

  it('leaves single-item calls and unreadable inputs as reported', () => {
    expect(atAwsCharges('GetItemCommand', { TableName: 't' }, {}, [read('t', 0.5)], INDEX_KEYS)).toEqual([read('t', 0.5)]);
    expect(atAwsCharges('PutItemCommand', { TableName: 't' }, {}, [write('t', 1)], INDEX_KEYS)).toEqual([write('t', 1)]);
    expect(atAwsCharges('QueryCommand', { IndexName: 'gsi1' }, {}, [read('t', 0)], INDEX_KEYS)).toEqual([read('t', 0)]);
    expect(atAwsCharges('TransactWriteItemsCommand', {}, {}, [write('t', 2)], INDEX_KEYS)).toEqual([write('t', 2)]);
  });
});
