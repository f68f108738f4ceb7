import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSEvent } from 'aws-lambda';

import { leadflowBusEvent } from '../../src/adapters/bus-events';
import { ConfirmationStore } from '../../src/adapters/confirmation-store';
import { documentClient, sqsClient } from '../../src/adapters/clients';
import { HeldClaimRetry } from '../../src/adapters/redelivery';
import { processParsedSqsBatch, type ParsedRecordOf } from '../../src/adapters/sqs-records';
import { subscriberMail } from '../../src/adapters/subscriber-mail';
import { SubscriptionTypeStore } from '../../src/adapters/subscription-type-store';
import { composeConfirmationEmail, CONFIRMATION_LINK_DAYS } from '../../src/domain/consent/confirmation-email';
import { ConsentConfirmationRequestedDetail, DetailType } from '../../src/domain/events';
import { isSubscriptionType } from '../../src/domain/subscriptions';

const logger = new Logger();
const { leads: store, mailer, isSuppressed, link, tableName } = subscriberMail();
// Claims taken over once stale (30 s: the function's timeout in the manifest); a retry that finds a
// type's claim held waits until it could be, so a confirmation a crash cut off is sent late, not lost.
const heldClaims = new HeldClaimRetry(sqsClient(), 30);
const confirmations = new ConfirmationStore(documentClient(), tableName, heldClaims.staleMs);
const subscriptionTypes = new SubscriptionTypeStore(documentClient(), tableName);

/** Another invocation holds this lead's confirmation claim: retried once the claim can be taken over. */
class ConfirmationInProgress extends Error {
  override readonly name = 'ConfirmationInProgress';
}

const BusEvent = leadflowBusEvent({ [DetailType.ConsentConfirmationRequested]: ConsentConfirmationRequestedDetail });

/**
 * Emails the double opt-in links for the subscriptions still pending. Nothing is sent to a suppressed
 * address or for a subscription no longer pending, and the public form cannot make us mail an address
 * again and again: each type's link goes out once per window and an address gets a few such emails
 * per window (`ConfirmationStore`), however often the form is posted or the request redelivered.
 */
async function sendConfirmation(record: ParsedRecordOf<typeof BusEvent>): Promise<void> {
  const { detail } = record.body;
  const lead = await store.getLead(detail.leadId);
  if (!lead) return;
  const catalogue = await subscriptionTypes.current(detail.subscriptions);
  const pending = detail.subscriptions.filter((subscription) => isSubscriptionType(catalogue, subscription)).filter((subscription) => lead.subscriptions[subscription] === 'pending');
  if (pending.length === 0) return;
  if (await isSuppressed(lead.email)) {
    logger.info('Confirmation not sent: address suppressed', { leadId: lead.id });
    return;
  }
  const claim = await confirmations.claim(lead.id, pending, new Date());
  if (claim.outcome === 'in-progress') {
    await heldClaims.postpone(record, logger, { leadId: lead.id });
    throw new ConfirmationInProgress(`Confirmation for lead ${lead.id} is being sent by another invocation`);
  }
  if (claim.outcome !== 'claimed') {
    logger.info('Confirmation not sent: limit reached for this window', { leadId: lead.id, subscriptions: pending, reason: claim.outcome });
    return;
  }
  let messageId: string;
  try {
    const expiresAt = Math.floor(Date.now() / 1000) + CONFIRMATION_LINK_DAYS * 86_400;
    const links = await Promise.all(
      claim.subscriptions.map(async (subscription) => ({ subscription, url: await link('/v1/subscriptions/confirm', 'confirmation', { leadId: lead.id, subscription, expiresAt }) })),
    );
    const preferencesUrl = await link('/v1/preferences', 'preferences', { leadId: lead.id });
    const email = composeConfirmationEmail(lead.firstName, links, preferencesUrl, catalogue);
    messageId = await mailer.send({ to: [lead.email], ...email, tags: { purpose: 'confirmation' } });
  } catch (error) {
    // Nothing was sent: give the claims back so the retry can send.
    await confirmations.release(claim);
    throw error;
  }
  await confirmations.markSent(claim, messageId, new Date());
  logger.info('Confirmation sent', { leadId: lead.id, subscriptions: claim.subscriptions, messageId });
}

export const handler = async (event: SQSEvent, context: Context) => {
  logger.addContext(context);
  return processParsedSqsBatch(event, context, logger, BusEvent, sendConfirmation);
};
