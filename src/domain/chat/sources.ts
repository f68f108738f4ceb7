import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import * as z from 'zod/mini';
import { ringKey, type KeyRing } from '../consent/signed-token';
import { jsonPathProblem } from './json-path';

/**
 * Chat tools leadflow reads conversations from, each through a signed inbound webhook of its own
 * (`POST /v1/chat/{sourceId}`):
 * - `intercom`: Intercom webhook notifications, signed with the app's client secret
 *   (`X-Hub-Signature: sha1=<hex HMAC-SHA1 of the body>`).
 *   https://developers.intercom.com/docs/references/webhooks/webhook-models
 * - `tawkto`: tawk.to webhooks, signed with the webhook's secret key
 *   (`X-Tawk-Signature: <hex HMAC-SHA1 of the body>`). https://developer.tawk.to/webhooks/
 * - `generic`: any tool that posts JSON signed the Standard Webhooks way (`webhook-id`,
 *   `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256 of id.timestamp.body>`), read
 *   through JSON paths the user configures. https://www.standardwebhooks.com
 */
export const CHAT_SOURCE_KINDS = ['intercom', 'tawkto', 'generic'] as const;
export type ChatSourceKind = (typeof CHAT_SOURCE_KINDS)[number];

const jsonPath = z
  .string().check(z.maxLength(300), z.superRefine((path, context) => {
    const problem = jsonPathProblem(path);
    if (problem) context.addIssue({ code: 'custom', message: problem });
  }));

/** Where a generic source's payload holds each part of a chat message: JSON paths such as `data.conversation.id`. */
export const GenericMapping = z
  .strictObject({
    conversationId: jsonPath.check(z.describe('The conversation id (text or number): required.')),
    messageId: z.optional(jsonPath).check(z.describe('The message id; without it the webhook-id names the message.')),
    messageText: z.optional(jsonPath).check(z.describe('The text of the visitor message; without it, or where it is empty, a delivery carries no message.')),
    visitorEmail: z.optional(jsonPath).check(z.describe('An email address the visitor left in the chat: it identifies the lead.')),
    visitorId: z.optional(jsonPath).check(z.describe("The visitor's id in the tool, or the leadflow.js anonymous id the page gave the chat widget.")),
    timestamp: z.optional(jsonPath).check(z.describe('When it happened: ISO 8601 text or Unix seconds; the webhook-timestamp when absent.')),
  }).check(z.meta({ id: 'ChatMapping' }));
export type GenericMapping = z.infer<typeof GenericMapping>;

export const ChatSourceId = z.string().check(z.regex(/^[a-z0-9][a-z0-9-]{0,47}$/, 'must be 1-48 lower-case letters, digits or -, starting with a letter or digit'));

/** A tool's own signing secret as an admin pastes it, or a generic source's `whsec_` secret. */
const ToolSecret = z.string().check(z.regex(/^[\x21-\x7e]{8,512}$/, 'must be 8-512 visible ASCII characters'));
/** A Standard Webhooks secret: `whsec_` and at least 16 bytes in base64. */
export const STANDARD_SECRET = /^whsec_[A-Za-z0-9+/]{22,}={0,2}$/;

/** A chat source as an admin adds it (`POST /v1/admin/chat-sources`). */
export const ChatSourceRequest = z
  .strictObject({
    id: ChatSourceId.check(z.describe('Names the source in its webhook URL, /v1/chat/{id}.')),
    kind: z.enum(CHAT_SOURCE_KINDS, { error: `must be one of ${CHAT_SOURCE_KINDS.join(', ')}` }),
    description: z.optional(z.string().check(z.trim(), z.maxLength(200))),
    secret: z.optional(ToolSecret).check(z.describe("The tool's signing secret (Intercom client secret, tawk.to webhook secret key). A generic source without one gets a new whsec_ secret, shown once.")),
    mapping: z.optional(GenericMapping).check(z.describe('Generic sources only: where each part of a message is in the payload.')),
  }).check(z.superRefine((request, context) => {
    if (request.kind === 'generic') {
      if (!request.mapping) context.addIssue({ code: 'custom', path: ['mapping'], message: 'is required for a generic source' });
      if (request.secret !== undefined && !STANDARD_SECRET.test(request.secret)) context.addIssue({ code: 'custom', path: ['secret'], message: 'must be a Standard Webhooks secret: whsec_ and base64' });
    } else {
      if (request.mapping) context.addIssue({ code: 'custom', path: ['mapping'], message: `is only for generic sources; ${request.kind} payloads are read as the tool documents them` });
      if (request.secret === undefined) context.addIssue({ code: 'custom', path: ['secret'], message: `is required: paste the signing secret ${request.kind} shows for the webhook` });
    }
  }), z.meta({ id: 'ChatSourceRequest' }));
export type ChatSourceRequest = z.infer<typeof ChatSourceRequest>;

/** A rotation: the tool's new secret (a generic source without one gets a new one), and how long the old one still verifies. */
export const ChatSecretRotation = z
  .strictObject({
    secret: z.optional(ToolSecret),
    overlapHours: z._default(z.int('must be a whole number of hours').check(z.gte(0, 'must be at least 0'), z.lte(168, 'must be at most 168 (7 days)')), 24),
  }).check(z.meta({ id: 'ChatSecretRotation' }));

/**
 * A secret sealed with AES-256-GCM under a key derived from the signing-key ring's key `kid`, bound to
 * its source id: the table (which many functions read) holds no usable secret, and only functions
 * given the signing keys can open it. Tools' secrets must be kept (to verify their HMAC), so a hash
 * would not do.
 */
export interface SealedSecret {
  readonly kid: string;
  readonly iv: string;
  readonly data: string;
  readonly tag: string;
}

/** The settings of a chat source as stored; its secrets sealed. */
export interface ChatSource {
  readonly id: string;
  readonly kind: ChatSourceKind;
  readonly description?: string;
  readonly mapping?: GenericMapping;
  readonly createdAt: string;
  readonly secret: SealedSecret;
  /** A rotated-out secret that still verifies until `until`, while the tool switches over. */
  readonly previousSecret?: SealedSecret & { readonly until: string };
}

function sealingKey(ring: KeyRing, kid: string): Buffer {
  const key = ringKey(ring, kid);
  if (!key) throw new Error(`Signing key ${kid} that sealed a chat source secret is no longer in the key ring`);
  return createHmac('sha256', key).update(`v1.chat-source-secret.${kid}`).digest();
}

const associated = (sourceId: string) => Buffer.from(`chat-source:${sourceId}`);

export function sealSecret(ring: KeyRing, sourceId: string, secret: string): SealedSecret {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', sealingKey(ring, ring.current), iv).setAAD(associated(sourceId));
  const data = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return { kid: ring.current, iv: iv.toString('base64url'), data: data.toString('base64url'), tag: cipher.getAuthTag().toString('base64url') };
}

export function openSecret(ring: KeyRing, sourceId: string, sealed: SealedSecret): string {
  const decipher = createDecipheriv('aes-256-gcm', sealingKey(ring, sealed.kid), Buffer.from(sealed.iv, 'base64url')).setAAD(associated(sourceId));
  decipher.setAuthTag(Buffer.from(sealed.tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64url')), decipher.final()]).toString('utf8');
}

/** A new Standard Webhooks secret for a generic source: 32 random bytes. */
export const newStandardSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

/** The secrets a delivery may be signed with now: the current one, and a rotated-out one still in its overlap. */
export function verifyingSecrets(ring: KeyRing, source: ChatSource, now: Date): string[] {
  const previous = source.previousSecret && source.previousSecret.until > now.toISOString() ? [openSecret(ring, source.id, source.previousSecret)] : [];
  return [openSecret(ring, source.id, source.secret), ...previous];
}

/** Claiming a delivery before taking it: `taken` when it was taken before, `in-progress` while another call takes it. */
export type DeliveryClaim = { readonly outcome: 'claimed'; readonly token: string } | { readonly outcome: 'taken' } | { readonly outcome: 'in-progress' };
