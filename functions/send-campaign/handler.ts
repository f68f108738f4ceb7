import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { CampaignStore } from '../../shared/adapters/campaign-store';
import { documentClient } from '../../shared/adapters/clients';
import { logFailures } from '../../shared/batch';
import { subscriberMail } from '../../shared/subscriber-mail';
import type { Campaign } from '../../shared/domain/campaigns/campaign';
import { withSubscriberFooter } from '../../shared/domain/campaigns/footer';
import { renderTemplate } from '../../shared/domain/campaigns/template';
import { listUnsubscribeHeaders, sendDecision } from '../../shared/domain/consent/send-policy';
import { CampaignRecipientsPlannedDetail, CampaignTestRequestedDetail, DetailType } from '../../shared/domain/events';

const logger = new Logger();
const { tableName, publicBaseUrl, leads, mailer, isSuppressed, link } = subscriberMail();
const campaigns = new CampaignStore(documentClient(), tableName);
const processor = new BatchProcessor(EventType.SQS);

const BusEvent = z.discriminatedUnion('detail-type', [
  z.object({ 'detail-type': z.literal(DetailType.CampaignRecipientsPlanned), detail: CampaignRecipientsPlannedDetail }),
  z.object({ 'detail-type': z.literal(DetailType.CampaignTestRequested), detail: CampaignTestRequestedDetail }),
]);

/** Test sends show where the links go without any that work: nobody is unsubscribed by a test. */
const TEST_LINK_PATH = '/v1/unsubscribe?token=test-send';

/** Sends the campaign, marked as a test, to named addresses; suppressed addresses are still never mailed. */
async function sendTest(campaign: Campaign, detail: CampaignTestRequestedDetail): Promise<void> {
  const lead = detail.leadId ? await leads.getLead(detail.leadId) : undefined;
  const rendered = renderTemplate(campaign.template, { lead: lead ?? {} });
  const testLink = `${publicBaseUrl}${TEST_LINK_PATH}`;
  const email = withSubscriberFooter({ ...rendered, subject: `[Test] ${rendered.subject}` }, { subscription: campaign.subscription, unsubscribeUrl: testLink, preferencesUrl: testLink });
  for (const address of detail.to) {
    if (await isSuppressed(address)) {
      logger.info('Test send skipped: address suppressed', { campaignId: campaign.id });
      continue;
    }
    await mailer.send({ to: [address], ...email, headers: listUnsubscribeHeaders(testLink), tags: { campaign: campaign.id, kind: 'test' } });
  }
}

/**
 * Sends a campaign to one recipient, at most once: consent and suppression are read again now (an
 * unsubscribe after planning holds), the send is recorded before SES is called, and a record found
 * mid-send from a crashed attempt is reported, never sent again.
 */
async function sendTo(campaign: Campaign, leadId: string): Promise<void> {
  const now = new Date().toISOString();
  const lead = await leads.getLead(leadId);
  const suppressed = lead ? await isSuppressed(lead.email) : false;
  const decision = sendDecision(lead, campaign.subscription, suppressed);
  if (!lead || !decision.send) {
    await campaigns.recordSkip(campaign.id, leadId, decision.send ? 'no_lead' : decision.reason, now);
    return;
  }
  const claim = await campaigns.claimSend(campaign.id, leadId, now);
  if (claim.outcome === 'exists') {
    if (claim.record.status === 'sending') logger.error('Send interrupted earlier; not sent again', { campaignId: campaign.id, leadId });
    return;
  }
  const unsubscribeUrl = await link('/v1/unsubscribe', 'unsubscribe', { leadId, subscription: campaign.subscription, campaignId: campaign.id });
  const preferencesUrl = await link('/v1/preferences', 'preferences', { leadId });
  const email = withSubscriberFooter(renderTemplate(campaign.template, { lead }), { subscription: campaign.subscription, unsubscribeUrl, preferencesUrl });
  let messageId: string;
  try {
    messageId = await mailer.send({ to: [lead.email], ...email, headers: listUnsubscribeHeaders(unsubscribeUrl), tags: { campaign: campaign.id, lead: leadId } });
  } catch (error) {
    // SES refused the call, so nothing was sent: free the record for the retry.
    await campaigns.releaseSend(campaign.id, leadId);
    throw error;
  }
  await campaigns.markSent(campaign.id, leadId, messageId, new Date().toISOString());
}

async function sendCampaignRecord(record: SQSRecord): Promise<void> {
  const busEvent = BusEvent.parse(JSON.parse(record.body));
  const campaign = await campaigns.get(busEvent.detail.campaignId);
  if (!campaign) throw new Error(`Campaign ${busEvent.detail.campaignId} not found`);
  if (busEvent['detail-type'] === DetailType.CampaignTestRequested) return sendTest(campaign, busEvent.detail);
  // Paused or cancelled: these recipients are left unrecorded; resuming plans them again.
  if (campaign.status !== 'sending') {
    logger.info('Campaign not sending; recipients left', { campaignId: campaign.id, status: campaign.status, recipients: busEvent.detail.leadIds.length });
    return;
  }
  for (const leadId of busEvent.detail.leadIds) await sendTo(campaign, leadId);
}

export const handler = async (event: SQSEvent, context: Context) => {
  logger.addContext(context);
  return processPartialResponse(event, logFailures(logger, sendCampaignRecord), processor, { context, throwOnFullBatchFailure: false });
};
