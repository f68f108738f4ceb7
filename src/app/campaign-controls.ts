import { planningRequests } from './campaign-planning';
import { existingCampaign, type CampaignRecords } from './campaigns';
import type { EventPublisher, Log } from './ports';
import { accountedFor, CAMPAIGN_CONTROLS, effectiveStatus, type Campaign, type CampaignControl, type PlanRound } from '../domain/campaigns/campaign';
import { resolveSchedule, ScheduleError, type CampaignSchedule, type ScheduleRequest } from '../domain/campaigns/schedule';
import { Conflict, describeError, InvalidInput, Unavailable } from '../domain/errors';
import { DetailType } from '../domain/events';

/** One timed trigger per scheduled campaign, which starts its send at its time. */
export interface SendTriggers {
  /** Creates the campaign's trigger, or moves it to the new time when it exists. */
  schedule(campaignId: string, schedule: CampaignSchedule): Promise<void>;
  /** Deletes the campaign's trigger; one already gone is fine. */
  unschedule(campaignId: string): Promise<void>;
}

/** A campaign's plan in rounds: a resume starts the next (see CampaignPlans.startPlanRound). */
export interface PlanRounds {
  /** Starts the next round: the recipients become the `accounted` ones, and the round plans every lead again. */
  startPlanRound(id: string, accounted: number, at: string): Promise<PlanRound>;
}

export interface CampaignControlsDependencies {
  readonly campaigns: CampaignRecords;
  readonly plans: PlanRounds;
  readonly publisher: EventPublisher;
  readonly triggers: SendTriggers;
  readonly log: Log;
}

/** A test send: to named addresses, personalised with one lead's data when a lead is named. */
export interface TestSendRequest {
  readonly to: string[];
  readonly leadId?: string;
}

/**
 * Campaigns set in motion: test sends, sending now or at a time, pause, resume and cancel. Each hands
 * work to the bus (planning, test sends) or to EventBridge Scheduler (the send's time).
 */
export class CampaignControls {
  constructor(private readonly deps: CampaignControlsDependencies) {}

  /** A test send to named addresses: not recorded as sends, not tracked, no working unsubscribe link. */
  async sendTest(campaignId: string, request: TestSendRequest) {
    await existingCampaign(this.deps.campaigns, campaignId);
    await this.deps.publisher.publish([{ detailType: DetailType.CampaignTestRequested, detail: { version: 1, correlationId: campaignId, campaignId, ...request } }]);
    return { campaignId, to: request.to };
  }

  /** Starts the send: recipients are planned page by page and every one is checked again at send time. */
  async send(campaignId: string) {
    const campaign = await existingCampaign(this.deps.campaigns, campaignId);
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

  /**
   * Resuming plans every lead again, in a new round of the plan: senders dropped the batches that
   * reached them while it was paused, and every send is recorded, so nobody gets it twice. The round
   * keeps the recipients that have an outcome and adds those that have none, so the count stays
   * exact however leads added or erased meanwhile moved the pages. If the bus refuses the round's
   * start, the campaign is paused again, so that repeating the request resumes it.
   */
  async resume(campaignId: string) {
    // Read once: the move refuses a campaign not paused, and the round keeps its recipients with an outcome.
    const campaign = await existingCampaign(this.deps.campaigns, campaignId);
    const resumed = await this.control(campaignId, 'resume', campaign);
    const round = await this.deps.plans.startPlanRound(campaignId, accountedFor(campaign), new Date().toISOString());
    try {
      await this.deps.publisher.publish(planningRequests(campaignId, round));
    } catch (error) {
      this.deps.log.error('Campaign planning not resumed', { campaignId, error: describeError(error) });
      await this.deps.campaigns.setStatus(campaignId, ['sending'], 'paused');
      throw new Unavailable(`Campaign ${campaignId} could not resume now (its planning did not start) and is paused again; repeat the request`, 2);
    }
    this.deps.log.info('Campaign plan round started', { campaignId, round: round.number });
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
    const campaign = await existingCampaign(this.deps.campaigns, campaignId);
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
    const campaign = await existingCampaign(this.deps.campaigns, campaignId);
    if (campaign.status !== 'scheduled') throw new Conflict(`Campaign ${campaignId} is ${effectiveStatus(campaign)}; unschedule needs it scheduled`);
    await this.withTriggers(campaignId, 'delete the schedule of', () => this.deps.triggers.unschedule(campaignId));
    if (!(await this.deps.campaigns.unschedule(campaignId))) throw await this.statusConflict(campaignId, 'unschedule needs it scheduled');
    this.deps.log.info('Campaign unscheduled', { campaignId });
    return { campaignId, status: 'draft' as const };
  }


  /** A Conflict naming the status the campaign has now, after a conditional write found it changed. */
  private async statusConflict(campaignId: string, needs: string): Promise<Conflict> {
    const current = await this.deps.campaigns.get(campaignId);
    return new Conflict(`Campaign ${campaignId} is ${current ? effectiveStatus(current) : 'gone'}; ${needs}`);
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
  private async control(campaignId: string, action: CampaignControl, read?: Campaign) {
    const campaign = read ?? (await existingCampaign(this.deps.campaigns, campaignId));
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
