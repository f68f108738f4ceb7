import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { documentClient, secretsManagerClient, sqsClient } from '../../shared/adapters/clients';
import { describeError } from '../../shared/adapters/event-publisher';
import { RedeliveryBackoff } from '../../shared/adapters/redelivery';
import { cachedSecret, keyRingFromSecret } from '../../shared/adapters/secrets';
import { WebhookStore, type SigningEndpoint } from '../../shared/adapters/webhook-store';
import { processSqsBatch } from '../../shared/batch';
import { readConfig, setting } from '../../shared/config';
import { LeadStore } from '../../shared/adapters/lead-store';
import { DetailType, detailSchemas, WEBHOOK_EVENT_TYPES, type WebhookEventType } from '../../shared/domain/events';
import { contactOf } from '../../shared/domain/lead';
import {
  WEBHOOK_HEADERS,
  WEBHOOK_TIMEOUT_MS,
  webhookBody,
  webhookEventId,
  webhookRetryDelaySeconds,
  webhookSecret,
  webhookSignatureHeader,
  webhookUrlProblem,
} from '../../shared/domain/handoff/webhooks';

const config = readConfig({ TABLE_NAME: setting, SIGNING_KEYS_SECRET: setting });
const allowLoopback = process.env.WEBHOOKS_ALLOW_LOOPBACK === 'true';
const logger = new Logger();
// A claim older than five function timeouts belongs to an invocation that is gone.
const webhooks = new WebhookStore(documentClient(), config.TABLE_NAME, 5 * 30_000);
const leads = new LeadStore(documentClient(), config.TABLE_NAME);
const backoff = new RedeliveryBackoff(sqsClient(), webhookRetryDelaySeconds);
const keyRing = cachedSecret(secretsManagerClient(), config.SIGNING_KEYS_SECRET, keyRingFromSecret);

const BusEvent = z.object({
  id: z.string().min(1),
  'detail-type': z.enum(WEBHOOK_EVENT_TYPES),
  time: z.string(),
  detail: z.record(z.string(), z.unknown()),
});

/** The endpoint answered something other than 2xx, or not in time: the event is retried later, with backoff. */
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
async function signingSecrets(endpoint: SigningEndpoint, now: Date): Promise<string[]> {
  const ring = await keyRing();
  const previous = endpoint.previousSecretRef;
  return [endpoint.secretRef, ...(previous && previous.until > now.toISOString() ? [previous] : [])].map((ref) => webhookSecret(ring, ref, endpoint.id));
}

/** One POST, signed with the endpoint's secrets over the timestamp and the exact body sent. */
async function post(endpoint: SigningEndpoint, eventId: string, eventType: string, body: string): Promise<number> {
  const now = new Date();
  const timestamp = Math.floor(now.getTime() / 1000);
  const response = await fetch(endpoint.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'user-agent': 'leadflow-webhooks/1',
      [WEBHOOK_HEADERS.eventId]: eventId,
      [WEBHOOK_HEADERS.eventType]: eventType,
      [WEBHOOK_HEADERS.timestamp]: String(timestamp),
      [WEBHOOK_HEADERS.signature]: webhookSignatureHeader(await signingSecrets(endpoint, now), timestamp, body),
    },
    body,
    // A redirect is not followed (it could point anywhere): it counts as a failure.
    redirect: 'manual',
    signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
  });
  await response.body?.cancel();
  return response.status;
}

/** Delivers to one endpoint once: claimed before the POST, marked after a 2xx, released after a failure. */
async function deliverTo(endpoint: SigningEndpoint, eventId: string, eventType: string, body: string): Promise<void> {
  const problem = webhookUrlProblem(endpoint.url, allowLoopback);
  if (problem) {
    // Registered under other rules (local mode): retrying cannot help.
    logger.warn('Webhook endpoint skipped', { webhookId: endpoint.id, problem });
    return;
  }
  const claim = await webhooks.claimDelivery(endpoint.id, eventId, new Date());
  if (claim.outcome === 'already-delivered') return;
  if (claim.outcome === 'in-progress') throw new DeliveryInProgress(`webhook ${endpoint.id}: another invocation is delivering ${eventId}`);
  let status: number;
  try {
    status = await post(endpoint, eventId, eventType, body);
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

async function deliverWebhooks(record: SQSRecord): Promise<void> {
  const event = BusEvent.parse(JSON.parse(record.body));
  const eventType = event['detail-type'];
  const detail = detailSchemas[eventType].parse(event.detail);
  const eventId = webhookEventId(eventType, detail, event.id);
  const endpoints = (await webhooks.listForSigning()).filter((endpoint) => endpoint.eventTypes.includes(eventType));
  if (!endpoints.length) return;
  const data = await deliveryData(eventType, detail);
  if (!data) {
    logger.info('Lead no longer exists; contact change not delivered', { eventId, eventType });
    return;
  }
  const body = webhookBody({ id: eventId, type: eventType, occurredAt: occurredAt(event.detail, event.time), data });
  const results = await Promise.allSettled(endpoints.map((endpoint) => deliverTo(endpoint, eventId, eventType, body)));
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
  }
  throw new AggregateError(failures, failures.map(describeError).join('; '));
}

export const handler = async (event: SQSEvent, context: Context) => {
  logger.addContext(context);
  return processSqsBatch(event, context, logger, deliverWebhooks);
};
