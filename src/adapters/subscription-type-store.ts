import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { subscriptionTypesMaxAgeSeconds } from '../config';
import { isSubscriptionType, SEEDED_CATALOGUE, SubscriptionTypes, type SubscriptionCatalogue } from '../domain/subscriptions';
import { conditionally } from './dynamo-errors';
import * as keys from './keys';

/**
 * The stored catalogue, with the version a save checks and moves, who saved it when, and the types
 * added since consent records were indexed by type (`consentsIndexed`).
 */
export interface StoredCatalogue {
  readonly types: SubscriptionCatalogue;
  readonly version: number;
  readonly updatedAt?: string;
  readonly updatedBy?: string;
  readonly consentsIndexed?: readonly string[];
}

/** A catalogue that lacks a type named is read again, but not sooner than this after the last read. */
const REREAD_AFTER_MS = 1000;

/** The subscription types, one item; readers keep what they read for a minute. */
export class SubscriptionTypeStore {
  private cached?: { readonly types: Promise<SubscriptionCatalogue>; readonly readAt: number };

  /**
   * @param maxAgeMs How long a container keeps the catalogue it read: every consent check, page and
   * validation reads it, and a new or renamed type can wait a minute to appear.
   */
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly maxAgeMs: number = subscriptionTypesMaxAgeSeconds() * 1000,
  ) {}

  /** The catalogue and its version; the seeded types at version 0 when none was ever saved. */
  async get(): Promise<StoredCatalogue> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.subscriptionTypes(), ConsistentRead: true }));
    if (!Item) return { types: SEEDED_CATALOGUE, version: 0 };
    const indexed: unknown = Item.consentsIndexed;
    return {
      types: SubscriptionTypes.parse(Item.types),
      version: Number(Item.version),
      updatedAt: String(Item.updatedAt),
      updatedBy: String(Item.updatedBy),
      ...(Array.isArray(indexed) ? { consentsIndexed: indexed.map(String) } : {}),
    };
  }

  /**
   * The catalogue as readers use it: read at most once a minute (`maxAgeMs`) per container, and afresh
   * when it lacks a type in `named` (one added moments ago that a form, a submission or a campaign
   * names), at most once a second, so that input naming types that do not exist cannot make every
   * request a read.
   */
  readonly current = async (named: readonly string[] = []): Promise<SubscriptionCatalogue> => {
    const types = await (!this.cached || Date.now() - this.cached.readAt >= this.maxAgeMs ? this.read() : this.cached.types);
    if (named.every((id) => isSubscriptionType(types, id))) return types;
    // The newest read, which a concurrent reader may have started since: several readers of one type just added read once.
    const latest = this.cached;
    return latest && Date.now() - latest.readAt < REREAD_AFTER_MS ? latest.types : this.read();
  };

  /** Reads the catalogue and holds it for `maxAgeMs`; a failed read is not kept, so the next reader asks again. */
  private read(): Promise<SubscriptionCatalogue> {
    const types = this.get().then((stored) => stored.types);
    types.catch(() => (this.cached = undefined));
    this.cached = { types, readAt: Date.now() };
    return types;
  }

  /**
   * Saves the catalogue as the next version if nobody saved another since `previousVersion` (0 for
   * none): a replacement, or the catalogue less a deleted type.
   */
  async save(types: SubscriptionCatalogue, previousVersion: number, at: string, by: string, consentsIndexed: readonly string[]): Promise<StoredCatalogue | 'version-changed'> {
    const stored = { types, version: previousVersion + 1, updatedAt: at, updatedBy: by, consentsIndexed: [...new Set(consentsIndexed)] };
    const written = await conditionally(
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.subscriptionTypes(), entity: 'subscription-types', ...stored },
          ConditionExpression: previousVersion === 0 ? 'attribute_not_exists(pk)' : 'version = :previous',
          ...(previousVersion === 0 ? {} : { ExpressionAttributeValues: { ':previous': previousVersion } }),
        }),
      ),
      stored,
      'version-changed' as const,
    );
    if (written !== 'version-changed') this.cached = { types: Promise.resolve(types), readAt: Date.now() };
    return written;
  }
}
