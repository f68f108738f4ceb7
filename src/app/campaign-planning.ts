import { DetailType, type DomainEvent } from '../domain/events';
import type { PlanRound } from '../domain/campaigns/campaign';
import { LEAD_LISTING_SHARDS } from '../domain/lead-listing';

/**
 * The requests that start planning a campaign (or a new round of its plan): one per lead-listing
 * partition, each walking its partition page by page, so planning runs as many pages at once as
 * there are partitions.
 */
export function planningRequests(campaignId: string, round?: PlanRound): DomainEvent[] {
  return LEAD_LISTING_SHARDS.map((_, shard) => ({
    detailType: DetailType.CampaignSendRequested,
    detail: { version: 1, correlationId: campaignId, campaignId, shard, page: 0, ...(round ? { round } : {}) },
  }));
}
