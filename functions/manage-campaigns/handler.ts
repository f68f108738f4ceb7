import { Logger } from '@aws-lambda-powertools/logger';
import { documentClient } from '../../src/adapters/clients';
import { CampaignStore } from '../../src/adapters/campaign-store';
import { LeadEventStore } from '../../src/adapters/lead-events';
import { LeadListing } from '../../src/adapters/lead-listing';
import { LeadStore } from '../../src/adapters/lead-store';
import { RulesetStore } from '../../src/adapters/ruleset-store';
import { SegmentStore } from '../../src/adapters/segment-store';
import { SubscriptionTypeStore } from '../../src/adapters/subscription-type-store';
import { templateReads } from '../../src/adapters/template-store';
import { LifespanStore } from '../../src/adapters/lifespan-store';
import { Audience } from '../../src/app/audience';
import { Campaigns } from '../../src/app/campaigns';
import { positiveInteger, readConfig, setting } from '../../src/config';
import { json } from '../../src/http/middleware';
import { routesHandler } from '../../src/http/routes';
import { manageCampaignsRoutes } from './routes';
import { throttlingRefusal } from '../../src/adapters/throttling';

const config = readConfig({
  TABLE_NAME: setting,
  MAX_BODY_BYTES: positiveInteger,
});
const logger = new Logger();
const campaignStore = new CampaignStore(documentClient(), config.TABLE_NAME);
const campaigns = new Campaigns({
  campaigns: campaignStore,
  segments: new SegmentStore(documentClient(), config.TABLE_NAME),
  templates: templateReads(documentClient(), config.TABLE_NAME),
  leads: new LeadStore(documentClient(), config.TABLE_NAME),
  audience: new Audience(new LeadListing(documentClient(), config.TABLE_NAME), new LeadEventStore(documentClient(), config.TABLE_NAME), new RulesetStore(documentClient(), config.TABLE_NAME), new LifespanStore(documentClient(), config.TABLE_NAME)),
  subscriptionTypes: new SubscriptionTypeStore(documentClient(), config.TABLE_NAME).current,
  log: logger,
});

export const handler = routesHandler({ logger, unavailable: throttlingRefusal, maxBodyBytes: config.MAX_BODY_BYTES }, manageCampaignsRoutes, {
  createCampaign: async ({ body }) => json(201, await campaigns.create(body)),
  listCampaigns: async ({ query }) => json(200, await campaigns.list(await campaignStore.list(query))),
  getCampaign: async ({ params: { campaignId } }) => json(200, await campaigns.get(campaignId)),
  getCampaignReport: async ({ params: { campaignId } }) => json(200, await campaigns.report(campaignId)),
  previewCampaign: async ({ params: { campaignId }, query: { leadId } }) => json(200, await campaigns.preview(campaignId, leadId)),
});
