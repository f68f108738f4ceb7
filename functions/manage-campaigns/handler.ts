import { Logger } from '@aws-lambda-powertools/logger';
import { documentClient, eventBridgeClient } from '../../src/adapters/clients';
import { EventBridgeCampaignScheduler, oneTimeSchedules } from '../../src/adapters/scheduler';
import { CampaignStore } from '../../src/adapters/campaign-store';
import { EventBridgePublisher } from '../../src/adapters/event-publisher';
import { LeadEventStore } from '../../src/adapters/lead-events';
import { LeadListing } from '../../src/adapters/lead-listing';
import { LeadStore } from '../../src/adapters/lead-store';
import { RulesetStore } from '../../src/adapters/ruleset-store';
import { SegmentStore } from '../../src/adapters/segment-store';
import { SendPolicyStore } from '../../src/adapters/send-policy-store';
import { SubscriptionTypeStore } from '../../src/adapters/subscription-type-store';
import { SubscriptionTypeUseStore } from '../../src/adapters/subscription-type-uses';
import { TemplateStore } from '../../src/adapters/template-store';
import { LifespanStore } from '../../src/adapters/lifespan-store';
import { Audience } from '../../src/app/audience';
import { Campaigns } from '../../src/app/campaigns';
import { SendPolicySettings } from '../../src/app/send-policy-settings';
import { SubscriptionTypeSettings } from '../../src/app/subscription-types';
import { positiveInteger, readConfig, setting } from '../../src/config';
import { actorOf } from '../../src/domain/roles';
import { json } from '../../src/http/middleware';
import { routesHandler } from '../../src/http/routes';
import { manageCampaignsRoutes } from './routes';
import { throttlingRefusal } from '../../src/adapters/throttling';

const config = readConfig({
  TABLE_NAME: setting,
  EVENT_BUS_NAME: setting,
  MAX_BODY_BYTES: positiveInteger,
});
const logger = new Logger();
const campaignStore = new CampaignStore(documentClient(), config.TABLE_NAME);
const subscriptionTypeStore = new SubscriptionTypeStore(documentClient(), config.TABLE_NAME);
const campaigns = new Campaigns({
  campaigns: campaignStore,
  segments: new SegmentStore(documentClient(), config.TABLE_NAME),
  templates: new TemplateStore(documentClient(), config.TABLE_NAME),
  leads: new LeadStore(documentClient(), config.TABLE_NAME),
  audience: new Audience(new LeadListing(documentClient(), config.TABLE_NAME), new LeadEventStore(documentClient(), config.TABLE_NAME), new RulesetStore(documentClient(), config.TABLE_NAME), new LifespanStore(documentClient(), config.TABLE_NAME)),
  publisher: new EventBridgePublisher(eventBridgeClient(), config.EVENT_BUS_NAME),
  triggers: new EventBridgeCampaignScheduler(oneTimeSchedules()),
  subscriptionTypes: subscriptionTypeStore.current,
  log: logger,
});

const sendPolicy = new SendPolicySettings(new SendPolicyStore(documentClient(), config.TABLE_NAME), logger);
const subscriptionTypes = new SubscriptionTypeSettings(subscriptionTypeStore, new SubscriptionTypeUseStore(documentClient(), config.TABLE_NAME), logger);

export const handler = routesHandler({ logger, unavailable: throttlingRefusal, maxBodyBytes: config.MAX_BODY_BYTES }, manageCampaignsRoutes, {
  createCampaign: async ({ body }) => json(201, await campaigns.create(body)),
  listCampaigns: async ({ query }) => json(200, await campaigns.list(await campaignStore.list(query))),
  getCampaign: async ({ params: { campaignId } }) => json(200, await campaigns.get(campaignId)),
  getCampaignReport: async ({ params: { campaignId } }) => json(200, await campaigns.report(campaignId)),
  previewCampaign: async ({ params: { campaignId }, query: { leadId } }) => json(200, await campaigns.preview(campaignId, leadId)),
  testCampaign: async ({ params: { campaignId }, body }) => json(202, await campaigns.sendTest(campaignId, body)),
  sendCampaign: async ({ params: { campaignId } }) => json(202, await campaigns.send(campaignId)),
  pauseCampaign: async ({ params: { campaignId } }) => json(200, await campaigns.pause(campaignId)),
  resumeCampaign: async ({ params: { campaignId } }) => json(200, await campaigns.resume(campaignId)),
  cancelCampaign: async ({ params: { campaignId } }) => json(200, await campaigns.cancel(campaignId)),
  scheduleCampaign: async ({ params: { campaignId }, body }) => json(200, await campaigns.schedule(campaignId, body)),
  unscheduleCampaign: async ({ params: { campaignId } }) => json(200, await campaigns.unschedule(campaignId)),
  getSendPolicy: async () => json(200, await sendPolicy.get()),
  getSubscriptionTypes: async () => json(200, await subscriptionTypes.get()),
  replaceSubscriptionTypes: async ({ body, caller }) => json(200, await subscriptionTypes.replace(body, caller.kind === 'user' ? actorOf(caller) : 'service', new Date().toISOString())),
  deleteSubscriptionType: async ({ params: { typeId }, query, caller }) =>
    json(200, await subscriptionTypes.delete(typeId, Number(query.version), caller.kind === 'user' ? actorOf(caller) : 'service', new Date().toISOString())),
  replaceSendPolicy: async ({ body }) => json(200, await sendPolicy.replace(body)),
});
