import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Page, PageRequest } from '../domain/page';
import type { Source, WriteKey } from '../domain/tracking/sources';
import { failedConditions } from './dynamo-errors';
import * as keys from './keys';
import { listPage } from './query-pages';
import { transactWrite } from './transactions';

/** A source with its keys, newest first: the first is the current one unless revoked. */
export interface SourceWithKeys extends Source {
  readonly keys: readonly Omit<WriteKey, 'sourceId'>[];
  /** Counts changes of `keys`: a change is written only over the version it read. */
  readonly keysVersion: number;
}

/** A write key as the collector reads it: its source's origins beside it, so one read decides a call. */
export interface KeyGrant extends WriteKey {
  readonly origins: readonly string[];
}

type Item = Record<string, unknown>;

const toSource = (item: Item): SourceWithKeys => ({
  id: item.id as string,
  name: item.name as string,
  origins: item.origins as string[],
  createdAt: item.createdAt as string,
  keys: item.keys as SourceWithKeys['keys'],
  keysVersion: item.keysVersion as number,
});

const keyItem = (key: WriteKey, origins: readonly string[]) => ({ ...keys.writeKey(key.writeKey), entity: 'write-key', ...key, origins });

/**
 * Tracking sources and their write keys. A source item lists its keys; each key also has an item of
 * its own, found by the exact key (a GetItem on its partition, never a scan or a prefix), holding its
 * source's origins and its validity. Both change together, in one transaction.
 */
export class SourceStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async keyGrant(writeKey: string): Promise<KeyGrant | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.writeKey(writeKey), ConsistentRead: true }));
    if (!Item) return undefined;
    return {
      writeKey: Item.writeKey as string,
      sourceId: Item.sourceId as string,
      createdAt: Item.createdAt as string,
      origins: Item.origins as string[],
      ...(typeof Item.validUntil === 'string' ? { validUntil: Item.validUntil } : {}),
      ...(typeof Item.revokedAt === 'string' ? { revokedAt: Item.revokedAt } : {}),
    };
  }

  async create(source: Source, writeKey: string): Promise<SourceWithKeys> {
    const key = { writeKey, createdAt: source.createdAt };
    const stored: SourceWithKeys = { ...source, keys: [key], keysVersion: 1 };
    await transactWrite(this.client, this.tableName, [
      { Put: { Item: { ...keys.source(source.id), ...keys.sourceListing(source.createdAt, source.id), entity: 'source', ...stored }, ConditionExpression: 'attribute_not_exists(pk)' } },
      { Put: { Item: keyItem({ ...key, sourceId: source.id }, source.origins), ConditionExpression: 'attribute_not_exists(pk)' } },
    ]);
    return stored;
  }

  async get(sourceId: string): Promise<SourceWithKeys | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.source(sourceId), ConsistentRead: true }));
    return Item ? toSource(Item) : undefined;
  }

  async list(request: PageRequest): Promise<Page<SourceWithKeys>> {
    return listPage(this.client, { tableName: this.tableName, index: 'gsi1', key: keys.sourceListing('', '').gsi1pk }, request, toSource);
  }

  /**
   * Renames the source and replaces its origins while it is still the one read (`read`: its keys'
   * version moves, so a rotation or revocation meanwhile is told 'changed', as this is by theirs),
   * writing the origins onto the items of `liveKeys`, which the collector reads.
   */
  updateSource(read: SourceWithKeys, changes: Pick<Source, 'name' | 'origins'>, liveKeys: SourceWithKeys['keys']): Promise<'updated' | 'changed'> {
    return this.writeOverVersion(
      read,
      { set: '#name = :name, origins = :origins', names: { '#name': 'name' }, values: { ':name': changes.name, ':origins': changes.origins } },
      liveKeys.map((key) => keyItem({ ...key, sourceId: read.id }, changes.origins)),
    );
  }

  /**
   * Replaces the source's key list with `updated` while it is still the one read (`read`), writing
   * every key whose item changed: of two concurrent rotations or revocations one wins and the other
   * is told ('changed'), so no key is left valid that the source no longer lists.
   */
  updateKeys(read: SourceWithKeys, updated: SourceWithKeys['keys']): Promise<'updated' | 'changed'> {
    const before = new Map(read.keys.map((key) => [key.writeKey, JSON.stringify(key)]));
    const changed = updated.filter((key) => before.get(key.writeKey) !== JSON.stringify(key));
    return this.writeOverVersion(
      read,
      { set: '#keys = :updated', names: { '#keys': 'keys' }, values: { ':updated': updated } },
      changed.map((key) => keyItem({ ...key, sourceId: read.id }, read.origins)),
    );
  }

  /** Sets `change` on the source and puts `keyItems`, in one transaction, only while the source's keys' version is still `read`'s; 'changed' otherwise. */
  private async writeOverVersion(
    read: SourceWithKeys,
    change: { readonly set: string; readonly names: Record<string, string>; readonly values: Record<string, unknown> },
    keyItems: readonly Item[],
  ): Promise<'updated' | 'changed'> {
    try {
      await transactWrite(this.client, this.tableName, [
        {
          Update: {
            Key: keys.source(read.id),
            UpdateExpression: `SET ${change.set}, keysVersion = :next`,
            ConditionExpression: 'keysVersion = :read',
            ExpressionAttributeNames: change.names,
            ExpressionAttributeValues: { ...change.values, ':read': read.keysVersion, ':next': read.keysVersion + 1 },
          },
        },
        ...keyItems.map((item) => ({ Put: { Item: item } })),
      ]);
      return 'updated';
    } catch (error) {
      if (failedConditions(error)?.[0]) return 'changed';
      throw error;
    }
  }
}
