import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSEvent } from 'aws-lambda';
import * as z from 'zod/mini';
import { BusEventMetadata, leadflowBusEvent } from '../../src/adapters/bus-events';
import { documentClient, secretsManagerClient, sqsClient } from '../../src/adapters/clients';
import { describeError } from '../../src/domain/errors';
import { HeldClaimRetry, RedeliveryBackoff } from '../../src/adapters/redelivery';
import { cachedSecret, keyRingFromSecret } from '../../src/adapters/secrets';
import { WebhookStore } from '../../src/adapters/webhook-store';
import { dnsResolver, pinnedConnector } from '../../src/adapters/webhook-transport';
import { processParsedSqsBatch, type ParsedRecordOf } from '../../src/adapters/sqs-records';

import { DeliveryIncomplete, WebhookDelivery, type DeliveryNetwork } from '../../src/app/webhook-delivery';
import { readConfig, setting } from '../../src/config';
import { LeadStore } from '../../src/adapters/lead-store';
import { CustomerAlertedDetail, DetailType, JourneyWebhookStepReachedDetail, LeadAssignedDetail, LeadContactChangedDetail, LeadQualifiedDetail, LeadSegmentChangedDetail, LeadStageChangedDetail } from '../../src/domain/events';
import { webhookRetryDelaySeconds } from '../../src/domain/handoff/webhooks';

const config = readConfig({ TABLE_NAME: setting, SIGNING_KEYS_SECRET: setting });
const logger = new Logger();
// Claims taken over once stale (30 s: the function's timeout in the manifest); a delivery another
// invocation holds is retried after waits that grow until its claim could be (taken over if a crash cut it off).
const heldClaims = new HeldClaimRetry(sqsClient(), 30);
const webhooks = new WebhookStore(documentClient(), config.TABLE_NAME, heldClaims.staleMs);
const leads = new LeadStore(documentClient(), config.TABLE_NAME);
const backoff = new RedeliveryBackoff(sqsClient(), webhookRetryDelaySeconds);
const keyRing = cachedSecret(secretsManagerClient(), config.SIGNING_KEYS_SECRET, keyRingFromSecret);
const allowLoopback = process.env.WEBHOOKS_ALLOW_LOOPBACK === 'true';

const BusEvent = z.intersection(leadflowBusEvent({ [DetailType.LeadQualified]: LeadQualifiedDetail, [DetailType.LeadAssigned]: LeadAssignedDetail, [DetailType.LeadStageChanged]: LeadStageChangedDetail, [DetailType.LeadContactChanged]: LeadContactChangedDetail, [DetailType.CustomerAlerted]: CustomerAlertedDetail, [DetailType.LeadSegmentEntered]: LeadSegmentChangedDetail, [DetailType.LeadSegmentLeft]: LeadSegmentChangedDetail, [DetailType.JourneyWebhookStepReached]: JourneyWebhookStepReachedDetail }), BusEventMetadata);

/** Postpones the record's next receive as the incomplete delivery asks; without it the queue's own visibility timeout applies. */
async function postpone(record: ParsedRecordOf<typeof BusEvent>, { eventId, retry }: DeliveryIncomplete, eventType: string): Promise<void> {
  if (retry === 'when-claims-stale') return heldClaims.postpone(record, logger, { eventId });
  if (retry !== 'after-backoff') return;
  try {
    const seconds = await backoff.postpone(record);
    logger.info('Webhook delivery retried later', { eventId, eventType, inSeconds: seconds, receiveCount: record.attributes.ApproximateReceiveCount });
  } catch (error) {
    logger.warn('Could not postpone the retry', { eventId, error: describeError(error) });
  }
}

/** The consumer, around the network it delivers over (tests give their own). */
export const deliverWebhooksOver = (network: DeliveryNetwork) => {
  const delivery = new WebhookDelivery({ webhooks, leads, network, keyRing, log: logger, allowLoopback });
  const deliverWebhooks = async (record: ParsedRecordOf<typeof BusEvent>): Promise<void> => {
    const event = record.body;
    const eventType = event['detail-type'];
    const { detail } = event;
    try {
      await delivery.deliver({ busEventId: event.id, type: eventType, time: event.time, detail });
    } catch (error) {
      if (error instanceof DeliveryIncomplete) await postpone(record, error, eventType);
      throw error;
    }
  };
  return async (event: SQSEvent, context: Context) => {
    logger.addContext(context);
    return processParsedSqsBatch(event, context, logger, BusEvent, deliverWebhooks);
  };
};

export const handler = deliverWebhooksOver({ resolver: dnsResolver, connector: pinnedConnector });
