import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryLog, PartlyFailingBus } from './in-memory';
import { CampaignPagePlanner, type CampaignPlanPages } from '../../src/app/campaign-planning';
import type { PlannedPageRecord } from '../../src/app/lead-fan-out';
import type { CampaignItem } from '../../src/domain/campaigns/campaign';
import { DetailType, type CampaignSendRequestedDetail } from '../../src/domain/events';
import type { Lead } from '../../src/domain/lead';
import { decodeCursor, type KeptPage, type LeadCursor } from '../../src/domain/lead-listing';

const campaign = { id: 'c-1', name: 'Webinar', subscription: 'events', status: 'sending', audience: { lead: { industry: ['SaaS'] } }, createdAt: '2026-12-01T00:00:00Z' } as unknown as CampaignItem;
const subscriber = (id: string): Lead => ({ id, email: `${id}@example.com`, subscriptions: { events: 'opted_in' }, version: 1 }) as unknown as Lead;
const firstPage: CampaignSendRequestedDetail = { version: 1, correlationId: 'c-1', campaignId: 'c-1', shard: 3, page: 0 };

/** The plan's pages and counts as the table keeps them: a page kept once, counted once, finished once. */
class MemoryPlanPages implements CampaignPlanPages {
  readonly kept = new Map<string, KeptPage | 'finished'>();
  readonly counted = new Map<string, number>();
  async keepPage(_campaignId: string, pageId: string, page: KeptPage): Promise<KeptPage | 'finished'> {
    const earlier = this.kept.get(pageId);
    if (earlier) return earlier;
    this.kept.set(pageId, page);
    return page;
  }
  async recordPlannedPage(_campaignId: string, pageId: string, recipients: number): Promise<PlannedPageRecord> {
    if (this.counted.has(pageId)) return 'already-recorded';
    this.counted.set(pageId, recipients);
    return 'recorded';
  }
  async recipientsWithoutOutcome(_campaignId: string, leadIds: readonly string[]): Promise<string[]> {
    return [...leadIds];
  }
  async finishPage(_campaignId: string, pageId: string): Promise<void> {
    this.kept.set(pageId, 'finished');
  }
}

let listing: Lead[];
let cursorAfter: string;
let plans: MemoryPlanPages;
let bus: PartlyFailingBus;
let planner: CampaignPagePlanner;

beforeEach(() => {
  // 60 opted-in leads on the page: three messages of 25, 25 and 10, then the next page's request.
  listing = Array.from({ length: 60 }, (_, index) => subscriber(`lead-${String(index).padStart(2, '0')}`));
  cursorAfter = 'lead-59';
  plans = new MemoryPlanPages();
  bus = new PartlyFailingBus();
  planner = new CampaignPagePlanner({
    campaigns: { getItem: async (id) => (id === campaign.id ? campaign : undefined) },
    leads: { leadsPage: async (_limit: number, cursor: LeadCursor) => ({ leads: [...listing], cursor: { shard: cursor.shard, startKey: { pk: `LEAD#${cursorAfter}` } } }) },
    audience: { select: async (_rule, candidates) => [...candidates] },
    plans,
    publisher: bus,
    log: new MemoryLog(),
  });
});

describe("a page of a campaign's plan", () => {
  it('publishes what it counted after a publish cut off part-way, though the listing changed before the retry', async () => {
    bus.failAfter = 1;
    await expect(planner.planPage(firstPage)).rejects.toThrow('PutEvents failed');
    expect(bus.of(DetailType.CampaignRecipientsPlanned).flatMap((detail) => detail.leadIds)).toHaveLength(25);

    // Before the retry, a lead of the page is erased (or unsubscribed) and a new one lands in the page.
    listing = [...listing.filter((lead) => lead.id !== 'lead-40'), subscriber('lead-40a')];
    cursorAfter = 'lead-40a';
    bus.failAfter = undefined;
    await planner.planPage(firstPage);

    const published = new Set(bus.of(DetailType.CampaignRecipientsPlanned).flatMap((detail) => detail.leadIds));
    expect(plans.counted.get('s3-p0')).toBe(60);
    // Every recipient counted is published, and nobody else: the first attempt's choice, not the listing of the retry.
    expect(published).toEqual(new Set(Array.from({ length: 60 }, (_, index) => `lead-${String(index).padStart(2, '0')}`)));
    // The next page starts where the counted page ended, so no lead falls between the two pages or is in both.
    expect(bus.of(DetailType.CampaignSendRequested)).toEqual([{ version: 1, correlationId: 'c-1', campaignId: 'c-1', shard: 3, page: 1, cursor: expect.any(String) }]);
    expect(decodeCursor(String(bus.of(DetailType.CampaignSendRequested)[0]?.cursor))).toEqual({ shard: 3, startKey: { pk: 'LEAD#lead-59' } });
    expect(plans.kept.get('s3-p0')).toBe('finished');
  });

  it('does nothing when its request comes again after the page was published', async () => {
    await planner.planPage(firstPage);
    const published = bus.events.length;
    listing = [...listing, subscriber('lead-60')];
    await planner.planPage(firstPage);
    expect(bus.events).toHaveLength(published);
    expect(plans.counted.get('s3-p0')).toBe(60);
  });

  it('publishes nothing for a campaign no longer sending', async () => {
    planner = new CampaignPagePlanner({
      campaigns: { getItem: async () => ({ ...campaign, status: 'paused' }) },
      leads: { leadsPage: async () => ({ leads: listing }) },
      audience: { select: async (_rule, candidates) => [...candidates] },
      plans,
      publisher: bus,
      log: new MemoryLog(),
    });
    await planner.planPage(firstPage);
    expect(bus.events).toEqual([]);
    expect(plans.kept.size).toBe(0);
  });
});
