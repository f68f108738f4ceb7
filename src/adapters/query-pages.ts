import { paginateQuery, QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { InvalidInput } from '../domain/errors';
import type { Page, PageRequest } from '../domain/page';

type Item = Record<string, unknown>;

/** Every page of a query, in order: DynamoDB returns at most 1 MB per call. */
export async function* queryPages(client: DynamoDBDocumentClient, input: QueryCommandInput): AsyncGenerator<Item[]> {
  for await (const page of paginateQuery({ client }, { ...input })) yield page.Items ?? [];
}

/**
 * The items of one kind: one partition of the table or of an index (`RULESETS`, `SUPPRESSIONS`, ...),
 * in its sort key's order.
 */
export interface Partition {
  readonly tableName: string;
  /** The index holding the kind's partition; the table itself when absent. */
  readonly index?: 'gsi1';
  /** The partition key's value. */
  readonly key: string;
  readonly newestFirst?: boolean;
}

const partitionQuery = (partition: Partition): QueryCommandInput => {
  const name = partition.index ? `${partition.index}pk` : 'pk';
  return {
    TableName: partition.tableName,
    ...(partition.index ? { IndexName: partition.index } : { ConsistentRead: true }),
    KeyConditionExpression: `${name} = :partition`,
    ExpressionAttributeValues: { ':partition': partition.key },
    ...(partition.newestFirst ? { ScanIndexForward: false } : {}),
  };
};

/** Every item of a partition, for the few uses that need all of them (never an admin list: see `listPage`). */
export async function queryAll<T>(client: DynamoDBDocumentClient, partition: Partition, toItem: (item: Item) => T): Promise<T[]> {
  const items: T[] = [];
  for await (const page of queryPages(client, partitionQuery(partition))) items.push(...page.map(toItem));
  return items;
}


/**
 * One page of a partition's items. The cursor is the query's LastEvaluatedKey, base64url-encoded JSON;
 * it is opaque to callers and checked on the way back in, so a garbled or forged cursor is refused
 * (naming `cursor`) rather than sent to DynamoDB, and cannot start a page in another partition.
 */
export async function listPage<T>(client: DynamoDBDocumentClient, partition: Partition, request: PageRequest, toItem: (item: Item) => T): Promise<Page<T>> {
  const page = await client.send(
    new QueryCommand({
      ...partitionQuery(partition),
      Limit: request.limit,
      ...(request.cursor ? { ExclusiveStartKey: startKeyOf(request.cursor, partition) } : {}),
    }),
  );
  return { items: (page.Items ?? []).map(toItem), ...(page.LastEvaluatedKey ? { nextCursor: cursorOf(page.LastEvaluatedKey) } : {}) };
}

const cursorOf = (lastKey: Item) => Buffer.from(JSON.stringify(lastKey)).toString('base64url');

/** The start key a cursor stands for: exactly the partition's key attributes, as strings, in this partition. */
function startKeyOf(cursor: string, partition: Partition): Item {
  const refused = () => InvalidInput.field('cursor', 'is not a cursor this list gave: start again without it');
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw refused();
  }
  const names = partition.index ? ['pk', 'sk', `${partition.index}pk`, `${partition.index}sk`] : ['pk', 'sk'];
  if (typeof key !== 'object' || key === null || Array.isArray(key)) throw refused();
  const entries = Object.entries(key);
  if (entries.length !== names.length || !entries.every(([name, value]) => names.includes(name) && typeof value === 'string' && value !== '')) throw refused();
  if ((key as Item)[partition.index ? `${partition.index}pk` : 'pk'] !== partition.key) throw refused();
  return key as Item;
}
