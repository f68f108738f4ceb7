import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { KeptPage } from '../domain/lead-listing';
import { batchGet } from './batch-get';
import type { ClaimKey } from './claims';
import { conditionally, isConditionFailure } from './dynamo-errors';
import * as keys from './keys';
import { countOf } from './packed-values';
import { queryAll } from './query-pages';

/**
 * How long a kept page stays: as long as a dead-letter queue keeps the message that planned it, so a
 * page that failed every try and is sent again from there publishes what it kept. Its lead ids stay
 * only until it is published, as a message in flight holds them, or until an erasure takes its lead's out.
 */
const KEPT_PAGE_SECONDS = 14 * 24 * 3600;

/** Tries of taking a lead's id out of one page that another writer changed meanwhile (a finish, another erasure). */
const FORGET_ATTEMPTS = 5;

/**
 * Pages of a fan-out over the lead listing, each kept under its key as the attempt that first planned
 * it chose it, until it is published: a retry publishes the kept page instead of choosing again
 * (CampaignPlans for a campaign's plan, plan-rescoring's handler for a rescoring). Each page is
 * listed (keys.keptPageListing) from before it is kept until it is finished, so that an erasure finds
 * every page that may still hold the lead's id.
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
    const expiresAt = Math.floor(Date.now() / 1000) + KEPT_PAGE_SECONDS;
    // Listed first: a page is never there unlisted, and a listing whose page never came names nobody.
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: { ...keys.keptPageListing(key), entity: 'kept-page-listing', page: { pk: key.pk, sk: key.sk }, expiresAt } }));
    const item = { ...key, entity: 'kept-page', leadIds: [...page.leadIds], counted: page.counted, ...(page.next ? { next: page.next } : {}), expiresAt };
    const kept = await conditionally(this.client.send(new PutCommand({ TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' })), 'kept' as const, 'there' as const);
    if (kept === 'kept') return page;
    const { Item: earlier } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }));
    // Gone between the two calls only if its time to live ran out: this attempt's choice is as good as any then.
    if (!earlier) return page;
    if (earlier.finished === true) {
      await this.unlist(key);
      return 'finished';
    }
    const leadIds = Array.isArray(earlier.leadIds) ? earlier.leadIds.map(String) : [];
    return { leadIds, counted: countOf(earlier.counted), ...(typeof earlier.next === 'string' ? { next: earlier.next } : {}) };
  }

  /**
   * Marks a kept page published (or superseded): a later delivery of its request does nothing, and its
   * lead ids are gone, with where the next page starts (a listing key, which names the page's last lead).
   */
  async finish(key: ClaimKey): Promise<void> {
    await this.client
      .send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: 'SET finished = :true REMOVE leadIds, #next',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#next': 'next' },
          ExpressionAttributeValues: { ':true': true },
        }),
      )
      .catch((error: unknown) => {
        // Its time to live ran out meanwhile: nothing is left to forget.
        if (!isConditionFailure(error)) throw error;
      });
    await this.unlist(key);
  }

  /**
   * Takes an erased lead's id out of every kept page that still holds it, putting keys.goneLeadId in
   * its place: the page keeps its count, and whoever it is published to finds no lead by that name and
   * counts it as gone. Returns how many pages held it.
   */
  async forget(leadId: string): Promise<number> {
    const listed = await queryAll(this.client, { tableName: this.tableName, key: keys.keptPagesPartition }, (item) => item.page);
    const pageKeys = listed.filter((page): page is ClaimKey => !!page && typeof page === 'object' && typeof (page as ClaimKey).pk === 'string' && typeof (page as ClaimKey).sk === 'string');
    if (!pageKeys.length) return 0;
    const holding = (await batchGet(this.client, this.tableName, pageKeys.map(({ pk, sk }) => ({ pk, sk })))).filter((page) => Array.isArray(page.leadIds) && page.leadIds.includes(leadId));
    for (const page of holding) await this.forgetIn({ pk: String(page.pk), sk: String(page.sk) }, page.leadIds as unknown[], leadId);
    return holding.length;
  }

  /** Puts the gone id where `leadId` is in the page's list, as long as the list is still the one read; else reads it again. */
  private async forgetIn(key: ClaimKey, read: readonly unknown[], leadId: string): Promise<void> {
    let leadIds = read;
    for (let attempt = 1; ; attempt += 1) {
      const positions = leadIds.flatMap((id, position) => (id === leadId ? [position] : []));
      if (!positions.length) return;
      const replaced = await conditionally(
        this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: key,
            UpdateExpression: `SET ${positions.map((position) => `leadIds[${position}] = :gone`).join(', ')}`,
            ConditionExpression: positions.map((position) => `leadIds[${position}] = :lead`).join(' AND '),
            ExpressionAttributeValues: { ':gone': keys.goneLeadId(leadId), ':lead': leadId },
          }),
        ),
        true,
        false,
      );
      if (replaced) return;
      if (attempt >= FORGET_ATTEMPTS) throw new Error(`Kept page ${key.pk} ${key.sk} kept changing while an erased lead's id was taken out; try again`);
      const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }));
      leadIds = Array.isArray(Item?.leadIds) ? Item.leadIds : [];
    }
  }

  private async unlist(key: ClaimKey): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: keys.keptPageListing(key) }));
  }
}
