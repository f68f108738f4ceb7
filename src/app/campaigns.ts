import { randomUUID } from 'node:crypto';
import type { AudiencePreview } from './audience';
import type { LeadReader, Log, SubscriptionCatalogueReader } from './ports';
import { resolveCampaignTemplate } from './template-resolver';
import { effectiveStatus, notSubscribedBecause, type Campaign, type CampaignDefinition, type CampaignStatus, type ResolvedCampaignDefinition } from '../domain/campaigns/campaign';
import { withSubscriberFooter } from '../domain/campaigns/footer';
import type { CampaignSchedule } from '../domain/campaigns/schedule';
import { renderTemplate } from '../domain/campaigns/template';
import { campaignRates, TRACKED_METRICS } from '../domain/campaigns/tracking';
import { InvalidInput, NotFound } from '../domain/errors';
import type { Lead } from '../domain/lead';
import type { SegmentRule } from '../domain/segments/segment';
import { subscriptionTypeIssue, type SubscriptionType } from '../domain/subscriptions';

/** The stored campaigns; each status change is conditional on the status it moves from (false when it was not). */
export interface CampaignRecords {
  get(id: string): Promise<Campaign | undefined>;
  create(id: string, definition: Omit<ResolvedCampaignDefinition, 'segmentId'>, audience: Pick<Campaign, 'audience' | 'segmentRef'>, at: string): Promise<Campaign>;
  startSending(id: string, at: string): Promise<'started' | 'not-a-draft'>;
  setStatus(id: string, from: readonly CampaignStatus[], to: CampaignStatus): Promise<boolean>;
  markPlanningRequested(id: string): Promise<void>;
  /** Sets the schedule of a draft or scheduled campaign. */
  schedule(id: string, schedule: CampaignSchedule): Promise<boolean>;
  /** Makes a scheduled campaign a draft again. */
  unschedule(id: string): Promise<boolean>;
}

/** A saved segment at its current version: a campaign built from it keeps its rule and version. */
export interface SavedSegments {
  get(id: string): Promise<(SegmentRule & { readonly id: string; readonly version: number; readonly name: string }) | undefined>;
}

/** Who is in a segment: a count and a sample of all leads, or whether one lead is. */
export interface AudienceQuery {
  preview(rule: SegmentRule, options: { subscription?: SubscriptionType; sampleSize: number; maxLeads: number; deadline: number; now: string }): Promise<AudiencePreview>;
  includes(rule: SegmentRule, lead: Lead, now: string): Promise<boolean>;
}

export interface CampaignsDependencies {
  readonly campaigns: CampaignRecords;
  readonly segments: SavedSegments;
  readonly templates: Parameters<typeof resolveCampaignTemplate>[1];
  readonly leads: LeadReader;
  readonly audience: AudienceQuery;
  readonly subscriptionTypes: SubscriptionCatalogueReader;
  readonly log: Log;
}

const REPORTED = ['sent', 'skipped', 'interrupted', ...TRACKED_METRICS, 'unsubscribed'] as const;

const SAMPLE_SIZE = 10;
/** A preview's footer links lead nowhere: each recipient gets its own signed links at send time. */
const PREVIEW_LINK = 'https://preview.invalid/link-added-at-send-time';
/** The audience count stops here, or a few seconds before the function's time limit, so a preview always answers. */
const PREVIEW_LEAD_LIMIT = 20_000;
const PREVIEW_SECONDS = 7;

/** The campaign, or NotFound. */
export async function existingCampaign(campaigns: Pick<CampaignRecords, 'get'>, campaignId: string): Promise<Campaign> {
  const campaign = await campaigns.get(campaignId);
  if (!campaign) throw new NotFound(`No campaign ${campaignId}`);
  return campaign;
}

/**
 * Creating, reading, reporting and previewing email campaigns. Sending, scheduling and controlling
 * them is CampaignControls' (campaign-controls.ts): each runs in a function of its own.
 */
export class Campaigns {
  constructor(private readonly deps: CampaignsDependencies) {}

  /** A draft, with its template resolved and its audience fixed now (a named segment at its current version). */
  async create(definition: CampaignDefinition): Promise<Campaign> {
    const issue = subscriptionTypeIssue(await this.deps.subscriptionTypes([definition.subscription]), definition.subscription, 'subscription');
    if (issue) throw InvalidInput.field(issue.field, issue.message);
    const { segmentId: _segmentId, ...content } = await resolveCampaignTemplate(definition, this.deps.templates);
    const campaign = await this.deps.campaigns.create(randomUUID(), content, await this.audienceOf(definition), new Date().toISOString());
    this.deps.log.info('Campaign created', { campaignId: campaign.id, subscription: campaign.subscription });
    return campaign;
  }

  /**
   * A page of campaigns as listed; a sending one is read whole, since whether it has been sent
   * follows from its counts (`effectiveStatus`), which the listing does not hold.
   */
  async list<Listed extends Pick<Campaign, 'id' | 'status'>>(page: { readonly items: readonly Listed[]; readonly nextCursor?: string }) {
    const items = await Promise.all(page.items.map(async (item) => (item.status === 'sending' ? { ...item, status: (await this.get(item.id)).status } : item)));
    return { items, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
  }

  async get(campaignId: string): Promise<Campaign> {
    const campaign = await this.existing(campaignId);
    return { ...campaign, status: effectiveStatus(campaign) };
  }

  /** The counters and the rates computed from them. */
  async report(campaignId: string) {
    const campaign = await this.existing(campaignId);
    const counts = Object.fromEntries(REPORTED.map((metric) => [metric, campaign[metric] ?? 0]));
    return { campaignId, name: campaign.name, status: effectiveStatus(campaign), recipients: campaign.recipients, planned: campaign.planned, ...counts, skippedByReason: campaign.skippedByReason ?? {}, ...campaignRates(counts) };
  }

  /** Who would get it (a count and a sample) and, for a named lead, what it would see and whether it would receive it, before anything is sent. */
  async preview(campaignId: string, leadId: string | undefined) {
    const campaign = await this.existing(campaignId);
    const lead = leadId ? await this.deps.leads.getLead(leadId) : undefined;
    if (leadId && !lead) throw new NotFound(`No lead with id ${leadId}`);
    const now = new Date().toISOString();
    const preview = await this.deps.audience.preview(campaign.audience, { subscription: campaign.subscription, sampleSize: SAMPLE_SIZE, maxLeads: PREVIEW_LEAD_LIMIT, deadline: Date.now() + PREVIEW_SECONDS * 1000, now });
    if (!lead) return { campaignId, audience: preview };
    const rendered = withSubscriberFooter(renderTemplate(campaign.template, { lead }), { subscription: campaign.subscription, unsubscribeUrl: PREVIEW_LINK, preferencesUrl: PREVIEW_LINK }, await this.deps.subscriptionTypes());
    const reason = notSubscribedBecause(campaign.subscription, lead) ?? ((await this.deps.audience.includes(campaign.audience, lead, now)) ? undefined : 'outside_audience');
    return { campaignId, audience: preview, rendered, wouldReceive: !reason, ...(reason ? { wouldNotReceiveBecause: reason } : {}) };
  }

  private existing(campaignId: string): Promise<Campaign> {
    return existingCampaign(this.deps.campaigns, campaignId);
  }

  /** Who a new campaign goes to: its inline condition, or the saved segment it names at its current version. */
  private async audienceOf(definition: CampaignDefinition): Promise<Pick<Campaign, 'audience' | 'segmentRef'>> {
    if (!definition.segmentId) return { audience: definition.segment ? { where: definition.segment } : {} };
    const segment = await this.deps.segments.get(definition.segmentId);
    if (!segment) throw new InvalidInput('Invalid request: segmentId names no segment', [{ field: 'segmentId', message: `no segment ${definition.segmentId}` }]);
    return {
      audience: { ...(segment.where ? { where: segment.where } : {}), ...(segment.history ? { history: segment.history } : {}) },
      segmentRef: { segmentId: segment.id, version: segment.version, name: segment.name },
    };
  }
}
