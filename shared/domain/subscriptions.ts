/**
 * Subscription types a form can offer, one checkbox each. Issue-tracked work makes these data; until
 * then this list is the single place that names them.
 */
export const SUBSCRIPTION_TYPES = ['newsletter', 'product_updates', 'events', 'offers'] as const;
export type SubscriptionType = (typeof SUBSCRIPTION_TYPES)[number];

export type SubscriptionStatus = 'opted_in' | 'pending' | 'opted_out';

/** Where and how a subscriber gave consent; stored append-only, never rewritten. */
export interface ConsentRecord {
  readonly subscription: SubscriptionType;
  readonly status: SubscriptionStatus;
  readonly at: string;
  readonly method: 'form_checkbox';
  readonly formId: string;
  readonly pageUrl?: string;
  readonly ipAddress?: string;
  readonly userAgent?: string;
  readonly consentText?: string;
}
