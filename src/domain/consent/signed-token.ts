import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed links for subscribers: `v1.<kid>.<payload>.<hmac>`, HMAC-SHA256 over `v1.<purpose>.<kid>.<payload>`.
 * The purpose is inside the MAC, so a preference-centre token can never confirm an opt-in; the key id
 * allows rotation (new tokens are signed with the current key, older keys only verify); the payload
 * names the lead by id, never by email.
 */
export type TokenPurpose = 'unsubscribe' | 'preferences' | 'confirmation';

export interface KeyRing {
  /** The key id new tokens are signed with. */
  readonly current: string;
  /** Every key that may still verify, by id; at least 32 bytes of secret each. */
  readonly keys: Readonly<Record<string, string>>;
}

export interface TokenClaims {
  readonly leadId: string;
  /** The subscription type the link acts on, when it acts on one. */
  readonly subscription?: string;
  /** Expiry in epoch seconds: confirmation links expire, unsubscribe links must keep working. */
  readonly expiresAt?: number;
  /** The campaign whose email carried the link, so its report counts the unsubscribe. */
  readonly campaignId?: string;
}

export type TokenCheck =
  | { readonly valid: true; readonly claims: TokenClaims }
  | { readonly valid: false; readonly reason: 'malformed' | 'unknown-key' | 'bad-signature' | 'expired' };

const VERSION = 'v1';
export const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
export const MIN_SECRET_BYTES = 32;

/**
 * The secret of key `kid`, when the ring has one: an own property only, so a key id such as
 * `constructor` or `__proto__`, from a token or a stored endpoint, never finds Object.prototype's members.
 */
export const ringKey = (ring: KeyRing, kid: string): string | undefined => (Object.hasOwn(ring.keys, kid) ? ring.keys[kid] : undefined);

function mac(secret: string, purpose: SigningPurpose, kid: string, payload: string): Buffer {
  return createHmac('sha256', secret).update(`${VERSION}.${purpose}.${kid}.${payload}`).digest();
}

/** Refuses a key ring a token could be forged under: unknown current key, weak secrets, odd ids. */
export function checkKeyRing(ring: KeyRing): KeyRing {
  if (!ringKey(ring, ring.current)) throw new Error(`Key ring has no key ${ring.current}`);
  for (const [kid, secret] of Object.entries(ring.keys)) {
    if (!KEY_ID.test(kid)) throw new Error(`Key id ${JSON.stringify(kid)} must be 1-32 letters, digits, _ or -`);
    if (Buffer.byteLength(secret) < MIN_SECRET_BYTES) throw new Error(`Key ${kid} is shorter than ${MIN_SECRET_BYTES} bytes`);
  }
  return ring;
}

/** Every purpose a signed value can have: subscriber links, the render time a hosted form carries, survey answer links. */
export type SigningPurpose = TokenPurpose | 'form-render' | 'survey-answer';

/** Any value signed in the token format, its purpose inside the MAC: the base of links and form render tokens. */
export function signPayload(ring: KeyRing, purpose: SigningPurpose, value: object): string {
  const secret = ringKey(ring, ring.current);
  if (!secret) throw new Error(`Key ring has no key ${ring.current}`);
  const payload = Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${VERSION}.${ring.current}.${payload}.${mac(secret, purpose, ring.current, payload).toString('base64url')}`;
}

export type PayloadCheck = { readonly valid: true; readonly value: unknown } | { readonly valid: false; readonly reason: 'malformed' | 'unknown-key' | 'bad-signature' };

/** Checks a signed value in constant time and parses it; the caller checks its shape. Never throws on what a visitor sends. */
export function verifyPayload(ring: KeyRing, purpose: SigningPurpose, token: string): PayloadCheck {
  const parts = token.split('.');
  if (parts.length !== 4 || parts[0] !== VERSION) return { valid: false, reason: 'malformed' };
  const [, kid = '', payload = '', signature = ''] = parts;
  const secret = ringKey(ring, kid);
  if (!secret) return { valid: false, reason: 'unknown-key' };
  const expected = mac(secret, purpose, kid, payload);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { valid: false, reason: 'bad-signature' };
  try {
    return { valid: true, value: JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) };
  } catch {
    return { valid: false, reason: 'malformed' };
  }
}

export function signToken(ring: KeyRing, purpose: TokenPurpose, claims: TokenClaims): string {
  return signPayload(ring, purpose, claims);
}

/** Checks a token in constant time; `now` in epoch seconds. Never throws on what a visitor sends. */
export function verifyToken(ring: KeyRing, purpose: TokenPurpose, token: string, now: number): TokenCheck {
  const check = verifyPayload(ring, purpose, token);
  if (!check.valid) return check;
  const claims = check.value;
  if (!isClaims(claims)) return { valid: false, reason: 'malformed' };
  if (claims.expiresAt !== undefined && claims.expiresAt <= now) return { valid: false, reason: 'expired' };
  return { valid: true, claims };
}

function isClaims(value: unknown): value is TokenClaims {
  if (typeof value !== 'object' || value === null) return false;
  const claims = value as Record<string, unknown>;
  return (
    typeof claims.leadId === 'string' &&
    claims.leadId.length > 0 &&
    (claims.subscription === undefined || typeof claims.subscription === 'string') &&
    (claims.campaignId === undefined || typeof claims.campaignId === 'string') &&
    (claims.expiresAt === undefined || Number.isInteger(claims.expiresAt))
  );
}
