import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { listPage, queryAll, type Partition } from '../../src/adapters/query-pages';
import { InvalidInput } from '../../src/domain/errors';
import { dynamoDbLocal, TABLE_NAME } from './dynamo-local';

let table: Awaited<ReturnType<typeof dynamoDbLocal>>;
const kinds = { SEGMENTS: 7, TEMPLATES: 3 };
beforeAll(async () => {
  table = await dynamoDbLocal();
  for (const [kind, count] of Object.entries(kinds)) {
    for (let index = 0; index < count; index += 1) {
      const id = `${kind.toLowerCase()}-${index}`;
      await table.documents.send(new PutCommand({ TableName: TABLE_NAME, Item: { pk: `${kind}#${id}`, sk: 'ITEM', gsi1pk: kind, gsi1sk: `2026-11-${String(index + 1).padStart(2, '0')}#${id}`, id } }));
    }
  }
});

const segments: Partition = { tableName: TABLE_NAME, index: 'gsi1', key: 'SEGMENTS', newestFirst: true };
const idOf = (item: Record<string, unknown>) => String(item.id);
const refusal = async (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error);

describe('listing a kind on DynamoDB Local', () => {
  it('pages through a partition in order with an opaque cursor, and the last page has none', async () => {
    const ids: string[] = [];
    let cursor: string | undefined;
    const pages: number[] = [];
    do {
      const page = await listPage(table.documents, segments, { limit: 3, ...(cursor ? { cursor } : {}) }, idOf);
      ids.push(...page.items);
      pages.push(page.items.length);
      cursor = page.nextCursor;
      if (cursor) expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    } while (cursor);
    expect(ids).toEqual(['segments-6', 'segments-5', 'segments-4', 'segments-3', 'segments-2', 'segments-1', 'segments-0']);
    expect(pages.slice(0, 3)).toEqual([3, 3, 1]);
    expect(await queryAll(table.documents, { ...segments, newestFirst: false }, idOf)).toEqual([...ids].reverse());
  });

  it('refuses a garbled or forged cursor as invalid input naming cursor, before DynamoDB sees it', async () => {
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const forged = [
      'not a cursor',
      encode('SEGMENTS'),
      encode({ pk: 'SEGMENTS#segments-3', sk: 'ITEM' }),
      encode({ pk: 'SEGMENTS#segments-3', sk: 'ITEM', gsi1pk: 'SEGMENTS', gsi1sk: 5 }),
      encode({ pk: 'SEGMENTS#segments-3', sk: 'ITEM', gsi1pk: 'SEGMENTS', gsi1sk: 'x', extra: 'y' }),
    ];
    for (const cursor of forged) {
      const error = await refusal(listPage(table.documents, segments, { limit: 3, cursor }, idOf));
      expect(error, cursor).toBeInstanceOf(InvalidInput);
      expect((error as InvalidInput).issues).toEqual([{ field: 'cursor', message: expect.any(String) }]);
    }
  });

  it('refuses a cursor another kind gave: it cannot start a page in another partition', async () => {
    const templates = await listPage(table.documents, { ...segments, key: 'TEMPLATES' }, { limit: 1 }, idOf);
    expect(templates.nextCursor).toBeDefined();
    const error = await refusal(listPage(table.documents, segments, { limit: 3, cursor: templates.nextCursor ?? '' }, idOf));
    expect(error).toBeInstanceOf(InvalidInput);
  });
});
