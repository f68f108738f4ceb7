import { createHmac } from 'node:crypto';
import * as z from 'zod/mini';
import { checkEmail } from '../email';

/** Why an address is never mailed. */
export type SuppressionReason = 'hard_bounce' | 'complaint' | 'repeated_soft_bounce' | 'erased';

/** Transient bounces suppress an address once this many arrive within `SOFT_BOUNCE_WINDOW_DAYS`. */
export const SOFT_BOUNCES_TO_SUPPRESS = 3;
export const SOFT_BOUNCE_WINDOW_DAYS = 30;

const Recipient = z.object({ emailAddress: z.string() });

/** The parts of an SES event (configuration-set event destination on EventBridge) that matter here. */
export const SesDeliveryEvent = z.object({
  eventType: z.string(),
  mail: z.object({ messageId: z.string() }),
  bounce: z.optional(z.object({ bounceType: z.string(), bounceSubType: z.optional(z.string()), bouncedRecipients: z.array(Recipient) })),
  complaint: z.optional(z.object({ complainedRecipients: z.array(Recipient), complaintFeedbackType: z.optional(z.string()) })),
});
export type SesDeliveryEvent = z.infer<typeof SesDeliveryEvent>;

export interface DeliverabilityFinding {
  readonly email: string;
  readonly kind: 'hard_bounce' | 'soft_bounce' | 'complaint';
  /** SES's own words, for the audit: bounce type and subtype, or the complaint feedback type. */
  readonly detail: string;
}

/**
 * What a bounce or complaint says about each recipient. A permanent bounce and a complaint suppress
 * at once; a transient or undetermined bounce counts towards `SOFT_BOUNCES_TO_SUPPRESS`.
 */
export function deliverabilityFindings(event: SesDeliveryEvent): DeliverabilityFinding[] {
  const normalised = (address: string) => {
    const checked = checkEmail(address);
    return checked.ok ? checked.email : address.trim().toLowerCase();
  };
  if (event.bounce) {
    const kind = event.bounce.bounceType === 'Permanent' ? 'hard_bounce' : 'soft_bounce';
    const detail = [event.bounce.bounceType, event.bounce.bounceSubType].filter(Boolean).join('/');
    return event.bounce.bouncedRecipients.map((recipient) => ({ email: normalised(recipient.emailAddress), kind, detail }));
  }
  if (event.complaint) {
    const detail = event.complaint.complaintFeedbackType ?? 'complaint';
    return event.complaint.complainedRecipients.map((recipient) => ({ email: normalised(recipient.emailAddress), kind: 'complaint', detail }));
  }
  return [];
}

/**
 * The one-way key of an address: HMAC-SHA256 under a secret salt, so the suppression list can be
 * checked by address and still hold nothing readable once a lead is erased.
 */
export const addressHash = (salt: string, email: string) => createHmac('sha256', salt).update(email).digest('base64url');
