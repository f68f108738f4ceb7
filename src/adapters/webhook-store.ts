import { randomUUID } from 'node:crypto';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DeliveryClaim, PreviousWebhookSecret, SigningEndpoint, WebhookEndpoint, WebhookSecretRef } from '../domain/handoff/webhooks';
import { ClaimRecords } from './claims';
import { conditionally } from './dynamo-errors';
import * as keys from './keys';
import type { Page, PageRequest } from '../domain/page';
import { listPage, queryAll } from './query-pages';

/** Delivery records outlive every retry and redelivery of their event, then go. */
const DELIVERY_RECORD_TTL_SECONDS = 30 * 86_400;

/**
 * Webhook endpoints and their deliveries. A delivery is claimed per endpoint and event id before the
 * POST and marked delivered after a 2xx, so a duplicate or concurrent delivery of the same event
 * finds the claim and posts nothing; a claim left by a consumer that died expires after
 * `staleAfterMs` and is taken over (at-least-once: receivers dedupe on the event id).
 */
export class WebhookStore {
  private readonly deliveries: ClaimRecords<ReturnType<typeof keys.webhookDelivery>>;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    staleAfterMs: number,
  ) {
    this.deliveries = new ClaimRecords(client, tableName, { heldStatus: 'sending', claimedAtAttribute: 'claimedAt', staleAfterMs });
  }

  async create(endpoint: SigningEndpoint): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keys.webhook(endpoint.id), ...keys.webhookListing(endpoint.createdAt, endpoint.id), entity: 'webhook', ...endpoint },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  /** Every endpoint, oldest first, with its secret's key id and nonce: an event goes to each that takes its type. */
  async listForSigning(): Promise<SigningEndpoint[]> {
    return queryAll(this.client, this.listing, toEndpoint);
  }

  /** One page of the endpoints, oldest first, as an admin sees them: until when a rotated-out secret still signs, never where it came from. */
  async list(request: PageRequest, now: Date): Promise<Page<WebhookEndpoint & { previousSecretUntil?: string }>> {
    const page = await listPage(this.client, this.listing, request, toEndpoint);
    return {
      ...page,
      items: page.items.map(({ secretRef: _secretRef, previousSecretRef, ...endpoint }) => ({
        ...endpoint,
        ...(previousSecretRef && previousSecretRef.until > now.toISOString() ? { previousSecretUntil: previousSecretRef.until } : {}),
      })),
    };
  }

  private get listing() {
    return { tableName: this.tableName, index: 'gsi1', key: keys.webhookListing('', '').gsi1pk } as const;
  }

  /**
   * Gives an endpoint a new secret while it still has the one that was read (`replaced`), which then
   * keeps signing until `previous.until` (not at all when absent): of two concurrent rotations one
   * wins, and the other is told, rather than showing a secret that would never sign.
   */
  async rotateSecret(webhookId: string, replaced: WebhookSecretRef, secretRef: WebhookSecretRef, previous: PreviousWebhookSecret | undefined): Promise<'rotated' | 'changed'> {
    return conditionally(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.webhook(webhookId),
          UpdateExpression: previous ? 'SET secretRef = :secretRef, previousSecretRef = :previous' : 'SET secretRef = :secretRef REMOVE previousSecretRef',
          ConditionExpression: 'secretRef.nonce = :replaced',
          ExpressionAttributeValues: { ':secretRef': secretRef, ':replaced': replaced.nonce, ...(previous ? { ':previous': previous } : {}) },
        }),
      ),
      'rotated' as const,
      'changed' as const,
    );
  }

  async get(webhookId: string): Promise<SigningEndpoint | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: keys.webhook(webhookId), ConsistentRead: true }));
    return Item ? toEndpoint(Item) : undefined;
  }

  async delete(webhookId: string): Promise<boolean> {
    return conditionally(
      this.client.send(new DeleteCommand({ TableName: this.tableName, Key: keys.webhook(webhookId), ConditionExpression: 'attribute_exists(pk)' })),
      true,
      false,
    );
  }

  async claimDelivery(webhookId: string, eventId: string, now: Date): Promise<DeliveryClaim> {
    const token = randomUUID();
    const key = keys.webhookDelivery(webhookId, eventId);
    const record = { ...key, entity: 'webhook-delivery', expiresAt: Math.floor(now.getTime() / 1000) + DELIVERY_RECORD_TTL_SECONDS };
    if ((await this.deliveries.claim(record, now.toISOString(), token)) === 'claimed') return { outcome: 'claimed', token };
    const status = (await this.deliveries.read(key))?.status;
    if (status === 'delivered') return { outcome: 'already-delivered' };
    return status === 'refused' ? { outcome: 'already-refused' } : { outcome: 'in-progress' };
  }

  async markDelivered(webhookId: string, eventId: string, token: string, responseStatus: number, at: Date): Promise<void> {
    await this.deliveries.markDone(keys.webhookDelivery(webhookId, eventId), { token }, { status: 'delivered', deliveredAt: at.toISOString(), responseStatus });
  }

  /**
   * Settles a claimed delivery as never to be made: the endpoint's URL led to an address leadflow
   * must not reach. The record (kept like a delivered one) says why, and stops every retry and
   * duplicate of the event from trying that endpoint again.
   */
  async markRefused(webhookId: string, eventId: string, token: string, problem: string, at: Date): Promise<void> {
    await this.deliveries.markDone(keys.webhookDelivery(webhookId, eventId), { token }, { status: 'refused', refusedAt: at.toISOString(), problem });
  }

  /** Gives the claim back after a failed POST, so the retry can post. */
  async releaseDelivery(webhookId: string, eventId: string, token: string): Promise<void> {
    await this.deliveries.release(keys.webhookDelivery(webhookId, eventId), { token });
  }
}

function toEndpoint(item: Record<string, unknown>): SigningEndpoint {
  const { pk: _pk, sk: _sk, gsi1pk: _gsi1pk, gsi1sk: _gsi1sk, entity: _entity, ...endpoint } = item;
  return endpoint as unknown as SigningEndpoint;
}
