import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { SourceStore } from '../../src/adapters/source-store';
import { dynamoDbLocal, TABLE_NAME } from './dynamo-local';

let store: SourceStore;
beforeAll(async () => {
  store = new SourceStore((await dynamoDbLocal()).documents, TABLE_NAME);
});

const SITE = 'https://www.example.com';
const SHOP = 'https://shop.example.com';

async function addedSource() {
  const id = randomUUID();
  await store.create({ id, name: 'Site', origins: [SITE], createdAt: '2026-12-05T10:00:00.000Z' }, `wk_${id}`);
  const read = await store.get(id);
  if (!read) throw new Error('the source was not stored');
  return read;
}

describe('tracking sources on DynamoDB Local', () => {
  it("renames a source and gives its live keys' items the new origins, which the collector reads; a revoked key's item is left as it was", async () => {
    const source = await addedSource();
    const [first] = source.keys;
    if (!first) throw new Error('no first key');
    const revokedKey = { writeKey: `wk_old_${source.id}`, createdAt: '2026-12-05T09:00:00.000Z', revokedAt: '2026-12-05T09:30:00.000Z' };
    expect(await store.updateKeys(source, [first, revokedKey])).toBe('updated');
    const withKeys = await store.get(source.id);
    if (!withKeys) throw new Error('the source is gone');

    expect(await store.updateSource(withKeys, { name: 'Site and shop', origins: [SITE, SHOP] }, [first])).toBe('updated');
    expect(await store.get(source.id)).toMatchObject({ name: 'Site and shop', origins: [SITE, SHOP], keys: [first, revokedKey], keysVersion: withKeys.keysVersion + 1 });
    expect((await store.keyGrant(first.writeKey))?.origins).toEqual([SITE, SHOP]);
    expect((await store.keyGrant(revokedKey.writeKey))?.origins).toEqual([SITE]);
  });

  it('refuses a change over a read that a rotation has overtaken, and a rotation over a read the change overtook, changing nothing', async () => {
    const source = await addedSource();
    const [first] = source.keys;
    if (!first) throw new Error('no first key');
    const rotated = [{ writeKey: `wk_new_${source.id}`, createdAt: '2026-12-05T11:00:00.000Z' }, { ...first, validUntil: '2026-12-06T11:00:00.000Z' }];
    expect(await store.updateKeys(source, rotated)).toBe('updated');
    expect(await store.updateSource(source, { name: 'Shop', origins: [SHOP] }, [first])).toBe('changed');
    expect(await store.get(source.id)).toMatchObject({ name: 'Site', origins: [SITE], keys: rotated });
    expect((await store.keyGrant(first.writeKey))?.origins).toEqual([SITE]);

    const current = await store.get(source.id);
    if (!current) throw new Error('the source is gone');
    expect(await store.updateSource(current, { name: 'Shop', origins: [SHOP] }, rotated)).toBe('updated');
    expect(await store.updateKeys(current, [])).toBe('changed');
    expect((await store.get(source.id))?.keys).toEqual(rotated);
  });
});
