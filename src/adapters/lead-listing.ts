import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Lead } from '../domain/lead';
import { LEAD_LISTING_SHARDS, type LeadCursor } from '../domain/lead-listing';
import { batchGet } from './batch-get';
import * as keys from './keys';
import { withScores } from './lead-store';

/** Pages through every lead by the listing index, whose 16 partitions keep any one from running hot. */
export class LeadListing {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * One page of lead ids, walking the 16 listing partitions in turn. Pass the returned cursor to get
   * the next page; no cursor means every lead has been listed.
   */
  async listLeadIds(limit: number, cursor?: LeadCursor, options: { withinShard?: boolean } = {}): Promise<{ leadIds: string[]; cursor?: LeadCursor }> {
    const page = await this.listingPage(limit, cursor ?? { shard: 0 }, { projection: 'id', ...options });
    return { leadIds: page.items.map((item) => item.id as string), ...(page.cursor ? { cursor: page.cursor } : {}) };
  }

  /**
   * One page of whole leads: profiles from the listing index (it projects every attribute), each with
   * its score item, read in one batch per page. With `withinShard` the page stops at the end of the cursor's partition, so the 16
   * partitions can be walked in parallel; the returned cursor then stays in that partition.
   */
  async leadsPage(limit: number, cursor: LeadCursor, options: { withinShard?: boolean } = {}): Promise<{ leads: Lead[]; cursor?: LeadCursor }> {
    const page = await this.listingPage(limit, cursor, options);
    return { leads: await withScores(page.items, this.client, this.tableName), ...(page.cursor ? { cursor: page.cursor } : {}) };
  }

  /** One page of leads' ids and lifecycle stages only (a small projection), for walks that pick leads by stage. */
  async stagesPage(limit: number, cursor: LeadCursor): Promise<{ leads: { id: string; stage?: string }[]; cursor?: LeadCursor }> {
    const page = await this.listingPage(limit, cursor, { projection: '#id, #stage', names: { '#id': 'id', '#stage': 'stage' } });
    return {
      leads: page.items.map((item) => ({ id: String(item.id), ...(typeof item.stage === 'string' ? { stage: item.stage } : {}) })),
      ...(page.cursor ? { cursor: page.cursor } : {}),
    };
  }

  /**
   * One page of the members of a tracked segment, whole leads in listing order (the segment's 16
   * member partitions in turn, ids in order within each), from its member entries in the index.
   */
  async segmentMembersPage(segmentId: string, limit: number, cursor: LeadCursor): Promise<{ leads: Lead[]; cursor?: LeadCursor }> {
    const page = await this.listingPage(limit, cursor, { projection: 'leadId', partition: (shard) => keys.segmentMembersPartition(segmentId, shard) });
    const leadIds = page.items.map((item) => String(item.leadId));
    const profiles = new Map((await batchGet(this.client, this.tableName, leadIds.map((leadId) => keys.lead(leadId)))).map((profile) => [String(profile.id), profile]));
    const inOrder = leadIds.flatMap((leadId): Record<string, unknown>[] => {
      const profile = profiles.get(leadId);
      return profile ? [profile] : [];
    });
    return { leads: await withScores(inOrder, this.client, this.tableName), ...(page.cursor ? { cursor: page.cursor } : {}) };
  }

  /** The position just after this lead in the listing (or in a segment's members), as a page ending with it would give. */
  cursorAfter(leadId: string, segmentId?: string): LeadCursor {
    const startKey = segmentId
      ? { ...keys.segmentMembership(leadId, segmentId), ...keys.segmentMember(segmentId, leadId) }
      : { ...keys.lead(leadId), ...keys.leadListing(leadId) };
    return { shard: LEAD_LISTING_SHARDS.indexOf(leadId.charAt(0)), startKey };
  }

  private async listingPage(limit: number, cursor: LeadCursor, options: { projection?: string; names?: Record<string, string>; withinShard?: boolean; partition?: (shard: string) => string }) {
    const partition = options.partition ?? ((shard: string) => `LEADS#${shard}`);
    let shard = cursor.shard;
    let startKey = cursor.startKey;
    const lastShard = options.withinShard ? shard : LEAD_LISTING_SHARDS.length - 1;
    const items: Record<string, unknown>[] = [];
    while (shard <= lastShard && items.length < limit) {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :shard',
          ExpressionAttributeValues: { ':shard': partition(LEAD_LISTING_SHARDS[shard] ?? '') },
          ...(options.projection ? { ProjectionExpression: options.projection } : {}),
          ...(options.names ? { ExpressionAttributeNames: options.names } : {}),
          ExclusiveStartKey: startKey,
          Limit: limit - items.length,
        }),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
      if (!startKey) shard += 1;
    }
    return { items, ...(shard <= lastShard ? { cursor: { shard, ...(startKey ? { startKey } : {}) } } : {}) };
  }
}
