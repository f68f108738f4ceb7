import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { processSqsBatch } from '../../shared/batch';
import { subscriberMail } from '../../shared/subscriber-mail';
import { composeConfirmationEmail, CONFIRMATION_LINK_DAYS } from '../../shared/domain/consent/confirmation-email';
import { ConsentConfirmationRequestedDetail, DetailType } from '../../shared/domain/events';
import { isSubscriptionType } from '../../shared/domain/subscriptions';

const logger = new Logger();
const { leads: store, mailer, isSuppressed, link } = subscriberMail();

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
  if (await isSuppressed(lead.email)) {
    logger.info('Confirmation not sent: address suppressed', { leadId: lead.id });
    return;
  }
  const expiresAt = Math.floor(Date.now() / 1000) + CONFIRMATION_LINK_DAYS * 86_400;
  const links = await Promise.all(
    pending.map(async (subscription) => ({ subscription, url: await link('/v1/subscriptions/confirm', 'confirmation', { leadId: lead.id, subscription, expiresAt }) })),
  );
  const preferencesUrl = await link('/v1/preferences', 'preferences', { leadId: lead.id });
  const email = composeConfirmationEmail(lead.firstName, links, preferencesUrl);
  const messageId = await mailer.send({ to: [lead.email], ...email, tags: { purpose: 'confirmation' } });
  logger.info('Confirmation sent', { leadId: lead.id, subscriptions: pending, messageId });
}

export const handler = async (event: SQSEvent, context: Context) => {
  logger.addContext(context);
  return processSqsBatch(event, context, logger, sendConfirmation);
};
