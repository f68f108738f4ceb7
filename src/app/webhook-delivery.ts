import { describeError } from '../domain/errors';
import type { LeadReader, Log } from './ports';
import { webhookTarget, type HostResolver } from './webhook-targets';
import type { KeyRing } from '../domain/consent/signed-token';
import { DetailType, type DeliveredWebhookType } from '../domain/events';
import { contactOf } from '../domain/lead';
import {
  WEBHOOK_HEADERS,
  WEBHOOK_TIMEOUT_MS,
  webhookBody,
  webhookEventId,
  webhookSignatureHeader,
  type DeliveryClaim,
  type PinnedPost,
  type SigningEndpoint,
  type WebhookSecretRef,
} from '../domain/handoff/webhooks';

/**
 * The endpoints and one record per endpoint and event: claimed before the POST (a stale claim is
 * taken over), then settled delivered or refused, or released for the retry. Settling and releasing
 * need the claim's token, so only its holder can.
 */
export interface WebhookDeliveryStore {
  listForSigning(): Promise<SigningEndpoint[]>;
  claimDelivery(webhookId: string, eventId: string, now: Date): Promise<DeliveryClaim>;
  markDelivered(webhookId: string, eventId: string, token: string, responseStatus: number, at: Date): Promise<void>;
  markRefused(webhookId: string, eventId: string, token: string, problem: string, at: Date): Promise<void>;
  releaseDelivery(webhookId: string, eventId: string, token: string): Promise<void>;
}

/** POSTs to a URL over a connection to one of the given addresses; answers the response status. */
export interface WebhookConnector {
  post(request: PinnedPost): Promise<number>;
}

/** The network side of a delivery: resolving the endpoint's host name and POSTing to a checked address. */
export interface DeliveryNetwork {
  readonly resolver: HostResolver;
  readonly connector: WebhookConnector;
}

export interface WebhookDeliveryDependencies {
  readonly webhooks: WebhookDeliveryStore;
  readonly leads: LeadReader;
  readonly network: DeliveryNetwork;
  /** The signing keys as they are now (rotated keys appear without a restart). */
  readonly keyRing: () => Promise<KeyRing>;
  readonly log: Log;
  /** Lets endpoints on loopback addresses be reached: local mode and its tests only. */
  readonly allowLoopback: boolean;
}

/** A bus event to deliver: its bus id, type and time, and its detail (already checked against its type's schema). */
export interface WebhookEvent {
  readonly busEventId: string;
  readonly type: DeliveredWebhookType;
  readonly time: string;
  readonly detail: Readonly<Record<string, unknown>>;
}

/** The endpoint's name did not resolve, or it answered something other than 2xx, or not in time: the event is retried later, with backoff. */
export class DeliveryFailed extends Error {
  override readonly name = 'DeliveryFailed';
}

/** Another invocation is delivering the same event to the endpoint: look again once its claim could be stale. */
export class DeliveryInProgress extends Error {
  override readonly name = 'DeliveryInProgress';
}

/**
 * Some endpoints did not get the event; those that did are not posted again when it is retried.
 * `retry` says when to: after a backoff when an endpoint failed; when the claims held elsewhere may be
 * stale when that was all; otherwise (the store failed) on the queue's usual redelivery.
 */
export class DeliveryIncomplete extends AggregateError {
  override readonly name = 'DeliveryIncomplete';
  constructor(
    readonly eventId: string,
    readonly retry: 'after-backoff' | 'when-claims-stale' | 'on-redelivery',
    failures: readonly unknown[],
  ) {
    super(failures, failures.map(describeError).join('; '));
  }
}

/** When the event happened, as its producer says; the bus's own time otherwise. */
function occurredAt(detail: Readonly<Record<string, unknown>>, busTime: string): string {
  const at = detail.assignedAt ?? detail.qualifiedAt ?? detail.at;
  return typeof at === 'string' ? at : busTime;
}

/** The secrets that sign now: the endpoint's, then a rotated-out one still in its overlap. */
function signingSecretRefs(endpoint: SigningEndpoint, now: Date): WebhookSecretRef[] {
  const previous = endpoint.previousSecretRef;
  return [endpoint.secretRef, ...(previous && previous.until > now.toISOString() ? [previous] : [])];
}

/** A journey's webhook step goes to the endpoint it names only; other events to the endpoints subscribed to their type. */
function wants(endpoint: SigningEndpoint, event: WebhookEvent): boolean {
  if (event.type === DetailType.JourneyWebhookStepReached) return endpoint.id === event.detail.webhookId;
  return (endpoint.eventTypes as readonly string[]).includes(event.type);
}

/**
 * Delivers leadflow's events to the webhook endpoints subscribed to their type, as Standard Webhooks:
 * each endpoint gets each event at least once (receivers dedupe on its stable id), signed with the
 * endpoint's secrets, only at addresses it is allowed to reach.
 */
export class WebhookDelivery {
  constructor(private readonly dependencies: WebhookDeliveryDependencies) {}

  /** Delivers the event to every endpoint subscribed to its type; throws `DeliveryIncomplete` when some did not get it. */
  async deliver(event: WebhookEvent): Promise<void> {
    const { webhooks, log } = this.dependencies;
    const eventId = webhookEventId(event.type, event.detail, event.busEventId);
    const endpoints = (await webhooks.listForSigning()).filter((endpoint) => wants(endpoint, event));
    if (!endpoints.length) return;
    const data = await this.deliveryData(event.type, event.detail);
    if (!data) {
      log.info('Lead no longer exists; event not delivered', { eventId, eventType: event.type });
      return;
    }
    const body = webhookBody({ id: eventId, type: event.type, occurredAt: occurredAt(event.detail, event.time), data });
    const results = await Promise.allSettled(endpoints.map((endpoint) => this.deliverTo(endpoint, eventId, event.type, body)));
    const failures = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected').map((failure) => failure.reason as unknown);
    if (!failures.length) return;
    if (failures.some((failure) => failure instanceof DeliveryFailed)) throw new DeliveryIncomplete(eventId, 'after-backoff', failures);
    throw new DeliveryIncomplete(eventId, failures.some((failure) => failure instanceof DeliveryInProgress) ? 'when-claims-stale' : 'on-redelivery', failures);
  }

  /**
   * What a delivery carries: the bus event's detail; for a contact change and a journey webhook step
   * also the lead's contact fields as they are now (the bus carries only their names). Undefined: the lead is gone (erased), so
   * there is nothing to send.
   */
  private async deliveryData(eventType: DeliveredWebhookType, detail: Readonly<Record<string, unknown>>): Promise<Readonly<Record<string, unknown>> | undefined> {
    if (eventType !== DetailType.LeadContactChanged && eventType !== DetailType.JourneyWebhookStepReached) return detail;
    const lead = await this.dependencies.leads.getLead(String(detail.leadId));
    return lead ? { ...detail, contact: contactOf(lead) } : undefined;
  }

  /**
   * Delivers to one endpoint once: claimed before the POST, marked after a 2xx, released after a
   * failure. The host name is resolved afresh and every address checked before the POST, which goes
   * to the addresses checked: a name that now leads into leadflow's network (DNS rebinding, a changed
   * record) is refused. A refusal is settled, not retried: it is the endpoint's configuration, which no
   * retry can change, and retrying would only park the event in the DLQ beside receivers that were
   * merely down. The error log names the endpoint and why; once its DNS is fixed, later events reach it.
   */
  private async deliverTo(endpoint: SigningEndpoint, eventId: string, eventType: string, body: string): Promise<void> {
    const { webhooks, network, log, allowLoopback } = this.dependencies;
    const claim = await webhooks.claimDelivery(endpoint.id, eventId, new Date());
    if (claim.outcome === 'already-delivered' || claim.outcome === 'already-refused') return;
    if (claim.outcome === 'in-progress') throw new DeliveryInProgress(`webhook ${endpoint.id}: another invocation is delivering ${eventId}`);
    let status: number;
    try {
      const target = await webhookTarget(endpoint.url, network.resolver, allowLoopback);
      if (!target.allowed) {
        await webhooks.markRefused(endpoint.id, eventId, claim.token, target.problem, new Date());
        log.error('Webhook target refused; the event is not delivered to it', { webhookId: endpoint.id, eventId, eventType, problem: target.problem });
        return;
      }
      status = await this.post(endpoint, target.addresses, eventId, eventType, body);
    } catch (error) {
      await webhooks.releaseDelivery(endpoint.id, eventId, claim.token);
      throw new DeliveryFailed(`webhook ${endpoint.id}: ${describeError(error)}`);
    }
    if (status < 200 || status > 299) {
      await webhooks.releaseDelivery(endpoint.id, eventId, claim.token);
      throw new DeliveryFailed(`webhook ${endpoint.id} answered ${status}`);
    }
    await webhooks.markDelivered(endpoint.id, eventId, claim.token, status, new Date());
    log.info('Webhook delivered', { webhookId: endpoint.id, eventId, eventType, status });
  }

  /** One POST to a checked address, signed with the endpoint's secrets over the event id, the timestamp and the exact body sent. */
  private async post(endpoint: SigningEndpoint, addresses: readonly string[], eventId: string, eventType: string, body: string): Promise<number> {
    const now = new Date();
    const timestamp = Math.floor(now.getTime() / 1000);
    return this.dependencies.network.connector.post({
      url: new URL(endpoint.url),
      addresses,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'leadflow-webhooks/1',
        [WEBHOOK_HEADERS.id]: eventId,
        [WEBHOOK_HEADERS.timestamp]: String(timestamp),
        [WEBHOOK_HEADERS.signature]: webhookSignatureHeader(await this.dependencies.keyRing(), signingSecretRefs(endpoint, now), endpoint.id, { id: eventId, timestamp, body }),
        [WEBHOOK_HEADERS.eventType]: eventType,
      },
      body,
      timeoutMs: WEBHOOK_TIMEOUT_MS,
    });
  }
}
