import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { standardWebhookSignature } from '../handoff/webhook-signature';
import type { ChatSourceKind } from './sources';

/** Header names, lower-cased as handlers see them. */
export const CHAT_SIGNATURE_HEADERS = {
  intercom: 'x-hub-signature',
  tawkto: 'x-tawk-signature',
  webhookId: 'webhook-id',
  webhookTimestamp: 'webhook-timestamp',
  webhookSignature: 'webhook-signature',
} as const;

export type Headers = Readonly<Record<string, string | undefined>>;

/** Why a delivery is not taken as the tool's: the header at fault and what is wrong with it. */
export interface SignatureProblem {
  readonly field: string;
  readonly message: string;
}

/** How far a Standard Webhooks timestamp may be from now, either way (the specification's suggestion). */
export const TIMESTAMP_TOLERANCE_SECONDS = 5 * 60;

/**
 * How old a delivery may be when it arrives. A Standard Webhooks sender signs the time of each attempt,
 * so 5 minutes hold. Intercom and tawk.to sign only the body, whose time is the event's, and resend the
 * same body on retries: tawk.to for up to 12 hours (developer.tawk.to/webhooks, "Retry policy"),
 * Intercom after throttling delays of up to 2 hours (developers.intercom.com "Delivering Webhook
 * Notifications"). A window of 5 minutes would refuse their own retries, so theirs is the retry period
 * plus the tolerance; a replay inside it meets the seen-delivery record, which is kept as long.
 */
export const REPLAY_WINDOW_SECONDS: Readonly<Record<ChatSourceKind, number>> = {
  generic: TIMESTAMP_TOLERANCE_SECONDS,
  intercom: 2 * 3600 + TIMESTAMP_TOLERANCE_SECONDS,
  tawkto: 12 * 3600 + TIMESTAMP_TOLERANCE_SECONDS,
};

const equalText = (a: string, b: string) => {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
};

const hexHmac = (algorithm: 'sha1', secret: string, body: string) => createHmac(algorithm, secret).update(body).digest('hex');

/** The key bytes of a `whsec_` secret. */
const standardKey = (secret: string) => Buffer.from(secret.replace(/^whsec_/, ''), 'base64');

/**
 * Checks that a delivery was signed with one of `secrets` (the current one, and a rotated-out one in
 * its overlap), comparing in constant time; the problem names the header at fault.
 */
export function signatureProblem(kind: ChatSourceKind, secrets: readonly string[], headers: Headers, rawBody: string): SignatureProblem | undefined {
  if (kind === 'intercom' || kind === 'tawkto') {
    const field = CHAT_SIGNATURE_HEADERS[kind];
    const given = headers[field]?.trim().toLowerCase();
    if (!given) return { field, message: 'is missing: the call is not signed' };
    const expected = (secret: string) => (kind === 'intercom' ? `sha1=${hexHmac('sha1', secret, rawBody)}` : hexHmac('sha1', secret, rawBody));
    return secrets.some((secret) => equalText(expected(secret), given)) ? undefined : { field, message: 'does not match the body under the source secret' };
  }
  const { webhookId, webhookTimestamp, webhookSignature } = CHAT_SIGNATURE_HEADERS;
  for (const field of [webhookId, webhookTimestamp, webhookSignature]) {
    if (!headers[field]) return { field, message: 'is missing: the call is not signed' };
  }
  const timestamp = headers[webhookTimestamp] ?? '';
  if (!/^\d{1,12}$/.test(timestamp)) return { field: webhookTimestamp, message: 'must be Unix seconds' };
  const message = { id: headers[webhookId] ?? '', timestamp: Number(timestamp), body: rawBody };
  const given = (headers[webhookSignature] ?? '').split(' ').filter((part) => part.startsWith('v1,'));
  const matches = secrets.some((secret) => {
    const expected = standardWebhookSignature(standardKey(secret), message);
    return given.some((signature) => equalText(expected, signature));
  });
  return matches ? undefined : { field: webhookSignature, message: 'has no v1 signature matching webhook-id.webhook-timestamp.body under the source secret' };
}

/** What tells one delivery from another, and when it was sent: read from signed parts only. */
export interface DeliveryFacts {
  /** Names the delivery in the seen-delivery record: the same for a replay of it. */
  readonly deliveryKey: string;
  /** When the delivery (or its event, for tools that sign only the body) was made, in epoch ms; undefined when the payload does not say. */
  readonly sentAt: number | undefined;
  /** Where sentAt was read, for the error naming it. */
  readonly sentAtField: string;
}

const bodyHash = (rawBody: string) => createHash('sha256').update(rawBody).digest('base64url');
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The delivery's key and time. A Standard Webhooks delivery has both in signed headers. An Intercom
 * notification has its id and `created_at` in the signed body. tawk.to's `X-Hook-Event-Id` header is
 * not signed (a replay could change it), so a tawk.to delivery is keyed by the hash of its signed body
 * and dated by the body's `time`.
 */
export function deliveryFacts(kind: ChatSourceKind, headers: Headers, payload: unknown, rawBody: string): DeliveryFacts {
  if (kind === 'generic') {
    return { deliveryKey: `id:${headers[CHAT_SIGNATURE_HEADERS.webhookId] ?? ''}`, sentAt: Number(headers[CHAT_SIGNATURE_HEADERS.webhookTimestamp]) * 1000, sentAtField: CHAT_SIGNATURE_HEADERS.webhookTimestamp };
  }
  const body = isRecord(payload) ? payload : {};
  if (kind === 'intercom') {
    const createdAt = body.created_at;
    return {
      deliveryKey: typeof body.id === 'string' && body.id ? `id:${body.id}` : `body:${bodyHash(rawBody)}`,
      sentAt: typeof createdAt === 'number' && Number.isFinite(createdAt) ? createdAt * 1000 : undefined,
      sentAtField: 'created_at',
    };
  }
  const time = typeof body.time === 'string' ? Date.parse(body.time) : Number.NaN;
  return { deliveryKey: `body:${bodyHash(rawBody)}`, sentAt: Number.isNaN(time) ? undefined : time, sentAtField: 'time' };
}

/** Why a delivery's time refuses it: missing, too far in the future, or older than the source's replay window. */
export function staleProblem(kind: ChatSourceKind, facts: DeliveryFacts, now: number): SignatureProblem | undefined {
  const field = facts.sentAtField;
  if (facts.sentAt === undefined) return { field, message: 'is missing: the delivery cannot be dated' };
  if (facts.sentAt > now + TIMESTAMP_TOLERANCE_SECONDS * 1000) return { field, message: 'is in the future beyond the 5 minute tolerance' };
  const window = REPLAY_WINDOW_SECONDS[kind];
  if (facts.sentAt < now - window * 1000) return { field, message: `is older than ${Math.round(window / 60)} minutes: a replayed or long-delayed delivery` };
  return undefined;
}
