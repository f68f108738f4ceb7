import type { Lead } from '../lead';
import { findSubscriptionType, type ConsentMethod, type SubscriptionCatalogue, type ConsentRecord, type SubscriptionStatus, type SubscriptionType } from '../subscriptions';

/** What a subscriber chose, type by type; types left out keep their status. */
export type PreferenceChoice = Partial<Record<SubscriptionType, 'opted_in' | 'opted_out'>>;

/** Where a change came from, for its consent record. */
export interface ConsentContext {
  readonly at: string;
  readonly method: ConsentMethod;
  readonly pageUrl?: string;
  readonly ipAddress?: string;
  readonly userAgent?: string;
  readonly consentText?: string;
}

export interface ConsentChange {
  /** New statuses, only for the types whose status changes. */
  readonly subscriptions: Partial<Record<SubscriptionType, SubscriptionStatus>>;
  /** One append-only record per changed type. */
  readonly records: readonly ConsentRecord[];
}

/**
 * Applies a subscriber's explicit choices. Nothing changes without one: a type that is not in the
 * choice, or already has the chosen status, keeps its status and gets no record, so repeating a
 * choice (a double click, a retried POST) is harmless.
 */
export function consentChange(current: Lead['subscriptions'], choice: PreferenceChoice, context: ConsentContext): ConsentChange {
  const subscriptions: Partial<Record<SubscriptionType, SubscriptionStatus>> = {};
  const records: ConsentRecord[] = [];
  for (const [subscription, status] of Object.entries(choice)) {
    if (status === undefined || current[subscription] === status) continue;
    // Opting out of something never subscribed to records nothing: there is no consent to withdraw.
    if (status === 'opted_out' && current[subscription] === undefined) continue;
    subscriptions[subscription] = status;
    records.push({ subscription, status, ...context });
  }
  return { subscriptions, records };
}

/** The choice that unsubscribes from one type, or from every type of the catalogue (archived ones too) when none is named. */
export function unsubscribeChoice(catalogue: SubscriptionCatalogue, subscription?: SubscriptionType): PreferenceChoice {
  const types = subscription ? [subscription] : catalogue.map((definition) => definition.id);
  return Object.fromEntries(types.map((type) => [type, 'opted_out'])) as PreferenceChoice;
}

/**
 * The status a ticked form checkbox gives: opted in at once, or pending confirmation for a
 * double-opt-in type; undefined when the subscriber is already opted in (nothing changes).
 */
export function formConsentStatus(catalogue: SubscriptionCatalogue, current: SubscriptionStatus | undefined, subscription: SubscriptionType): SubscriptionStatus | undefined {
  if (current === 'opted_in') return undefined;
  // A type the catalogue does not know (the caller checks first) is asked for confirmation, the careful way.
  return (findSubscriptionType(catalogue, subscription)?.doubleOptIn ?? true) ? 'pending' : 'opted_in';
}

/**
 * A confirmation link clicked: a pending opt-in becomes opted in. Anything else changes nothing, so
 * confirming twice is harmless and an old link cannot resubscribe someone who has since opted out.
 */
export function confirmationChange(current: Lead['subscriptions'], subscription: SubscriptionType, context: ConsentContext): ConsentChange {
  if (current[subscription] !== 'pending') return { subscriptions: {}, records: [] };
  return { subscriptions: { [subscription]: 'opted_in' }, records: [{ subscription, status: 'opted_in', ...context }] };
}
