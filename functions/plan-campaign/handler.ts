import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSEvent } from 'aws-lambda';
import { leadflowBusEvent } from '../../src/adapters/bus-events';
import { CampaignItems } from '../../src/adapters/campaign-items';
import { CampaignPlans } from '../../src/adapters/campaign-plans';
import { CampaignStore } from '../../src/adapters/campaign-store';
import { documentClient, eventBridgeClient } from '../../src/adapters/clients';
import { EventBridgePublisher } from '../../src/adapters/event-publisher';
import { LeadEventStore } from '../../src/adapters/lead-events';
import { LeadListing } from '../../src/adapters/lead-listing';
import { RulesetStore } from '../../src/adapters/ruleset-store';
import { processParsedSqsBatch, type ParsedRecordOf } from '../../src/adapters/sqs-records';
import { LifespanStore } from '../../src/adapters/lifespan-store';
import { Audience } from '../../src/app/audience';

import { readConfig, setting } from '../../src/config';
import { CampaignPagePlanner, planningRequests } from '../../src/app/campaign-planning';
import { CampaignSendDueDetail, CampaignSendRequestedDetail, DetailType } from '../../src/domain/events';

const config = readConfig({ TABLE_NAME: setting, EVENT_BUS_NAME: setting });
const logger = new Logger();
const leads = new LeadListing(documentClient(), config.TABLE_NAME);
// One record of campaign layouts for both: the campaign read for each page notes its layout for the plan's writes.
const campaignItems = new CampaignItems(documentClient(), config.TABLE_NAME);
const campaigns = new CampaignStore(documentClient(), config.TABLE_NAME, campaignItems);
const plans = new CampaignPlans(documentClient(), config.TABLE_NAME, campaignItems);
const audience = new Audience(leads, new LeadEventStore(documentClient(), config.TABLE_NAME), new RulesetStore(documentClient(), config.TABLE_NAME), new LifespanStore(documentClient(), config.TABLE_NAME));
const publisher = new EventBridgePublisher(eventBridgeClient(), config.EVENT_BUS_NAME);
const planner = new CampaignPagePlanner({ campaigns, leads, audience, plans, publisher, log: logger });

const PlanningEvent = leadflowBusEvent({ [DetailType.CampaignSendRequested]: CampaignSendRequestedDetail, [DetailType.CampaignSendDue]: CampaignSendDueDetail });

/**
 * A scheduled campaign's time came: if it is still scheduled for that time it moves to sending, once,
 * and its planning starts from the first page as a send request starts it (every lead-listing partition from its first page). A retry after the move
 * whose planning request never reached the bus starts planning; anything else does nothing.
 */
async function startDue(detail: CampaignSendDueDetail): Promise<void> {
  const started = await campaigns.startScheduledSending(detail.campaignId, detail.scheduledFor, new Date().toISOString());
  if (started === 'not-due') {
    const campaign = await campaigns.getItem(detail.campaignId);
    const unplanned = campaign?.status === 'sending' && !campaign.planningRequested && campaign.schedule?.sendsAtUtc === detail.scheduledFor;
    if (!unplanned) {
      logger.info('Stale send-due ignored', { campaignId: detail.campaignId, scheduledFor: detail.scheduledFor, status: campaign?.status });
      return;
    }
  }
  await publisher.publish(planningRequests(detail.campaignId));
  await campaigns.markPlanningRequested(detail.campaignId);
  logger.info('Scheduled campaign started', { campaignId: detail.campaignId, scheduledFor: detail.scheduledFor });
}

async function planPage(record: ParsedRecordOf<typeof PlanningEvent>): Promise<void> {
  const event = record.body;
  if (event['detail-type'] === DetailType.CampaignSendDue) return startDue(event.detail);
  return planner.planPage(event.detail);
}

export const handler = async (event: SQSEvent, context: Context) => {
  logger.addContext(context);
  return processParsedSqsBatch(event, context, logger, PlanningEvent, planPage);
};
