import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { documentClient, secretsManagerClient, sesClient } from '../../shared/adapters/clients';
import { LeadStore } from '../../shared/adapters/lead-store';
import { SesMailer } from '../../shared/adapters/mailer';
import { cachedSecret, keyRingFromSecret } from '../../shared/adapters/secrets';
import { SuppressionStore } from '../../shared/adapters/suppression-store';
import { logFailures } from '../../shared/batch';
import { readConfig, setting } from '../../shared/config';
import { composeConfirmationEmail, CONFIRMATION_LINK_DAYS } from '../../shared/domain/consent/confirmation-email';
import { signToken } from '../../shared/domain/consent/signed-token';
import { addressHash } from '../../shared/domain/consent/suppression';
import { ConsentConfirmationRequestedDetail, DetailType } from '../../shared/domain/events';
import { isSubscriptionType } from '../../shared/domain/subscriptions';

const config = readConfig({
  TABLE_NAME: setting,
  SENDER_ADDRESS: setting,
  SES_CONFIGURATION_SET: setting,
  SIGNING_KEYS_SECRET: setting,
  PRIVACY_SALT_SECRET: setting,
  PUBLIC_BASE_URL: setting,
});
const logger = new Logger();
const store = new LeadStore(documentClient(), config.TABLE_NAME);
const suppressions = new SuppressionStore(documentClient(), config.TABLE_NAME);
const mailer = new SesMailer(sesClient(), config.SENDER_ADDRESS, config.SES_CONFIGURATION_SET);
const keyRing = cachedSecret(secretsManagerClient(), config.SIGNING_KEYS_SECRET, keyRingFromSecret);
const privacySalt = cachedSecret(secretsManagerClient(), config.PRIVACY_SALT_SECRET, (salt) => salt);
const processor = new BatchProcessor(EventType.SQS);

const BusEvent = z.object({ 'detail-type': z.literal(DetailType.ConsentConfirmationRequested), detail: ConsentConfirmationRequestedDetail });

/**
 * Emails the double opt-in links for the subscriptions still pending. Nothing is sent to a suppressed
 * address or for a subscription no longer pending; a redelivered request may send the email again,
 * which is harmless (confirming twice changes nothing).
 */
async function sendConfirmation(record: SQSRecord): Promise<void> {
  const { detail } = BusEvent.parse(JSON.parse(record.body));
  const lead = await store.getLead(detail.leadId);
  if (!lead) return;
  const pending = detail.subscriptions.filter(isSubscriptionType).filter((subscription) => lead.subscriptions[subscription] === 'pending');
  if (pending.length === 0) return;
  if (await suppressions.get(addressHash(await privacySalt(), lead.email))) {
    logger.info('Confirmation not sent: address suppressed', { leadId: lead.id });
    return;
  }
  const ring = await keyRing();
  const expiresAt = Math.floor(Date.now() / 1000) + CONFIRMATION_LINK_DAYS * 86_400;
  const links = pending.map((subscription) => ({
    subscription,
    url: `${config.PUBLIC_BASE_URL}/v1/subscriptions/confirm?token=${encodeURIComponent(signToken(ring, 'confirmation', { leadId: lead.id, subscription, expiresAt }))}`,
  }));
  const preferencesUrl = `${config.PUBLIC_BASE_URL}/v1/preferences?token=${encodeURIComponent(signToken(ring, 'preferences', { leadId: lead.id }))}`;
  const email = composeConfirmationEmail(lead.firstName, links, preferencesUrl);
  const messageId = await mailer.send({ to: [lead.email], ...email, tags: { purpose: 'confirmation' } });
  logger.info('Confirmation sent', { leadId: lead.id, subscriptions: pending, messageId });
}

export const handler = async (event: SQSEvent, context: Context) => {
  logger.addContext(context);
  return processPartialResponse(event, logFailures(logger, sendConfirmation), processor, { context, throwOnFullBatchFailure: false });
};
