import * as z from 'zod/mini';
import { WEBHOOK_EVENT_TYPES } from '../events';
import { addressProblem, ipLiteral, isLocalhostName } from './webhook-target';

/*
 * What an admin sends to register a webhook endpoint or rotate its secret: apart from the signing in
 * webhooks.ts, so the console, which checks its forms with these schemas, takes no Node module with them.
 */

/**
 * What an endpoint must be: https, or (local mode) http on 127.0.0.1; no credentials in the URL; not
 * an address (or `localhost`) leadflow must not reach. A host name is checked further when it is
 * resolved, at registration and again at each delivery (see webhook-target.ts).
 */
export function webhookUrlProblem(text: string, allowLoopback: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.username || url.password) return 'must not carry credentials; the signature authenticates leadflow';
  const secure = url.protocol === 'https:' || (url.protocol === 'http:' && allowLoopback && url.hostname === '127.0.0.1');
  if (!secure) return allowLoopback ? 'must be https (or http on 127.0.0.1 in local mode)' : 'must be https';
  const literal = ipLiteral(url.hostname);
  if (literal) {
    const problem = addressProblem(literal, allowLoopback);
    return problem ? `must reach a public address; ${problem}` : undefined;
  }
  if (isLocalhostName(url.hostname) && !allowLoopback) return `must reach a public address; ${url.hostname} is loopback`;
  return undefined;
}

/** A webhook endpoint as an admin registers it (`POST /v1/admin/webhooks`). */
export const webhookRequest = (allowLoopback: boolean) =>
  z.strictObject({
    url: z
      .string().check(z.maxLength(2048), z.superRefine((url, context) => {
        const problem = webhookUrlProblem(url, allowLoopback);
        if (problem) context.addIssue({ code: 'custom', message: problem });
      })),
    eventTypes: z
      .array(z.enum(WEBHOOK_EVENT_TYPES, { error: `must be one of ${WEBHOOK_EVENT_TYPES.join(', ')}` })).check(z.minLength(1, 'must name at least one event type'), z.refine((types) => new Set(types).size === types.length, 'must not repeat an event type')),
    description: z.optional(z.string().check(z.trim(), z.maxLength(200))),
  });
export const WebhookRequest = webhookRequest(false).check(z.meta({ id: 'WebhookRequest' }));
export type WebhookRequest = z.infer<typeof WebhookRequest>;

/** How long a rotated-out secret still signs, by default and at most. */
export const DEFAULT_ROTATION_OVERLAP_HOURS = 24;
export const MAX_ROTATION_OVERLAP_HOURS = 7 * 24;

/** A rotation request: how many hours the old secret keeps signing beside the new one (0 for none). */
export const WebhookRotationRequest = z
  .strictObject({
    overlapHours: z._default(z
      .int('must be a whole number of hours').check(z.gte(0, 'must be at least 0'), z.lte(MAX_ROTATION_OVERLAP_HOURS, `must be at most ${MAX_ROTATION_OVERLAP_HOURS} (7 days)`)), DEFAULT_ROTATION_OVERLAP_HOURS).check(z.describe('Hours the old secret keeps signing beside the new one; 0 ends it at once.')),
  }).check(z.meta({ id: 'WebhookRotationRequest' }));
