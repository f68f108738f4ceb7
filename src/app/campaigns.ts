import { randomUUID } from 'node:crypto';
import type { AudiencePreview } from './audience';
import { planningRequests } from './campaign-planning';
import type { EventPublisher, LeadReader, Log, SubscriptionCatalogueReader } from './ports';
import { resolveCampaignTemplate } from './template-resolver';
import { CAMPAIGN_CONTROLS, effectiveStatus, isSubscriber, type Campaign, type CampaignControl, type CampaignDefinition, type CampaignStatus, type ResolvedCampaignDefinition } from '../domain/campaigns/campaign';
import { withSubscriberFooter } from '../domain/campaigns/footer';
import { resolveSchedule, ScheduleError, type CampaignSchedule, type ScheduleRequest } from '../domain/campaigns/schedule';
import { renderTemplate } from '../domain/campaigns/template';
import { campaignRates, TRACKED_METRICS } from '../domain/campaigns/tracking';
import { Conflict, describeError, InvalidInput, NotFound, Unavailable } from '../domain/errors';
import { DetailType } from '../domain/events';
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

/** One timed trigger per scheduled campaign, which starts its send at its time. */
export interface SendTriggers {
  /** Creates the campaign's trigger, or moves it to the new time when it exists. */
  schedule(campaignId: string, schedule: CampaignSchedule): Promise<void>;
  /** Deletes the campaign's trigger; one already gone is fine. */
  unschedule(campaignId: string): Promise<void>;
}

export interface CampaignsDependencies {
  readonly campaigns: CampaignRecords;
  readonly segments: SavedSegments;
  readonly templates: Parameters<typeof resolveCampaignTemplate>[1];
  readonly leads: LeadReader;
  readonly audience: AudienceQuery;
  readonly publisher: EventPublisher;
  readonly triggers: SendTriggers;
  readonly subscriptionTypes: SubscriptionCatalogueReader;
  readonly log: Log;
}

/** A test send: to named addresses, personalised with one lead's data when a lead is named. */
export interface TestSendRequest {
  readonly to: string[];
  readonly leadId?: string;
}

const REPORTED = ['sent', 'skipped', 'interrupted', ...TRACKED_METRICS, 'unsubscribed'] as const;

const SAMPLE_SIZE = 10;
/** A preview's footer links lead nowhere: each recipient gets its own signed links at send time. */
const PREVIEW_LINK = 'https://preview.invalid/link-added-at-send-time';
/** The audience count stops here, or a few seconds before the function's time limit, so a preview always answers. */
const PREVIEW_LEAD_LIMIT = 20_000;
const PREVIEW_SECONDS = 7;

/** Creating, previewing, sending, scheduling and controlling email campaigns. */
export class Campaigns {
  constructor(private readonly deps: CampaignsDependencies) {}

  /** A draft, with its template resolved and its audience fixed now (a named segment at its current version). */
  async create(definition: CampaignDefinition): Promise<Campaign> {
    const issue = subscriptionTypeIssue(await this.deps.subscriptionTypes(), definition.subscription, 'subscription');
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
    const wouldReceive = isSubscriber(campaign.subscription, lead) && (await this.deps.audience.includes(campaign.audience, lead, now));
    return { campaignId, audience: preview, rendered, wouldReceive };
  }

  /** A test send to named addresses: not recorded as sends, not tracked, no working unsubscribe link. */
  async sendTest(campaignId: string, request: TestSendRequest) {
    await this.existing(campaignId);
    await this.deps.publisher.publish([{ detailType: DetailType.CampaignTestRequested, detail: { version: 1, correlationId: campaignId, campaignId, ...request } }]);
    return { campaignId, to: request.to };
  }

  /** Starts the send: recipients are planned page by page and every one is checked again at send time. */
  async send(campaignId: string) {
    const campaign = await this.existing(campaignId);
    const started = await this.deps.campaigns.startSending(campaignId, new Date().toISOString());
    // A campaign already sending whose planning request never reached the bus is started again.
    if (started === 'not-a-draft' && !(campaign.status === 'sending' && !campaign.planningRequested)) {
      throw new Conflict(`Campaign ${campaignId} is ${campaign.status}, not a draft`);
    }
    await this.startPlanning(campaignId);
    this.deps.log.info('Campaign send started', { campaignId });
    return { campaignId, status: 'sending' as const, progress: `/v1/admin/campaigns/${campaignId}` };
  }

  pause(campaignId: string) {
    return this.control(campaignId, 'pause');
  }

  /** Resuming plans again from the start: pages count once and every send is recorded, so nobody gets it twice. */
  async resume(campaignId: string) {
    const resumed = await this.control(campaignId, 'resume');
    await this.startPlanning(campaignId);
    return resumed;
  }

  /** A scheduled campaign's trigger goes first, so a failure leaves it scheduled and the request can be repeated. */
  async cancel(campaignId: string) {
    const campaign = await this.deps.campaigns.get(campaignId);
    if (campaign?.status === 'scheduled') await this.withTriggers(campaignId, 'delete the schedule of', () => this.deps.triggers.unschedule(campaignId));
    return this.control(campaignId, 'cancel');
  }

  /** Sends a draft at a wall-clock time in a zone; on a scheduled campaign, moves it to the new time. */
  async schedule(campaignId: string, request: ScheduleRequest) {
    const schedule = scheduleAt(request);
    const campaign = await this.existing(campaignId);
    if (campaign.status !== 'draft' && campaign.status !== 'scheduled') throw new Conflict(`Campaign ${campaignId} is ${effectiveStatus(campaign)}; schedule needs it draft or scheduled`);
    await this.withTriggers(campaignId, 'schedule', () => this.deps.triggers.schedule(campaignId, schedule));
    if (!(await this.deps.campaigns.schedule(campaignId, schedule))) {
      // It started sending or was cancelled meanwhile: the new trigger would fire into nothing, so it goes.
      await this.deps.triggers.unschedule(campaignId).catch((error: unknown) => this.deps.log.warn('Stale schedule not deleted', { campaignId, error: describeError(error) }));
      throw await this.statusConflict(campaignId, 'schedule needs it draft or scheduled');
    }
    this.deps.log.info('Campaign scheduled', { campaignId, sendsAtUtc: schedule.sendsAtUtc });
    return { campaignId, status: 'scheduled' as const, schedule };
  }

  /** A scheduled campaign becomes a draft again; its trigger goes first. */
  async unschedule(campaignId: string) {
    const campaign = await this.existing(campaignId);
    if (campaign.status !== 'scheduled') throw new Conflict(`Campaign ${campaignId} is ${effectiveStatus(campaign)}; unschedule needs it scheduled`);
    await this.withTriggers(campaignId, 'delete the schedule of', () => this.deps.triggers.unschedule(campaignId));
    if (!(await this.deps.campaigns.unschedule(campaignId))) throw await this.statusConflict(campaignId, 'unschedule needs it scheduled');
    this.deps.log.info('Campaign unscheduled', { campaignId });
    return { campaignId, status: 'draft' as const };
  }

  private async existing(campaignId: string): Promise<Campaign> {
    const campaign = await this.deps.campaigns.get(campaignId);
    if (!campaign) throw new NotFound(`No campaign ${campaignId}`);
    return campaign;
  }

  /** A Conflict naming the status the campaign has now, after a conditional write found it changed. */
  private async statusConflict(campaignId: string, needs: string): Promise<Conflict> {
    const current = await this.deps.campaigns.get(campaignId);
    return new Conflict(`Campaign ${campaignId} is ${current ? effectiveStatus(current) : 'gone'}; ${needs}`);
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

  /** Hands the planning of a sending campaign to the bus, from its first page. */
  private async startPlanning(campaignId: string) {
    try {
      await this.deps.publisher.publish(planningRequests(campaignId));
    } catch (error) {
      this.deps.log.error('Campaign planning not started', { campaignId, error: describeError(error) });
      throw new Unavailable(`Campaign ${campaignId} is sending but planning has not started; repeat the request to start it`, 2);
    }
    await this.deps.campaigns.markPlanningRequested(campaignId);
  }

  /** A call to the triggers that failed: the caller repeats the request; nothing changed. */
  private async withTriggers(campaignId: string, doing: string, call: () => Promise<void>) {
    try {
      await call();
    } catch (error) {
      this.deps.log.error('Scheduler call failed', { campaignId, doing, error: describeError(error) });
      throw new Unavailable(`Could not ${doing} campaign ${campaignId} now; nothing changed, repeat the request`, 5);
    }
  }

  /** Pause, resume or cancel: takes effect at the senders' next batch. */
  private async control(campaignId: string, action: CampaignControl) {
    const campaign = await this.existing(campaignId);
    const { from, to } = CAMPAIGN_CONTROLS[action];
    if (!(await this.deps.campaigns.setStatus(campaignId, from, to))) throw new Conflict(`Campaign ${campaignId} is ${effectiveStatus(campaign)}; ${action} needs it ${from.join(' or ')}`);
    this.deps.log.info('Campaign control', { campaignId, action });
    return { campaignId, status: to };
  }
}

/** The schedule a request asks for, or InvalidInput naming the field at fault (a zone, a time in a DST gap, past, too far). */
function scheduleAt(request: ScheduleRequest): CampaignSchedule {
  try {
    return resolveSchedule(request, new Date());
  } catch (error) {
    if (!(error instanceof ScheduleError)) throw error;
    throw InvalidInput.field(error.field, error.message);
  }
}
