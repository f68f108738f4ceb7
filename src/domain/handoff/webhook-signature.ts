import { createHmac } from 'node:crypto';

/*
 * A module of its own so that what checks a signature (chat and help-desk intake) does not import
 * webhooks.ts, whose URL checks bring ipaddr.js: CommonJS, which esbuild keeps whole (12.5 KiB)
 * in every bundle that imports it, used or not.
 */

/** What a Standard Webhooks signature covers: the message id, its Unix timestamp in seconds and the raw body. */
export interface StandardWebhookMessage {
  readonly id: string;
  readonly timestamp: number;
  readonly body: string;
}

/** One signature of a `webhook-signature` header: `v1,` and the base64 HMAC-SHA256 under `key` of `<id>.<timestamp>.<body>`. */
export const standardWebhookSignature = (key: Buffer, message: StandardWebhookMessage) =>
  `v1,${createHmac('sha256', key).update(`${message.id}.${message.timestamp}.${message.body}`).digest('base64')}`;
