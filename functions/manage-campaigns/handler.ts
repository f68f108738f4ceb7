import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { documentClient, eventBridgeClient } from '../../src/adapters/clients';
import { EventBridgeCampaignScheduler, oneTimeSchedules } from '../../src/adapters/scheduler';
import { CampaignStore } from '../../src/adapters/campaign-store';
import { LeadEventStore } from '../../src/adapters/lead-events';
import { LeadListing } from '../../src/adapters/lead-listing';
import { LeadStore } from '../../src/adapters/lead-store';
import { RulesetStore } from '../../src/adapters/ruleset-store';
import { SegmentStore } from '../../src/adapters/segment-store';
import { Audience } from '../../src/app/audience';
import { planningRequests } from '../../src/app/campaign-planning';
import { TemplateStore } from '../../src/adapters/template-store';
import { EventBridgePublisher } from '../../src/adapters/event-publisher';
import { describeError } from '../../src/domain/errors';
import { positiveInteger, readConfig, setting } from '../../src/config';
import { CAMPAIGN_CONTROLS, effectiveStatus, isSubscriber, type Campaign, type CampaignControl, type CampaignDefinition } from '../../src/domain/campaigns/campaign';
import { withSubscriberFooter } from '../../src/domain/campaigns/footer';
import { resolveSchedule, ScheduleError, type CampaignSchedule, type ScheduleRequest } from '../../src/domain/campaigns/schedule';
import { renderTemplate } from '../../src/domain/campaigns/template';
import { campaignRates, TRACKED_METRICS } from '../../src/domain/campaigns/tracking';
import { DetailType } from '../../src/domain/events';
import { HttpError } from '../../src/http/errors';
import { json } from '../../src/http/middleware';
import { routesHandler } from '../../src/http/routes';
import { resolveCampaignTemplate } from '../../src/app/template-resolver';
import { manageCampaignsRoutes } from './routes';

const config = readConfig({
  TABLE_NAME: setting,
  EVENT_BUS_NAME: setting,
  MAX_BODY_BYTES: positiveInteger,
});
const logger = new Logger();
const campaigns = new CampaignStore(documentClient(), config.TABLE_NAME);
const leads = new LeadStore(documentClient(), config.TABLE_NAME);
const segments = new SegmentStore(documentClient(), config.TABLE_NAME);
const audience = new Audience(new LeadListing(documentClient(), config.TABLE_NAME), new LeadEventStore(documentClient(), config.TABLE_NAME), new RulesetStore(documentClient(), config.TABLE_NAME));
const templates = new TemplateStore(documentClient(), config.TABLE_NAME);
const publisher = new EventBridgePublisher(eventBridgeClient(), config.EVENT_BUS_NAME);
const scheduler = new EventBridgeCampaignScheduler(
  oneTimeSchedules(),
);

const REPORTED = ['sent', 'skipped', 'interrupted', ...TRACKED_METRICS, 'unsubscribed'] as const;

const SAMPLE_SIZE = 10;
/** A preview's footer links lead nowhere: each recipient gets its own signed links at send time. */
const PREVIEW_LINK = 'https://preview.invalid/link-added-at-send-time';
/** The audience count stops here, or a few seconds before the function's time limit, so a preview always answers. */
const PREVIEW_LEAD_LIMIT = 20_000;
const PREVIEW_SECONDS = 7;

/** Who a new campaign goes to: its inline condition, or the saved segment it names at its current version. */
async function audienceOf(definition: CampaignDefinition): Promise<Pick<Campaign, 'audience' | 'segmentRef'>> {
  if (!definition.segmentId) return { audience: definition.segment ? { where: definition.segment } : {} };
  const segment = await segments.get(definition.segmentId);
  if (!segment) throw new HttpError(400, `Invalid request: segmentId names no segment`, [{ field: 'segmentId', message: `no segment ${definition.segmentId}` }]);
  return {
    audience: { ...(segment.where ? { where: segment.where } : {}), ...(segment.history ? { history: segment.history } : {}) },
    segmentRef: { segmentId: segment.id, version: segment.version, name: segment.name },
  };
}

/** Hands the planning of a sending campaign to the bus, from its first page. */
async function startPlanning(campaignId: string) {
  try {
    await publisher.publish(planningRequests(campaignId));
  } catch (error) {
    logger.error('Campaign planning not started', { campaignId, error: describeError(error) });
    throw new HttpError(503, `Campaign ${campaignId} is sending but planning has not started; repeat the request to start it`, undefined, { 'retry-after': '2' });
  }
  await campaigns.markPlanningRequested(campaignId);
}

/** A call to EventBridge Scheduler that failed: the caller repeats the request; nothing changed. */
async function withScheduler(campaignId: string, doing: string, call: () => Promise<void>) {
  try {
    await call();
  } catch (error) {
    logger.error('Scheduler call failed', { campaignId, doing, error: describeError(error) });
    throw new HttpError(503, `Could not ${doing} campaign ${campaignId} now; nothing changed, repeat the request`, undefined, { 'retry-after': '5' });
  }
}

/** The schedule a request asks for, or a 400 naming the field at fault (a zone, a time in a DST gap, past, too far). */
function scheduleAt(request: ScheduleRequest): CampaignSchedule {
  try {
    return resolveSchedule(request, new Date());
  } catch (error) {
    if (!(error instanceof ScheduleError)) throw error;
    throw new HttpError(400, `Invalid request: ${error.field} ${error.message}`, [{ field: error.field, message: error.message }]);
  }
}

/** Pause, resume or cancel: takes effect at the senders' next batch. */
async function control(campaignId: string, action: CampaignControl) {
  const campaign = await campaigns.get(campaignId);
  if (!campaign) throw new HttpError(404, `No campaign ${campaignId}`);
  const { from, to } = CAMPAIGN_CONTROLS[action];
  if (!(await campaigns.setStatus(campaignId, from, to))) throw new HttpError(409, `Campaign ${campaignId} is ${effectiveStatus(campaign)}; ${action} needs it ${from.join(' or ')}`);
  logger.info('Campaign control', { campaignId, action });
  return json(200, { campaignId, status: to });
}

export const handler = routesHandler({ logger, maxBodyBytes: config.MAX_BODY_BYTES }, manageCampaignsRoutes, {
  createCampaign: async ({ body: definition }) => {
    const { segmentId: _segmentId, ...content } = await resolveCampaignTemplate(definition, templates);
    const campaign = await campaigns.create(randomUUID(), content, await audienceOf(definition), new Date().toISOString());
    logger.info('Campaign created', { campaignId: campaign.id, subscription: campaign.subscription });
    return json(201, campaign);
  },

  getCampaign: async ({ params: { campaignId } }) => {
    const campaign = await campaigns.get(campaignId);
    if (!campaign) throw new HttpError(404, `No campaign ${campaignId}`);
    return json(200, { ...campaign, status: effectiveStatus(campaign) });
  },

  getCampaignReport: async ({ params: { campaignId } }) => {
    const campaign = await campaigns.get(campaignId);
    if (!campaign) throw new HttpError(404, `No campaign ${campaignId}`);
    const counts = Object.fromEntries(REPORTED.map((metric) => [metric, campaign[metric] ?? 0]));
    return json(200, { campaignId, name: campaign.name, status: effectiveStatus(campaign), recipients: campaign.recipients, planned: campaign.planned, ...counts, ...campaignRates(counts) });
  },

  // Who would get it (a count and a sample) and what one lead would see, before anything is sent.
  previewCampaign: async ({ params: { campaignId }, query: { leadId } }) => {
    const campaign = await campaigns.get(campaignId);
    if (!campaign) throw new HttpError(404, `No campaign ${campaignId}`);
    const lead = leadId ? await leads.getLead(leadId) : undefined;
    if (leadId && !lead) throw new HttpError(404, `No lead with id ${leadId}`);
    const now = new Date().toISOString();
    const preview = await audience.preview(campaign.audience, { subscription: campaign.subscription, sampleSize: SAMPLE_SIZE, maxLeads: PREVIEW_LEAD_LIMIT, deadline: Date.now() + PREVIEW_SECONDS * 1000, now });
    if (!lead) return json(200, { campaignId, audience: preview });
    const rendered = withSubscriberFooter(renderTemplate(campaign.template, { lead }), { subscription: campaign.subscription, unsubscribeUrl: PREVIEW_LINK, preferencesUrl: PREVIEW_LINK });
    const wouldReceive = isSubscriber(campaign.subscription, lead) && (await audience.includes(campaign.audience, lead, now));
    return json(200, { campaignId, audience: preview, rendered, wouldReceive });
  },

  // A test send to named addresses: not recorded as sends, not tracked, no working unsubscribe link.
  testCampaign: async ({ params: { campaignId }, body: request }) => {
    if (!(await campaigns.get(campaignId))) throw new HttpError(404, `No campaign ${campaignId}`);
    await publisher.publish([{ detailType: DetailType.CampaignTestRequested, detail: { version: 1, correlationId: campaignId, campaignId, ...request } }]);
    return json(202, { campaignId, to: request.to });
  },

  // Starts the send: recipients are planned page by page and every one is checked again at send time.
  sendCampaign: async ({ params: { campaignId } }) => {
    const campaign = await campaigns.get(campaignId);
    if (!campaign) throw new HttpError(404, `No campaign ${campaignId}`);
    const started = await campaigns.startSending(campaignId, new Date().toISOString());
    // A campaign already sending whose planning request never reached the bus is started again.
    if (started === 'not-a-draft' && !(campaign.status === 'sending' && !campaign.planningRequested)) {
      throw new HttpError(409, `Campaign ${campaignId} is ${campaign.status}, not a draft`);
    }
    await startPlanning(campaignId);
    logger.info('Campaign send started', { campaignId });
    return json(202, { campaignId, status: 'sending', progress: `/v1/admin/campaigns/${campaignId}` });
  },

  pauseCampaign: ({ params: { campaignId } }) => control(campaignId, 'pause'),
  // A scheduled campaign's schedule goes first, so a failure leaves it scheduled and the request can be repeated.
  cancelCampaign: async ({ params: { campaignId } }) => {
    const campaign = await campaigns.get(campaignId);
    if (campaign?.status === 'scheduled') await withScheduler(campaignId, 'delete the schedule of', () => scheduler.unschedule(campaignId));
    return control(campaignId, 'cancel');
  },

  // Sends a draft at a wall-clock time in a zone; on a scheduled campaign, moves it to the new time.
  scheduleCampaign: async ({ params: { campaignId }, body }) => {
    const schedule = scheduleAt(body);
    const campaign = await campaigns.get(campaignId);
    if (!campaign) throw new HttpError(404, `No campaign ${campaignId}`);
    if (campaign.status !== 'draft' && campaign.status !== 'scheduled') throw new HttpError(409, `Campaign ${campaignId} is ${effectiveStatus(campaign)}; schedule needs it draft or scheduled`);
    await withScheduler(campaignId, 'schedule', () => scheduler.schedule(campaignId, schedule));
    if (!(await campaigns.schedule(campaignId, schedule))) {
      // It started sending or was cancelled meanwhile: the new schedule would fire into nothing, so it goes.
      await scheduler.unschedule(campaignId).catch((error: unknown) => logger.warn('Stale schedule not deleted', { campaignId, error: describeError(error) }));
      const current = await campaigns.get(campaignId);
      throw new HttpError(409, `Campaign ${campaignId} is ${current ? effectiveStatus(current) : 'gone'}; schedule needs it draft or scheduled`);
    }
    logger.info('Campaign scheduled', { campaignId, sendsAtUtc: schedule.sendsAtUtc });
    return json(200, { campaignId, status: 'scheduled', schedule });
  },

  unscheduleCampaign: async ({ params: { campaignId } }) => {
    const campaign = await campaigns.get(campaignId);
    if (!campaign) throw new HttpError(404, `No campaign ${campaignId}`);
    if (campaign.status !== 'scheduled') throw new HttpError(409, `Campaign ${campaignId} is ${effectiveStatus(campaign)}; unschedule needs it scheduled`);
    await withScheduler(campaignId, 'delete the schedule of', () => scheduler.unschedule(campaignId));
    if (!(await campaigns.unschedule(campaignId))) {
      const current = await campaigns.get(campaignId);
      throw new HttpError(409, `Campaign ${campaignId} is ${current ? effectiveStatus(current) : 'gone'}; unschedule needs it scheduled`);
    }
    logger.info('Campaign unscheduled', { campaignId });
    return json(200, { campaignId, status: 'draft' });
  },
  // Resuming plans again from the start: pages count once and every send is recorded, so nobody gets it twice.
  resumeCampaign: async ({ params: { campaignId } }) => {
    const response = await control(campaignId, 'resume');
    await startPlanning(campaignId);
    return response;
  },
});
