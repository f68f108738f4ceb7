import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSEvent } from 'aws-lambda';
import * as z from 'zod';
import { BusEventMetadata, leadflowBusEvent } from '../../src/adapters/bus-events';
import { documentClient, secretsManagerClient, sqsClient } from '../../src/adapters/clients';
import { describeError } from '../../src/adapters/event-publisher';
import { HeldClaimRetry, RedeliveryBackoff } from '../../src/adapters/redelivery';
import { cachedSecret, keyRingFromSecret } from '../../src/adapters/secrets';
import { WebhookStore, type SigningEndpoint } from '../../src/adapters/webhook-store';
import { dnsResolver, pinnedConnector, type HostResolver, type WebhookConnector } from '../../src/adapters/webhook-transport';
import { processSqsBatch } from '../../src/app/batch';
import { readConfig, setting } from '../../src/config';
import { LeadStore } from '../../src/adapters/lead-store';
import { parsedRecords, type ParsedRecordOf } from '../../src/adapters/sqs-records';
import { DetailType, WEBHOOK_EVENT_TYPES, type WebhookEventType } from '../../src/domain/events';
import { contactOf } from '../../src/domain/lead';
import {
  WEBHOOK_HEADERS,
  WEBHOOK_TIMEOUT_MS,
  webhookBody,
  webhookEventId,
  webhookRetryDelaySeconds,
  webhookSignatureHeader,
  type WebhookSecretRef,
} from '../../src/domain/handoff/webhooks';
import { webhookTarget } from '../../src/app/webhook-targets';

const config = readConfig({ TABLE_NAME: setting, SIGNING_KEYS_SECRET: setting });
const allowLoopback = process.env.WEBHOOKS_ALLOW_LOOPBACK === 'true';
const logger = new Logger();
// Claims taken over once stale (30 s: the function's timeout in the manifest); a delivery another
// invocation holds is retried after waits that grow until its claim could be (taken over if a crash cut it off).
const heldClaims = new HeldClaimRetry(sqsClient(), 30);
const webhooks = new WebhookStore(documentClient(), config.TABLE_NAME, heldClaims.staleMs);
const leads = new LeadStore(documentClient(), config.TABLE_NAME);
const backoff = new RedeliveryBackoff(sqsClient(), webhookRetryDelaySeconds);
const keyRing = cachedSecret(secretsManagerClient(), config.SIGNING_KEYS_SECRET, keyRingFromSecret);

const BusEvent = z.intersection(leadflowBusEvent(...WEBHOOK_EVENT_TYPES), BusEventMetadata);

/** The endpoint's name did not resolve, or it answered something other than 2xx, or not in time: the event is retried later, with backoff. */
class DeliveryFailed extends Error {
  override readonly name = 'DeliveryFailed';
}

/** Another invocation is delivering the same event to the endpoint: look again after the usual redelivery. */
class DeliveryInProgress extends Error {
  override readonly name = 'DeliveryInProgress';
}

/** When the event happened, as its producer says; the bus's own time otherwise. */
function occurredAt(detail: Record<string, unknown>, busTime: string): string {
  const at = detail.assignedAt ?? detail.qualifiedAt ?? detail.at;
  return typeof at === 'string' ? at : busTime;
}

/** The secrets that sign now: the endpoint's, then a rotated-out one still in its overlap. */
function signingSecretRefs(endpoint: SigningEndpoint, now: Date): WebhookSecretRef[] {
  const previous = endpoint.previousSecretRef;
  return [endpoint.secretRef, ...(previous && previous.until > now.toISOString() ? [previous] : [])];
}

/** The network side of a delivery: resolving the endpoint's host name and POSTing to a checked address. */
export interface DeliveryNetwork {
  readonly resolver: HostResolver;
  readonly connector: WebhookConnector;
}

/** One POST to a checked address, signed with the endpoint's secrets over the event id, the timestamp and the exact body sent. */
async function post(network: DeliveryNetwork, endpoint: SigningEndpoint, addresses: readonly string[], eventId: string, eventType: string, body: string): Promise<number> {
  const now = new Date();
  const timestamp = Math.floor(now.getTime() / 1000);
  return network.connector.post({
    url: new URL(endpoint.url),
    addresses,
    headers: {
      'content-type': 'application/json',
      'user-agent': 'leadflow-webhooks/1',
      [WEBHOOK_HEADERS.id]: eventId,
      [WEBHOOK_HEADERS.timestamp]: String(timestamp),
      [WEBHOOK_HEADERS.signature]: webhookSignatureHeader(await keyRing(), signingSecretRefs(endpoint, now), endpoint.id, { id: eventId, timestamp, body }),
      [WEBHOOK_HEADERS.eventType]: eventType,
    },
    body,
    timeoutMs: WEBHOOK_TIMEOUT_MS,
  });
}

/**
 * Delivers to one endpoint once: claimed before the POST, marked after a 2xx, released after a
 * failure. The host name is resolved afresh and every address checked before the POST, which goes
 * to the addresses checked: a name that now leads into leadflow's network (DNS rebinding, a changed
 * record) is refused. A refusal is settled, not retried: it is the endpoint's configuration, which no
 * retry can change, and retrying would only park the event in the DLQ beside receivers that were
 * merely down. The error log names the endpoint and why; once its DNS is fixed, later events reach it.
 */
async function deliverTo(network: DeliveryNetwork, endpoint: SigningEndpoint, eventId: string, eventType: string, body: string): Promise<void> {
  const claim = await webhooks.claimDelivery(endpoint.id, eventId, new Date());
  if (claim.outcome === 'already-delivered' || claim.outcome === 'already-refused') return;
  if (claim.outcome === 'in-progress') throw new DeliveryInProgress(`webhook ${endpoint.id}: another invocation is delivering ${eventId}`);
  let status: number;
  try {
    const target = await webhookTarget(endpoint.url, network.resolver, allowLoopback);
    if (!target.allowed) {
      await webhooks.markRefused(endpoint.id, eventId, claim.token, target.problem, new Date());
      logger.error('Webhook target refused; the event is not delivered to it', { webhookId: endpoint.id, eventId, eventType, problem: target.problem });
      return;
    }
    status = await post(network, endpoint, target.addresses, eventId, eventType, body);
  } catch (error) {
    await webhooks.releaseDelivery(endpoint.id, eventId, claim.token);
    throw new DeliveryFailed(`webhook ${endpoint.id}: ${describeError(error)}`);
  }
  if (status < 200 || status > 299) {
    await webhooks.releaseDelivery(endpoint.id, eventId, claim.token);
    throw new DeliveryFailed(`webhook ${endpoint.id} answered ${status}`);
  }
  await webhooks.markDelivered(endpoint.id, eventId, claim.token, status, new Date());
  logger.info('Webhook delivered', { webhookId: endpoint.id, eventId, eventType, status });
}

/**
 * What a delivery carries: the bus event's detail; for a contact change also the lead's contact
 * fields as they are now (the bus carries only their names). Undefined: the lead is gone (erased), so
 * there is nothing to send.
 */
async function deliveryData(eventType: WebhookEventType, detail: Record<string, unknown>): Promise<Record<string, unknown> | undefined> {
  if (eventType !== DetailType.LeadContactChanged) return detail;
  const lead = await leads.getLead(String(detail.leadId));
  return lead ? { ...detail, contact: contactOf(lead) } : undefined;
}

async function deliverWebhooks(network: DeliveryNetwork, record: ParsedRecordOf<typeof BusEvent>): Promise<void> {
  const event = record.body;
  const eventType = event['detail-type'];
  const { detail } = event;
  const eventId = webhookEventId(eventType, detail, event.id);
  const endpoints = (await webhooks.listForSigning()).filter((endpoint) => endpoint.eventTypes.includes(eventType));
  if (!endpoints.length) return;
  const data = await deliveryData(eventType, detail);
  if (!data) {
    logger.info('Lead no longer exists; contact change not delivered', { eventId, eventType });
    return;
  }
  const body = webhookBody({ id: eventId, type: eventType, occurredAt: occurredAt(event.detail, event.time), data });
  const results = await Promise.allSettled(endpoints.map((endpoint) => deliverTo(network, endpoint, eventId, eventType, body)));
  const failures = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected').map((failure) => failure.reason as unknown);
  if (!failures.length) return;
  // Endpoints that got the event are not posted again when the record is retried for the others.
  if (failures.some((failure) => failure instanceof DeliveryFailed)) {
    try {
      const seconds = await backoff.postpone(record);
      logger.info('Webhook delivery retried later', { eventId, eventType, inSeconds: seconds, receiveCount: record.attributes.ApproximateReceiveCount });
    } catch (error) {
      // Without the backoff the record still comes back, after the queue's own visibility timeout.
      logger.warn('Could not postpone the retry', { eventId, error: describeError(error) });
    }
  } else if (failures.some((failure) => failure instanceof DeliveryInProgress)) {
    await heldClaims.postpone(record, logger, { eventId });
  }
  throw new AggregateError(failures, failures.map(describeError).join('; '));
}

/** The consumer, around the network it delivers over (tests give their own). */
export const deliverWebhooksOver = (network: DeliveryNetwork) => async (event: SQSEvent, context: Context) => {
  logger.addContext(context);
  return processSqsBatch(event, context, logger, parsedRecords(BusEvent, (record) => deliverWebhooks(network, record)));
};

export const handler = deliverWebhooksOver({ resolver: dnsResolver, connector: pinnedConnector });
