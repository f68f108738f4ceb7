import { Logger } from '@aws-lambda-powertools/logger';
import { documentClient, eventBridgeClient } from '../../src/adapters/clients';
import { EventBridgeCampaignScheduler, oneTimeSchedules } from '../../src/adapters/scheduler';
import { CampaignPlans } from '../../src/adapters/campaign-plans';
import { CampaignStore } from '../../src/adapters/campaign-store';
import { EventBridgePublisher } from '../../src/adapters/event-publisher';
import { CampaignControls } from '../../src/app/campaign-controls';
import { positiveInteger, readConfig, setting } from '../../src/config';
import { json } from '../../src/http/middleware';
import { routesHandler } from '../../src/http/routes';
import { controlCampaignsRoutes } from './routes';
import { throttlingRefusal } from '../../src/adapters/throttling';

const config = readConfig({
  TABLE_NAME: setting,
  EVENT_BUS_NAME: setting,
  MAX_BODY_BYTES: positiveInteger,
});
const logger = new Logger();
const controls = new CampaignControls({
  campaigns: new CampaignStore(documentClient(), config.TABLE_NAME),
  plans: new CampaignPlans(documentClient(), config.TABLE_NAME),
  publisher: new EventBridgePublisher(eventBridgeClient(), config.EVENT_BUS_NAME),
  triggers: new EventBridgeCampaignScheduler(oneTimeSchedules()),
  log: logger,
});

export const handler = routesHandler({ logger, unavailable: throttlingRefusal, maxBodyBytes: config.MAX_BODY_BYTES }, controlCampaignsRoutes, {
  testCampaign: async ({ params: { campaignId }, body }) => json(202, await controls.sendTest(campaignId, body)),
  sendCampaign: async ({ params: { campaignId } }) => json(202, await controls.send(campaignId)),
  pauseCampaign: async ({ params: { campaignId } }) => json(200, await controls.pause(campaignId)),
  resumeCampaign: async ({ params: { campaignId } }) => json(200, await controls.resume(campaignId)),
  cancelCampaign: async ({ params: { campaignId } }) => json(200, await controls.cancel(campaignId)),
  scheduleCampaign: async ({ params: { campaignId }, body }) => json(200, await controls.schedule(campaignId, body)),
  unscheduleCampaign: async ({ params: { campaignId } }) => json(200, await controls.unschedule(campaignId)),
});
