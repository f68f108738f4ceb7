import { publishFanOutPage, type PlannedPageRecord } from './lead-fan-out';
import type { EventPublisher, Log } from './ports';
import { isSubscriber, type CampaignItem, type PlanRound } from '../domain/campaigns/campaign';
import { DetailType, type CampaignSendRequestedDetail, type DomainEvent } from '../domain/events';
import type { Lead } from '../domain/lead';
import { decodeCursor, encodeCursor, LEAD_LISTING_SHARDS, type KeptPage, type LeadCursor } from '../domain/lead-listing';
import type { SegmentRule } from '../domain/segments/segment';

/** Leads listed per page of a campaign's plan; each page becomes a few sender messages and, if more remain, the next page. */
export const LEADS_PER_PAGE = 500;
/** Recipients per message to the senders. */
export const RECIPIENTS_PER_MESSAGE = 25;

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

/** A campaign's plan as its planners write it (CampaignPlans, campaign-plans.ts). */
export interface CampaignPlanPages {
  /**
   * Keeps `page` as the page `pageId` of the campaign's plan unless an attempt before kept one, and
   * returns the page kept (this one, or that attempt's); 'finished' once `finishPage` marked it.
   */
  keepPage(campaignId: string, pageId: string, page: KeptPage): Promise<KeptPage | 'finished'>;
  /** Counts a page's recipients into its round of the plan, once; 'superseded' when a newer round began. */
  recordPlannedPage(campaignId: string, pageId: string, recipients: number, finishedShard?: number, round?: number): Promise<PlannedPageRecord>;
  /** Of a later round's recipients, those it counts: no outcome recorded for them when the round began. */
  recipientsWithoutOutcome(campaignId: string, leadIds: readonly string[], since: string): Promise<string[]>;
  /** Marks a kept page published (or superseded) and forgets its lead ids. */
  finishPage(campaignId: string, pageId: string): Promise<void>;
}

export interface CampaignPagePlannerDependencies {
  readonly campaigns: { getItem(id: string): Promise<CampaignItem | undefined> };
  /** One page of a lead-listing partition, each lead with its score; no cursor back when the partition ended. */
  readonly leads: { leadsPage(limit: number, cursor: LeadCursor, options: { withinShard: true }): Promise<{ leads: Lead[]; cursor?: LeadCursor }> };
  readonly audience: { select(rule: SegmentRule, candidates: readonly Lead[], now: string): Promise<Lead[]> };
  readonly plans: CampaignPlanPages;
  readonly publisher: EventPublisher;
  readonly log: Log;
}

/**
 * Plans a sending campaign's recipients page by page: each page of one lead-listing partition, its
 * subscribers to the campaign's type who are in its audience, fanned out to the senders, and the
 * partition's next page requested.
 */
export class CampaignPagePlanner {
  constructor(private readonly deps: CampaignPagePlannerDependencies) {}

  /**
   * Plans one page. The page is kept as first chosen (its recipients, how many the plan counts, where
   * the next page starts) before it is counted and published, and a retry publishes the kept page
   * instead of choosing again: leads joining, leaving or shifting the listing between the tries would
   * otherwise leave the plan counting other recipients than it published, and the campaign would
   * never reach `sent` (a recipient counted, never sent) or reach it early.
   */
  async planPage(detail: CampaignSendRequestedDetail): Promise<void> {
    const { campaigns, plans, publisher, log } = this.deps;
    const campaign = await campaigns.getItem(detail.campaignId);
    if (!campaign) throw new Error(`Campaign ${detail.campaignId} not found`);
    if (campaign.status !== 'sending') return;
    const { round } = detail;
    const pageId = `${round ? `r${round.number}-` : ''}s${detail.shard}-p${detail.page}`;
    const kept = await plans.keepPage(campaign.id, pageId, await this.choose(campaign, detail));
    if (kept === 'finished') {
      log.info('Campaign page planned before; nothing to do', { campaignId: campaign.id, shard: detail.shard, page: detail.page });
      return;
    }
    const envelope = { version: 1 as const, correlationId: detail.correlationId, campaignId: campaign.id };
    await publishFanOutPage({
      publisher,
      selected: kept.leadIds,
      chunkSize: RECIPIENTS_PER_MESSAGE,
      record: () => plans.recordPlannedPage(campaign.id, pageId, kept.counted, kept.next ? undefined : detail.shard, round?.number),
      chunk: (leadIds) => ({ detailType: DetailType.CampaignRecipientsPlanned, detail: { ...envelope, leadIds } }),
      ...(kept.next ? { next: { detailType: DetailType.CampaignSendRequested, detail: { ...envelope, shard: detail.shard, page: detail.page + 1, cursor: kept.next, ...(round ? { round } : {}) } } } : {}),
    });
    await plans.finishPage(campaign.id, pageId);
    log.info('Campaign page planned', { campaignId: campaign.id, shard: detail.shard, page: detail.page, recipients: kept.leadIds.length, ...(round ? { round: round.number, counted: kept.counted } : {}), last: !kept.next });
  }

  /** The page's recipients as the listing and the audience hold them now, and how many of them the plan counts. */
  private async choose(campaign: CampaignItem, detail: CampaignSendRequestedDetail): Promise<KeptPage> {
    const { leads, audience, plans } = this.deps;
    const page = await leads.leadsPage(LEADS_PER_PAGE, detail.cursor ? decodeCursor(detail.cursor) : { shard: detail.shard }, { withinShard: true });
    const subscribers = page.leads.filter((lead) => isSubscriber(campaign.subscription, lead));
    const leadIds = (await audience.select(campaign.audience, subscribers, new Date().toISOString())).map((lead) => lead.id);
    // A later round plans every lead again; those with an outcome from before it are counted already.
    const counted = detail.round ? (await plans.recipientsWithoutOutcome(campaign.id, leadIds, detail.round.startedAt)).length : leadIds.length;
    return { leadIds, counted, ...(page.cursor ? { next: encodeCursor(page.cursor) } : {}) };
  }
}
