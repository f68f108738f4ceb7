import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { CampaignStore } from '../../src/adapters/campaign-store';
import { documentClient } from '../../src/adapters/clients';
import { sendingStopped } from '../../src/adapters/mailer';
import { isThrottling } from '../../src/adapters/throttling';
import { DynamoSendRate } from '../../src/adapters/send-rate';
import { positiveInteger, readConfig } from '../../src/config';
import { processSqsBatch } from '../../src/app/batch';
import { subscriberMail } from '../../src/app/subscriber-mail';
import type { Campaign } from '../../src/domain/campaigns/campaign';
import { withSubscriberFooter } from '../../src/domain/campaigns/footer';
import { renderTemplate } from '../../src/domain/campaigns/template';
import { listUnsubscribeHeaders, sendDecision } from '../../src/domain/consent/send-policy';
import { CampaignRecipientsPlannedDetail, CampaignTestRequestedDetail, DetailType } from '../../src/domain/events';

const logger = new Logger();
const { tableName, publicBaseUrl, leads, mailer, isSuppressed, link } = subscriberMail();
const campaigns = new CampaignStore(documentClient(), tableName);
const sendRate = new DynamoSendRate(documentClient(), tableName, readConfig({ SES_MAX_SEND_RATE: positiveInteger }).SES_MAX_SEND_RATE);

/** A claim this old was left by a sender that died: twice the function's timeout. */
const ABANDONED_CLAIM_MS = 2 * 120_000;
/** Tries of one throttled SES call, backing off from THROTTLE_BACKOFF_MS, before its record is retried through SQS. */
const THROTTLED_ATTEMPTS = 5;
const THROTTLE_BACKOFF_MS = 250;

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
async function sendTo(campaign: Campaign, leadId: string): Promise<'done' | 'campaign-paused'> {
  const now = new Date().toISOString();
  const lead = await leads.getLead(leadId);
  const suppressed = lead ? await isSuppressed(lead.email) : false;
  const decision = sendDecision(lead, campaign.subscription, suppressed);
  if (!lead || !decision.send) {
    await campaigns.recordSkip(campaign.id, leadId, decision.send ? 'no_lead' : decision.reason, now);
    return 'done';
  }
  const claim = await campaigns.claimSend(campaign.id, leadId, now);
  if (claim.outcome === 'exists') {
    // A recent claim belongs to a sender still at work, which counts it; an old one to a sender that died.
    const abandoned = claim.record.status === 'sending' && Date.parse(claim.record.claimedAt ?? now) < Date.parse(now) - ABANDONED_CLAIM_MS;
    if (abandoned && (await campaigns.markInterrupted(campaign.id, leadId, now)) === 'counted') {
      logger.error('Send interrupted between record and SES; not sent again, counted as interrupted', { campaignId: campaign.id, leadId });
    }
    return 'done';
  }
  const unsubscribeUrl = await link('/v1/unsubscribe', 'unsubscribe', { leadId, subscription: campaign.subscription, campaignId: campaign.id });
  const preferencesUrl = await link('/v1/preferences', 'preferences', { leadId });
  const email = withSubscriberFooter(renderTemplate(campaign.template, { lead }), { subscription: campaign.subscription, unsubscribeUrl, preferencesUrl });
  let messageId: string;
  try {
    messageId = await sendWithBackoff(() => mailer.send({ to: [lead.email], ...email, headers: listUnsubscribeHeaders(unsubscribeUrl), tags: { campaign: campaign.id, lead: leadId } }));
  } catch (error) {
    // SES refused the call, so nothing was sent: free the record for the retry or the resume.
    await campaigns.releaseSend(campaign.id, leadId);
    if (!sendingStopped(error)) throw error;
    await campaigns.setStatus(campaign.id, ['sending'], 'paused', `SES stopped sending: ${(error as Error).name}`);
    logger.error('SES stopped sending for the account; campaign paused', { campaignId: campaign.id, error: (error as Error).name });
    return 'campaign-paused';
  }
  await campaigns.markSent(campaign.id, leadId, messageId, new Date().toISOString());
  return 'done';
}

/**
 * One SES call within the rate all senders share; when SES still throttles (another sender of the
 * account, or a lower rate than configured), it backs off with full jitter before giving up, so a
 * throttled call is retried rather than dropped.
 */
async function sendWithBackoff(send: () => Promise<string>): Promise<string> {
  for (let attempt = 0; ; attempt += 1) {
    await sendRate.acquire();
    try {
      return await send();
    } catch (error) {
      if (!isThrottling(error) || attempt + 1 >= THROTTLED_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * THROTTLE_BACKOFF_MS * 2 ** attempt));
    }
  }
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
  for (const leadId of busEvent.detail.leadIds) {
    // The rest stay unrecorded: resuming the campaign plans them again.
    if ((await sendTo(campaign, leadId)) === 'campaign-paused') return;
  }
}

export const handler = async (event: SQSEvent, context: Context) => {
  logger.addContext(context);
  return processSqsBatch(event, context, logger, sendCampaignRecord);
};
