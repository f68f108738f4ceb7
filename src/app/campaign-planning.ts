import { DetailType, type DomainEvent } from '../domain/events';
import { LEAD_LISTING_SHARDS } from '../domain/lead-listing';

/**
 * The requests that start planning a campaign: one per lead-listing partition, each walking its
 * partition page by page, so planning runs as many pages at once as there are partitions.
 */
export function planningRequests(campaignId: string): DomainEvent[] {
  return LEAD_LISTING_SHARDS.map((_, shard) => ({
    detailType: DetailType.CampaignSendRequested,
    detail: { version: 1, correlationId: campaignId, campaignId, shard, page: 0 },
  }));
}
