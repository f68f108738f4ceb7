import { createHash } from 'node:crypto';

/**
 * Idempotency as Stripe defines it: a retry with the same key and the same request gets the first
 * answer; the same key with a different request is refused (409), never applied and never dropped.
 * Keys are scoped to the person the request is about, so one caller cannot take a key another will use.
 */

/** JSON with object keys sorted at every level, so equal requests give equal text whatever their key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).filter(([, item]) => item !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** What a request asked for, as a hash kept with what it stored: equal for a faithful retry. */
export const requestFingerprint = (request: unknown) => createHash('sha256').update(canonicalJson(request)).digest('base64url');

const digest = (...parts: string[]) => createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32);

/**
 * A form submission's id: a retry with the same Idempotency-Key for the same address on the same
 * form is the same submission; another address with that key is another submission.
 */
export const submissionIdFor = (formId: string, email: string, idempotencyKey: string) => `sub_${digest('submission', formId, email, idempotencyKey)}`;

/** Whose event id a client's id is: the address or the anonymous visitor it was sent for. */
export type EventScope = { readonly email: string } | { readonly anonymousId: string };

/**
 * The stored id of a tracked event: the client's id within the visitor or address it was sent for,
 * so a client that guesses another visitor's event ids cannot make their events look like duplicates.
 */
export const scopedEventId = (scope: EventScope, clientId: string) =>
  `ev_${digest('event', 'email' in scope ? `email:${scope.email}` : `anonymous:${scope.anonymousId}`, clientId)}`;
