import { GetCommand, PutCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SOFT_BOUNCE_WINDOW_DAYS, type SuppressionReason } from '../domain/consent/suppression';
import { batchGet } from './batch-get';
import { conditionally, failedConditions } from './dynamo-errors';
import * as keys from './keys';
import type { Page, PageRequest } from '../domain/page';
import { listPage } from './query-pages';

export interface Suppression {
  readonly hash: string;
  /** Absent once the lead behind the address was erased: only the hash remains. */
  readonly email?: string;
  readonly reason: SuppressionReason;
  readonly detail: string;
  readonly at: string;
}

const MS_PER_DAY = 86_400_000;

/*
 * The two reads every sender makes, on their own and not only through SuppressionStore, so a function
 * that only checks addresses before mailing them ships without the rest of the class.
 */

/** Which of `hashes` are suppressed, read consistently and together (a hundred a request). */
export async function suppressedAmong(client: DynamoDBDocumentClient, tableName: string, hashes: readonly string[]): Promise<ReadonlySet<string>> {
  const found = new Set((await batchGet(client, tableName, [...new Set(hashes)].map((hash) => keys.suppression(hash)))).map((item) => String(item.pk)));
  return new Set(hashes.filter((hash) => found.has(keys.suppression(hash).pk)));
}

/** The suppression of one address hash, read consistently. */
export async function readSuppression(client: DynamoDBDocumentClient, tableName: string, hash: string): Promise<Suppression | undefined> {
  const { Item } = await client.send(new GetCommand({ TableName: tableName, Key: keys.suppression(hash), ConsistentRead: true }));
  return Item ? toSuppression(Item) : undefined;
}

/** The suppression list, keyed by the salted hash of each address. */
export class SuppressionStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Suppresses an address once; a second suppression keeps the first reason. */
  async suppress(suppression: Suppression): Promise<'suppressed' | 'already-suppressed'> {
    return conditionally(
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.suppression(suppression.hash), ...keys.suppressionListing(suppression.at, suppression.hash), entity: 'suppression', ...suppression },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
      'suppressed',
      'already-suppressed',
    );
  }

  /**
   * Keeps an erased lead's address suppressed with nothing readable left: a new suppression holds only
   * the hash; an existing one keeps its reason and loses the address.
   */
  async keepAfterErasure(hash: string, at: string): Promise<void> {
    const outcome = await this.suppress({ hash, reason: 'erased', detail: 'The lead was erased at its request', at });
    if (outcome === 'suppressed') return;
    await this.client.send(new UpdateCommand({ TableName: this.tableName, Key: keys.suppression(hash), UpdateExpression: 'REMOVE email' }));
  }

  /** Which of `hashes` are suppressed, read consistently and together (a hundred a request). */
  suppressedAmong(hashes: readonly string[]): Promise<ReadonlySet<string>> {
    return suppressedAmong(this.client, this.tableName, hashes);
  }

  get(hash: string): Promise<Suppression | undefined> {
    return readSuppression(this.client, this.tableName, hash);
  }

  /**
   * Counts a transient bounce of one message once (a redelivered SES event adds nothing) and returns
   * the count within the window; the counter starts again after `SOFT_BOUNCE_WINDOW_DAYS`.
   */
  async countSoftBounce(hash: string, messageId: string, at: string): Promise<number> {
    const expiresAt = Math.floor(Date.parse(at) / 1000) + SOFT_BOUNCE_WINDOW_DAYS * 86_400;
    const windowStart = new Date(Date.parse(at) - SOFT_BOUNCE_WINDOW_DAYS * MS_PER_DAY).toISOString();
    const existing = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.softBounces(hash), ConsistentRead: true }));
    if (!existing.Item || (existing.Item.firstAt as string) < windowStart) {
      const started = await conditionally(
        this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { ...keys.softBounces(hash), entity: 'soft-bounces', firstAt: at, messageIds: new Set([messageId]), expiresAt },
            ConditionExpression: 'attribute_not_exists(pk) OR firstAt < :windowStart',
            ExpressionAttributeValues: { ':windowStart': windowStart },
          }),
        ),
        'started',
        'started-meanwhile',
      );
      // Another bounce of the same address opened the window first: count this one into it.
      return started === 'started' ? 1 : this.countSoftBounce(hash, messageId, at);
    }
    const counted = await conditionally(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.softBounces(hash),
          UpdateExpression: 'ADD messageIds :message',
          ConditionExpression: 'NOT contains(messageIds, :id)',
          ExpressionAttributeValues: { ':message': new Set([messageId]), ':id': messageId },
        }),
      ),
      'counted',
      'already-counted',
    );
    const size = (existing.Item.messageIds as Set<string> | undefined)?.size ?? 0;
    return counted === 'counted' ? size + 1 : size;
  }

  /** One page of the suppressions, newest first. */
  async list(request: PageRequest): Promise<Page<Suppression>> {
    return listPage(this.client, { tableName: this.tableName, index: 'gsi1', key: keys.suppressionListing('', '').gsi1pk, newestFirst: true }, request, toSuppression);
  }

  /** Lifts a suppression, keeping who lifted it, why and what it was, in one transaction. */
  async lift(hash: string, reason: string, at: string): Promise<'lifted' | 'not-suppressed'> {
    const current = await this.get(hash);
    if (!current) return 'not-suppressed';
    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            { Delete: { TableName: this.tableName, Key: keys.suppression(hash), ConditionExpression: 'attribute_exists(pk)' } },
            { Delete: { TableName: this.tableName, Key: keys.softBounces(hash) } },
            { Put: { TableName: this.tableName, Item: { ...keys.suppressionLifted(hash, at), entity: 'suppression-lifted', hash, reason, at, suppressedFor: current.reason, suppressedAt: current.at } } },
          ],
        }),
      );
      return 'lifted';
    } catch (error) {
      if (failedConditions(error)?.[0]) return 'not-suppressed';
      throw error;
    }
  }
}

function toSuppression(item: Record<string, unknown>): Suppression {
  return {
    hash: item.hash as string,
    ...(typeof item.email === 'string' ? { email: item.email } : {}),
    reason: item.reason as SuppressionReason,
    detail: item.detail as string,
    at: item.at as string,
  };
}
