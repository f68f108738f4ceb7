/**
 * How often the public form can make us mail one address. The form route is public, so without these
 * limits anyone could flood any address with double opt-in emails by posting its address again and again.
 */

/** A subscription type's confirmation email goes to a lead at most once in this window. */
export const CONFIRMATION_WINDOW_SECONDS = 24 * 60 * 60;

/** At most this many confirmation emails reach one address in a window, whatever their types. */
export const CONFIRMATIONS_PER_ADDRESS = 3;

/** What the limits allow for one request: an email with some of its types and a quota slot, or nothing. */
export type ConfirmationPlan<S extends string = string> =
  | { readonly send: true; readonly subscriptions: readonly S[]; readonly slot: number }
  | { readonly send: false; readonly reason: 'already-sent' | 'address-limit' };

/**
 * Plans the email for the subscriptions still pending, given the types and quota slots whose windows
 * are still open: only types not mailed in their window, in the first free slot of the address's quota.
 */
export function planConfirmation<S extends string>(
  pending: readonly S[],
  heldSubscriptions: ReadonlySet<string>,
  heldSlots: ReadonlySet<number>,
): ConfirmationPlan<S> {
  const subscriptions = [...new Set(pending)].filter((subscription) => !heldSubscriptions.has(subscription));
  if (subscriptions.length === 0) return { send: false, reason: 'already-sent' };
  const slot = Array.from({ length: CONFIRMATIONS_PER_ADDRESS }, (_, index) => index).find((index) => !heldSlots.has(index));
  return slot === undefined ? { send: false, reason: 'address-limit' } : { send: true, subscriptions, slot };
}
