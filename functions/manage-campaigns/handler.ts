import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { z } from 'zod';
import { documentClient, eventBridgeClient } from '../../shared/adapters/clients';
import { CampaignStore } from '../../shared/adapters/campaign-store';
import { describeError, EventBridgePublisher } from '../../shared/adapters/event-publisher';
import { positiveInteger, readConfig, setting } from '../../shared/config';
import { CAMPAIGN_CONTROLS, CampaignDefinition, effectiveStatus, type CampaignControl } from '../../shared/domain/campaigns/campaign';
import { campaignRates, TRACKED_METRICS } from '../../shared/domain/campaigns/tracking';
import { DetailType } from '../../shared/domain/events';
import { HttpError, parameter, validationError } from '../../shared/http/errors';
import { httpRoutesHandler } from '../../shared/http/handler';
import { json } from '../../shared/http/middleware';

const config = readConfig({ TABLE_NAME: setting, EVENT_BUS_NAME: setting, MAX_BODY_BYTES: positiveInteger });
const logger = new Logger();
const campaigns = new CampaignStore(documentClient(), config.TABLE_NAME);
const publisher = new EventBridgePublisher(eventBridgeClient(), config.EVENT_BUS_NAME);

const CampaignId = z.uuid('must be a campaign id (UUID)');
const REPORTED = ['sent', 'skipped', ...TRACKED_METRICS, 'unsubscribed'] as const;

/** Hands the planning of a sending campaign to the bus, from its first page. */
async function startPlanning(campaignId: string) {
  try {
    await publisher.publish([{ detailType: DetailType.CampaignSendRequested, detail: { version: 1, correlationId: campaignId, campaignId, page: 0 } }]);
  } catch (error) {
    logger.error('Campaign planning not started', { campaignId, error: describeError(error) });
    throw new HttpError(503, `Campaign ${campaignId} is sending but planning has not started; repeat the request to start it`, undefined, { 'retry-after': '2' });
  }
  await campaigns.markPlanningRequested(campaignId);
}

/** Pause, resume or cancel: takes effect at the senders' next batch. */
async function control(rawCampaignId: string | undefined, action: CampaignControl) {
  const campaignId = parameter(rawCampaignId, 'campaignId', CampaignId);
  const campaign = await campaigns.get(campaignId);
  if (!campaign) throw new HttpError(404, `No campaign ${campaignId}`);
  const { from, to } = CAMPAIGN_CONTROLS[action];
  if (!(await campaigns.setStatus(campaignId, from, to))) throw new HttpError(409, `Campaign ${campaignId} is ${effectiveStatus(campaign)}; ${action} needs it ${from.join(' or ')}`);
  logger.info('Campaign control', { campaignId, action });
  return json(200, { campaignId, status: to });
}

export const handler = httpRoutesHandler(logger, config.MAX_BODY_BYTES, {
  'POST /v1/admin/campaigns': async (event) => {
    const definition = CampaignDefinition.safeParse(event.parsedBody);
    if (!definition.success) throw validationError(definition.error);
    const campaign = await campaigns.create(randomUUID(), definition.data, new Date().toISOString());
    logger.info('Campaign created', { campaignId: campaign.id, subscription: campaign.subscription });
    return json(201, campaign);
  },

  'GET /v1/admin/campaigns/{campaignId}': async (event) => {
    const campaignId = parameter(event.pathParameters?.campaignId, 'campaignId', CampaignId);
    const campaign = await campaigns.get(campaignId);
    if (!campaign) throw new HttpError(404, `No campaign ${campaignId}`);
    return json(200, { ...campaign, status: effectiveStatus(campaign) });
  },

  'GET /v1/admin/campaigns/{campaignId}/report': async (event) => {
    const campaignId = parameter(event.pathParameters?.campaignId, 'campaignId', CampaignId);
    const campaign = await campaigns.get(campaignId);
    if (!campaign) throw new HttpError(404, `No campaign ${campaignId}`);
    const counts = Object.fromEntries(REPORTED.map((metric) => [metric, campaign[metric] ?? 0]));
    return json(200, { campaignId, name: campaign.name, status: effectiveStatus(campaign), recipients: campaign.recipients, planned: campaign.planned, ...counts, ...campaignRates(counts) });
  },

  // Starts the send: recipients are planned page by page and every one is checked again at send time.
  'POST /v1/admin/campaigns/{campaignId}/send': async (event) => {
    const campaignId = parameter(event.pathParameters?.campaignId, 'campaignId', CampaignId);
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

  'POST /v1/admin/campaigns/{campaignId}/pause': (event) => control(event.pathParameters?.campaignId, 'pause'),
  'POST /v1/admin/campaigns/{campaignId}/cancel': (event) => control(event.pathParameters?.campaignId, 'cancel'),
  // Resuming plans again from the start: pages count once and every send is recorded, so nobody gets it twice.
  'POST /v1/admin/campaigns/{campaignId}/resume': async (event) => {
    const response = await control(event.pathParameters?.campaignId, 'resume');
    await startPlanning(parameter(event.pathParameters?.campaignId, 'campaignId', CampaignId));
    return response;
  },
});
