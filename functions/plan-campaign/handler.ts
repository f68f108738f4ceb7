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
import { decodeCursor, encodeCursor } from '../../src/domain/lead-listing';
import { RulesetStore } from '../../src/adapters/ruleset-store';
import { processParsedSqsBatch, type ParsedRecordOf } from '../../src/adapters/sqs-records';
import { LifespanStore } from '../../src/adapters/lifespan-store';
import { Audience } from '../../src/app/audience';

import { readConfig, setting } from '../../src/config';
import { planningRequests } from '../../src/app/campaign-planning';
import { isSubscriber } from '../../src/domain/campaigns/campaign';
import { CampaignSendDueDetail, CampaignSendRequestedDetail, DetailType } from '../../src/domain/events';
import { publishFanOutPage } from '../../src/app/lead-fan-out';

const config = readConfig({ TABLE_NAME: setting, EVENT_BUS_NAME: setting });
const logger = new Logger();
const leads = new LeadListing(documentClient(), config.TABLE_NAME);
// One record of campaign layouts for both: the campaign read for each page notes its layout for the plan's writes.
const campaignItems = new CampaignItems(documentClient(), config.TABLE_NAME);
const campaigns = new CampaignStore(documentClient(), config.TABLE_NAME, campaignItems);
const plans = new CampaignPlans(documentClient(), config.TABLE_NAME, campaignItems);
const audience = new Audience(leads, new LeadEventStore(documentClient(), config.TABLE_NAME), new RulesetStore(documentClient(), config.TABLE_NAME), new LifespanStore(documentClient(), config.TABLE_NAME));
const publisher = new EventBridgePublisher(eventBridgeClient(), config.EVENT_BUS_NAME);

const LEADS_PER_PAGE = 500;
const RECIPIENTS_PER_MESSAGE = 25;

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

/**
 * Plans one page of one lead-listing partition of a campaign: the page's subscribers to the campaign's
 * type who are in its segment become recipients, fanned out to the senders; the partition's next page
 * follows as an event. Each partition is its own chain, so the 16 are planned in parallel.
 */
async function planPage(record: ParsedRecordOf<typeof PlanningEvent>): Promise<void> {
  const event = record.body;
  if (event['detail-type'] === DetailType.CampaignSendDue) return startDue(event.detail);
  const { detail } = event;
  const campaign = await campaigns.getItem(detail.campaignId);
  if (!campaign) throw new Error(`Campaign ${detail.campaignId} not found`);
  if (campaign.status !== 'sending') return;
  const envelope = { version: 1 as const, correlationId: detail.correlationId, campaignId: campaign.id };
  const page = await leads.leadsPage(LEADS_PER_PAGE, detail.cursor ? decodeCursor(detail.cursor) : { shard: detail.shard }, { withinShard: true });
  const subscribers = page.leads.filter((lead) => isSubscriber(campaign.subscription, lead));
  const selected = (await audience.select(campaign.audience, subscribers, new Date().toISOString())).map((lead) => lead.id);
  const { round } = detail;
  // A later round plans every lead again; those with an outcome from before it are counted already.
  const counted = round ? (await plans.recipientsWithoutOutcome(campaign.id, selected, round.startedAt)).length : selected.length;
  await publishFanOutPage({
    publisher,
    selected,
    chunkSize: RECIPIENTS_PER_MESSAGE,
    record: () => plans.recordPlannedPage(campaign.id, `${round ? `r${round.number}-` : ''}s${detail.shard}-p${detail.page}`, counted, page.cursor ? undefined : detail.shard, round?.number),
    chunk: (leadIds) => ({ detailType: DetailType.CampaignRecipientsPlanned, detail: { ...envelope, leadIds } }),
    ...(page.cursor
      ? { next: { detailType: DetailType.CampaignSendRequested, detail: { ...envelope, shard: detail.shard, page: detail.page + 1, cursor: encodeCursor(page.cursor), ...(round ? { round } : {}) } } }
      : {}),
  });
  logger.info('Campaign page planned', { campaignId: campaign.id, shard: detail.shard, page: detail.page, recipients: selected.length, ...(round ? { round: round.number, counted } : {}), last: !page.cursor });
}

export const handler = async (event: SQSEvent, context: Context) => {
  logger.addContext(context);
  return processParsedSqsBatch(event, context, logger, PlanningEvent, planPage);
};
