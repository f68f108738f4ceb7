import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSEvent } from 'aws-lambda';
import * as z from 'zod/mini';
import { CampaignSendStore } from '../../src/adapters/campaign-sends';
import { CampaignStore } from '../../src/adapters/campaign-store';
import { documentClient, eventBridgeClient } from '../../src/adapters/clients';
import { EventBridgePublisher } from '../../src/adapters/event-publisher';
import { EnrolmentStore } from '../../src/adapters/journey-store';
import { LeadEventStore } from '../../src/adapters/lead-events';
import { processParsedSqsBatch, type ParsedRecordOf } from '../../src/adapters/sqs-records';
import { readConfig, setting } from '../../src/config';
import { campaignTracking, reputationPause, SesCampaignEvent } from '../../src/domain/campaigns/tracking';
import { DetailType } from '../../src/domain/events';
import { journeyTracking } from '../../src/domain/journeys/tracking';

const config = readConfig({ TABLE_NAME: setting, EVENT_BUS_NAME: setting });
const logger = new Logger();
const campaigns = new CampaignStore(documentClient(), config.TABLE_NAME);
const sends = new CampaignSendStore(documentClient(), config.TABLE_NAME);
const enrolments = new EnrolmentStore(documentClient(), config.TABLE_NAME);
const leadEvents = new LeadEventStore(documentClient(), config.TABLE_NAME);
const publisher = new EventBridgePublisher(eventBridgeClient(), config.EVENT_BUS_NAME);

const BusEvent = z.object({ detail: SesCampaignEvent });

/** Stops a sending campaign whose bounces or complaints approach the levels at which SES reviews the account. */
async function pauseIfReputationAtRisk(campaignId: string): Promise<void> {
  const campaign = await campaigns.get(campaignId);
  const reason = campaign?.status === 'sending' ? reputationPause(campaign) : undefined;
  if (!reason || !(await campaigns.setStatus(campaignId, ['sending'], 'paused', reason))) return;
  logger.error('Campaign paused: reputation at risk', { campaignId, reason });
}

/**
 * Records the subscriber's open or click as an engagement event of the lead, once (its id derives from
 * the SES message, kind and time, so a redelivered SES event finds it), and announces it to the scorer.
 * An email opened after its lead was erased records nothing.
 */
async function recordEngagement(leadId: string, messageId: string, engagement: { readonly type: string; readonly occurredAt: string; readonly properties: Record<string, string> }): Promise<void> {
  const eventId = `ses-${messageId}-${engagement.type}-${Date.parse(engagement.occurredAt)}`;
  const receivedAt = new Date().toISOString();
  const recorded = await leadEvents.recordEvent({ id: eventId, type: engagement.type, occurredAt: engagement.occurredAt, receivedAt, recordedAt: receivedAt, properties: engagement.properties }, leadId);
  if (recorded === 'no-lead') return;
  await publisher.publish([{ detailType: DetailType.EngagementRecorded, detail: { version: 2, correlationId: messageId, eventIds: [eventId], leadId } }]);
}

/**
 * SES events of campaign emails move the campaign's counters (once per recipient and kind) and turn
 * the subscriber's opens and clicks into engagement events, so they feed scoring like any other.
 * Opens and clicks of journey emails move their step's counters, once per step run and kind, and
 * become engagement events of the same types, so the same rules score them.
 */
async function track(record: ParsedRecordOf<typeof BusEvent>): Promise<void> {
  const journeyStep = journeyTracking(record.body.detail);
  if (journeyStep) {
    await enrolments.recordTracking(journeyStep.key, journeyStep.stepId, journeyStep.metric);
    await recordEngagement(journeyStep.key.leadId, journeyStep.engagement.messageId, journeyStep.engagement);
  }
  const tracking = campaignTracking(record.body.detail);
  if (!tracking?.metric) {
    if (tracking?.scanner) logger.info('Scanner open or click ignored', { campaignId: tracking.campaignId });
    return;
  }
  const counted = await sends.recordTracking(tracking.campaignId, tracking.leadId, tracking.metric);
  if (counted === 'counted' && (tracking.metric === 'bounced' || tracking.metric === 'complained')) await pauseIfReputationAtRisk(tracking.campaignId);
  if (tracking.engagement) await recordEngagement(tracking.leadId, tracking.messageId, tracking.engagement);
}

export const handler = async (event: SQSEvent, context: Context) => {
  logger.addContext(context);
  return processParsedSqsBatch(event, context, logger, BusEvent, track);
};
