import { sendDecision, type SendDecision } from '../domain/consent/send-policy';
import type { Lead } from '../domain/lead';
import type { SubscriptionType } from '../domain/subscriptions';

/** Which marketing message a send-time check is asked about: a campaign's or a journey step's. */
export type MarketingMessage = { readonly kind: 'campaign'; readonly campaignId: string } | { readonly kind: 'journey'; readonly journeyId: string; readonly stepId: string };

/**
 * The one send-time check journeys ask before each marketing email (campaigns ask `sendDecision`
 * directly today): consent and suppression read just now. Frequency caps and quiet hours belong here
 * too, so a policy that adds them replaces this one implementation and every journey email obeys it.
 */
export interface SendTimeCheck {
  decide(lead: Lead | undefined, subscription: SubscriptionType, message: MarketingMessage, now: Date): Promise<SendDecision>;
}

/** Consent and suppression: the policy every marketing email has obeyed so far. */
export function consentAndSuppression(isSuppressed: (email: string) => Promise<boolean>): SendTimeCheck {
  return {
    decide: async (lead, subscription) => sendDecision(lead, subscription, lead ? await isSuppressed(lead.email) : false),
  };
}
