import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { KeptPage } from '../domain/lead-listing';
import type { ClaimKey } from './claims';
import { conditionally, isConditionFailure } from './dynamo-errors';
import { countOf } from './packed-values';

/**
 * How long a kept page stays: as long as a dead-letter queue keeps the message that planned it, so a
 * page that failed every try and is sent again from there publishes what it kept. Its lead ids stay
 * only until it is published, as a message in flight holds them.
 */
const KEPT_PAGE_SECONDS = 14 * 24 * 3600;

/**
 * Pages of a fan-out over the lead listing, each kept under its key as the attempt that first planned
 * it chose it, until it is published: a retry publishes the kept page instead of choosing again
 * (CampaignPlans for a campaign's plan, plan-rescoring's handler for a rescoring).
 */
export class KeptPages {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Keeps `page` under `key` unless an attempt before kept one: then that one is returned, to be
   * published instead ('finished' once it was). Read consistently after the conditional write found
   * it, so a retry never publishes another choice than the one counted.
   */
  async keep(key: ClaimKey, page: KeptPage): Promise<KeptPage | 'finished'> {
    const item = { ...key, entity: 'kept-page', leadIds: [...page.leadIds], counted: page.counted, ...(page.next ? { next: page.next } : {}), expiresAt: Math.floor(Date.now() / 1000) + KEPT_PAGE_SECONDS };
    const kept = await conditionally(this.client.send(new PutCommand({ TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' })), 'kept' as const, 'there' as const);
    if (kept === 'kept') return page;
    const { Item: earlier } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }));
    // Gone between the two calls only if its time to live ran out: this attempt's choice is as good as any then.
    if (!earlier) return page;
    if (earlier.finished === true) return 'finished';
    const leadIds = Array.isArray(earlier.leadIds) ? earlier.leadIds.map(String) : [];
    return { leadIds, counted: countOf(earlier.counted), ...(typeof earlier.next === 'string' ? { next: earlier.next } : {}) };
  }

  /** Marks a kept page published (or superseded): a later delivery of its request does nothing, and its lead ids are gone. */
  async finish(key: ClaimKey): Promise<void> {
    await this.client
      .send(new UpdateCommand({ TableName: this.tableName, Key: key, UpdateExpression: 'SET finished = :true REMOVE leadIds', ConditionExpression: 'attribute_exists(pk)', ExpressionAttributeValues: { ':true': true } }))
      .catch((error: unknown) => {
        // Its time to live ran out meanwhile: nothing is left to forget.
        if (!isConditionFailure(error)) throw error;
      });
  }
}
