import { createHash, createHmac, randomBytes } from 'node:crypto';
import { ringKey, type KeyRing } from '../consent/signed-token';
import { DetailType, type WebhookEventType } from '../events';
import { standardWebhookSignature, type StandardWebhookMessage } from './webhook-signature';

/**
 * Signed webhooks for a CRM or chat tool, following the Standard Webhooks specification
 * (https://www.standardwebhooks.com), so a receiver verifies with a stock library: each delivery is a
 * POST of JSON whose signature is an HMAC-SHA256, keyed with the endpoint's secret, of
 * `<webhook-id>.<webhook-timestamp>.<raw body>`; the receiver checks who sent it and when (refusing
 * old timestamps: replay protection) and dedupes on the id.
 */
export const WEBHOOK_HEADERS = {
  id: 'webhook-id',
  timestamp: 'webhook-timestamp',
  signature: 'webhook-signature',
  /** Not part of the specification: the event type, also in the body, for routing before parsing. */
  eventType: 'Leadflow-Event-Type',
} as const;

/** A delivery that has not answered in this long is a failure, retried later. */
export const WEBHOOK_TIMEOUT_MS = 5_000;

/** The first retry of a failed delivery waits this long; each later one twice as long as the one before. */
export const WEBHOOK_FIRST_RETRY_SECONDS = 30;
/** SQS's longest visibility timeout. */
const MAX_VISIBILITY_SECONDS = 12 * 3600;

/**
 * How long a delivery that failed on its `receiveCount`-th attempt waits before the next: 30 s, 1, 2,
 * 4, 8, 16, 32 min, so the 8th and last attempt comes about 63 minutes after the first.
 */
export const webhookRetryDelaySeconds = (receiveCount: number) =>
  Math.min(WEBHOOK_FIRST_RETRY_SECONDS * 2 ** (Math.max(receiveCount, 1) - 1), MAX_VISIBILITY_SECONDS);

/** A registered endpoint; its secret is shown in the answer that creates or rotates it, and never stored. */
export interface WebhookEndpoint {
  readonly id: string;
  readonly url: string;
  readonly eventTypes: readonly WebhookEventType[];
  readonly description?: string;
  readonly createdAt: string;
}

/** Where an endpoint's secret comes from: a key id of the signing-key ring and a random nonce. Neither is the secret. */
export interface WebhookSecretRef {
  readonly kid: string;
  readonly nonce: string;
}

/** A new endpoint's secret comes from the ring's current key and 16 random bytes. */
export const newWebhookSecretRef = (ring: KeyRing): WebhookSecretRef => ({ kid: ring.current, nonce: randomBytes(16).toString('base64url') });

/**
 * An endpoint's signing key, derived rather than stored: HMAC-SHA256 under the ring's key `kid` over
 * the purpose, the key id, the endpoint id and the nonce, so the table (which many functions read)
 * holds no secret, and only the functions given the signing keys can sign. 32 bytes.
 */
function webhookSigningKey(ring: KeyRing, ref: WebhookSecretRef, endpointId: string): Buffer {
  const key = ringKey(ring, ref.kid);
  if (!key) throw new Error(`Signing key ${ref.kid} of webhook ${endpointId} is no longer in the key ring`);
  return createHmac('sha256', key).update(`v1.webhook-secret.${ref.kid}.${endpointId}.${ref.nonce}`).digest();
}

/** The secret as shown once to the receiver: `whsec_` and the key's bytes in standard base64, as the specification serialises it. */
export const webhookSecret = (ring: KeyRing, ref: WebhookSecretRef, endpointId: string) =>
  `whsec_${webhookSigningKey(ring, ref, endpointId).toString('base64')}`;

/** A rotated-out secret that still signs, beside the new one, until `until`: receivers switch over meanwhile. */
export interface PreviousWebhookSecret extends WebhookSecretRef {
  readonly until: string;
}

/**
 * The `webhook-signature` header: `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<raw body>">` under
 * each secret that signs now (the endpoint's, then a rotated-out one still in its overlap),
 * space-separated. A receiver accepts the delivery when any one matches its secret.
 */
export function webhookSignatureHeader(ring: KeyRing, refs: readonly WebhookSecretRef[], endpointId: string, message: StandardWebhookMessage): string {
  return refs.map((ref) => standardWebhookSignature(webhookSigningKey(ring, ref, endpointId), message)).join(' ');
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The id a receiver dedupes on: the same for every delivery of one domain event, even when its
 * producer put it on the bus twice (a new bus id each time). Qualifications and assignments are
 * keyed on lead + ruleset version + qualification, stage changes on lead + time + new stage, contact
 * changes on lead + the submission that made them, customer alerts on lead + trigger + episode, segment entries and exits on lead + segment + time; other types on their bus event id. Hashed, so it names no lead and the delivery records it keys hold
 * nothing erasure must find.
 */
export function webhookEventId(detailType: string, detail: unknown, busEventId: string): string {
  const qualificationKey =
    isRecord(detail) && typeof detail.leadId === 'string' && typeof detail.rulesetVersion === 'string' && typeof detail.qualification === 'number'
      ? `${detail.leadId}#${detail.rulesetVersion}#${detail.qualification}`
      : undefined;
  const stageChangeKey =
    detailType === DetailType.LeadStageChanged && isRecord(detail) && typeof detail.leadId === 'string' && typeof detail.at === 'string' && typeof detail.to === 'string'
      ? `${detail.leadId}#${detail.at}#${detail.to}`
      : undefined;
  const contactChangeKey =
    detailType === DetailType.LeadContactChanged && isRecord(detail) && typeof detail.leadId === 'string' && typeof detail.changeId === 'string'
      ? `${detail.leadId}#${detail.changeId}`
      : undefined;
  const alertKey =
    detailType === DetailType.CustomerAlerted && isRecord(detail) && typeof detail.leadId === 'string' && typeof detail.triggerId === 'string' && typeof detail.episodeStartedAt === 'string'
      ? `${detail.leadId}#${detail.triggerId}#${detail.episodeStartedAt}`
      : undefined;
  const segmentChangeKey =
    (detailType === DetailType.LeadSegmentEntered || detailType === DetailType.LeadSegmentLeft) && isRecord(detail) && typeof detail.leadId === 'string' && typeof detail.segmentId === 'string' && typeof detail.at === 'string'
      ? `${detail.leadId}#${detail.segmentId}#${detail.at}`
      : undefined;
  const journeyStepKey =
    detailType === DetailType.JourneyWebhookStepReached && isRecord(detail) && typeof detail.leadId === 'string' && typeof detail.journeyId === 'string' && typeof detail.run === 'number' && typeof detail.seq === 'number'
      ? `${detail.leadId}#${detail.journeyId}#${detail.run}#${detail.seq}`
      : undefined;
  const domainKey =
    qualificationKey && (detailType === DetailType.LeadQualified || detailType === DetailType.LeadAssigned)
      ? qualificationKey
      : (stageChangeKey ?? contactChangeKey ?? alertKey ?? segmentChangeKey ?? journeyStepKey ?? `bus#${busEventId}`);
  return `evt_${createHash('sha256').update(`${detailType}#${domainKey}`).digest('hex').slice(0, 32)}`;
}

/** The JSON body of a delivery. */
export function webhookBody(event: { id: string; type: string; occurredAt: string; data: unknown }): string {
  return JSON.stringify({ id: event.id, type: event.type, occurredAt: event.occurredAt, data: event.data });
}

/** An endpoint with where the secrets its deliveries are signed with come from. */
export interface SigningEndpoint extends WebhookEndpoint {
  readonly secretRef: WebhookSecretRef;
  readonly previousSecretRef?: PreviousWebhookSecret;
}

/** Claiming the delivery of one event to one endpoint: `claimed` (with the claim's token) for the one sender that may POST it. */
export type DeliveryClaim =
  | { readonly outcome: 'claimed'; readonly token: string }
  | { readonly outcome: 'already-delivered' }
  /** The target was refused for this event: not tried again (see `markRefused`). */
  | { readonly outcome: 'already-refused' }
  | { readonly outcome: 'in-progress' };

/** A webhook POST over a connection pinned to checked addresses. */
export interface PinnedPost {
  readonly url: URL;
  /**
   * The addresses to connect to, every one already checked, in the resolver's order: no second
   * look-up is made, so DNS cannot change them. Node tries them in turn (one family unreachable, as
   * IPv6 often is from Lambda, does not fail the delivery).
   */
  readonly addresses: readonly string[];
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly timeoutMs: number;
}
