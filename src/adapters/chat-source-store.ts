import { createHash, randomUUID } from 'node:crypto';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ChatSource, DeliveryClaim, SealedSecret } from '../domain/chat/sources';
import type { Page, PageRequest } from '../domain/page';
import { ClaimRecords } from './claims';
import { conditionally } from './dynamo-errors';
import * as keys from './keys';
import { listPage } from './query-pages';

/** A claim older than this belongs to a call that died (the function times out well before). */
const CLAIM_STALE_AFTER_MS = 60_000;

/** A chat source as an admin sees it: no secret, only until when a rotated-out one still verifies. */
export type ChatSourceView = Omit<ChatSource, 'secret' | 'previousSecret'> & { readonly previousSecretUntil?: string };

const deliveryHash = (deliveryKey: string) => createHash('sha256').update(deliveryKey).digest('base64url');

/**
 * Chat sources (settings and sealed secrets, one item each) and the deliveries taken from them. A
 * delivery is claimed with a conditional put before it is taken and marked taken after; the record
 * expires with its source's replay window, after which the delivery's own time refuses it.
 */
export class ChatSourceStore {
  private readonly deliveries: ClaimRecords<ReturnType<typeof keys.chatDelivery>>;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {
    this.deliveries = new ClaimRecords(client, tableName, { heldStatus: 'taking', claimedAtAttribute: 'claimedAt', staleAfterMs: CLAIM_STALE_AFTER_MS, expires: true });
  }

  /** Adds a source: `exists` when the id is taken. */
  async create(source: ChatSource): Promise<'created' | 'exists'> {
    return conditionally(
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.chatSource(source.id), ...keys.chatSourceListing(source.createdAt, source.id), entity: 'chat-source', ...source },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
      'created' as const,
      'exists' as const,
    );
  }

  async get(sourceId: string): Promise<ChatSource | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.chatSource(sourceId), ConsistentRead: true }));
    return Item ? toSource(Item) : undefined;
  }

  async list(request: PageRequest, now: Date): Promise<Page<ChatSourceView>> {
    const page = await listPage(this.client, { tableName: this.tableName, index: 'gsi1', key: keys.chatSourceListing('', '').gsi1pk }, request, toSource);
    return {
      ...page,
      items: page.items.map(({ secret: _secret, previousSecret, ...source }) => ({
        ...source,
        ...(previousSecret && previousSecret.until > now.toISOString() ? { previousSecretUntil: previousSecret.until } : {}),
      })),
    };
  }

  /**
   * Seals in a new secret while the source still has the one that was read (`replaced`), which then
   * keeps verifying until `previous.until` (not at all when absent): of two concurrent rotations one wins.
   */
  async rotateSecret(sourceId: string, replaced: SealedSecret, secret: SealedSecret, previous: (SealedSecret & { until: string }) | undefined): Promise<'rotated' | 'changed'> {
    return conditionally(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.chatSource(sourceId),
          UpdateExpression: previous ? 'SET secret = :secret, previousSecret = :previous' : 'SET secret = :secret REMOVE previousSecret',
          ConditionExpression: 'secret.iv = :replaced',
          ExpressionAttributeValues: { ':secret': secret, ':replaced': replaced.iv, ...(previous ? { ':previous': previous } : {}) },
        }),
      ),
      'rotated' as const,
      'changed' as const,
    );
  }

  async delete(sourceId: string): Promise<boolean> {
    return conditionally(
      this.client.send(new DeleteCommand({ TableName: this.tableName, Key: keys.chatSource(sourceId), ConditionExpression: 'attribute_exists(pk)' })),
      true,
      false,
    );
  }

  async claimDelivery(sourceId: string, deliveryKey: string, now: Date, expiresAt: number): Promise<DeliveryClaim> {
    const key = keys.chatDelivery(sourceId, deliveryHash(deliveryKey));
    const token = randomUUID();
    if ((await this.deliveries.claim({ ...key, entity: 'chat-delivery', expiresAt }, now.toISOString(), token)) === 'claimed') return { outcome: 'claimed', token };
    return (await this.deliveries.read(key))?.status === 'taken' ? { outcome: 'taken' } : { outcome: 'in-progress' };
  }

  async finishDelivery(sourceId: string, deliveryKey: string, token: string): Promise<void> {
    await this.deliveries.markDone(keys.chatDelivery(sourceId, deliveryHash(deliveryKey)), { token }, { status: 'taken' });
  }

  async releaseDelivery(sourceId: string, deliveryKey: string, token: string): Promise<void> {
    await this.deliveries.release(keys.chatDelivery(sourceId, deliveryHash(deliveryKey)), { token });
  }
}

function toSource(item: Record<string, unknown>): ChatSource {
  const { pk: _pk, sk: _sk, gsi1pk: _gsi1pk, gsi1sk: _gsi1sk, entity: _entity, ...source } = item;
  return source as unknown as ChatSource;
}
