import type { Lead } from '../lead';
import type { SubscriptionType } from '../subscriptions';

export type SendDecision =
  | { readonly send: true }
  | { readonly send: false; readonly reason: 'no_lead' | 'not_opted_in' | 'suppressed' };

/**
 * The one send-time check for marketing email, made with what was read consistently just before the
 * call: the lead must exist, be opted in to the message's subscription type (pending, opted out or
 * never asked all say no) and its address must not be suppressed. Every sender asks this, so an
 * unsubscribe made after planning still holds before the send.
 */
export function sendDecision(lead: Lead | undefined, subscription: SubscriptionType, suppressed: boolean): SendDecision {
  if (!lead) return { send: false, reason: 'no_lead' };
  if (suppressed || lead.emailSuppression) return { send: false, reason: 'suppressed' };
  if (lead.subscriptions[subscription] !== 'opted_in') return { send: false, reason: 'not_opted_in' };
  return { send: true };
}

/**
 * RFC 2369 and RFC 8058 headers every marketing email carries: a one-click unsubscribe over https
 * (or the loopback address of local mode, which has no certificate).
 */
export function listUnsubscribeHeaders(unsubscribeUrl: string): Record<string, string> {
  if (!unsubscribeUrl.startsWith('https://') && !unsubscribeUrl.startsWith('http://127.0.0.1:')) {
    throw new Error(`List-Unsubscribe needs an https URL, not ${unsubscribeUrl.slice(0, 40)}`);
  }
  return { 'List-Unsubscribe': `<${unsubscribeUrl}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' };
}
