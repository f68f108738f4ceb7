import type { LifecycleStage, TransitionCause } from './lifecycle';
import { meansNever, reasonCodes, type ReasonKind, type SalesReasons } from './reasons';

/** What sales can say about a lead handed to them. */
export const FEEDBACK_ACTIONS = ['accept', 'reject', 'won', 'lost', 'disqualify'] as const;
export type FeedbackAction = (typeof FEEDBACK_ACTIONS)[number];

export const BILLING_FREQUENCIES = ['one_time', 'monthly', 'quarterly', 'yearly'] as const;
export type BillingFrequency = (typeof BILLING_FREQUENCIES)[number];

/** Actions whose reason must come from a reason list, and which list. */
const REASON_LIST: Partial<Record<FeedbackAction, ReasonKind>> = { reject: 'reject', won: 'won', lost: 'lost' };

export type FeedbackTarget =
  | { readonly ok: true; readonly to: LifecycleStage; readonly cause: TransitionCause }
  | { readonly ok: false; readonly allowedReasons: readonly string[]; readonly message: string };

/**
 * The stage a feedback action asks for: accept -> sql; reject -> recycled; won -> customer;
 * lost -> recycled, or disqualified for a reason that means "never"; disqualify -> disqualified.
 * A reason that is not on the action's list is refused with the allowed ones.
 */
export function feedbackTarget(action: FeedbackAction, reason: string | undefined, reasons: SalesReasons): FeedbackTarget {
  const list = REASON_LIST[action];
  if (list) {
    const allowedReasons = reasonCodes(reasons, list);
    if (!reason || !allowedReasons.includes(reason)) {
      return { ok: false, allowedReasons, message: `must be one of the ${list} reasons: ${allowedReasons.join(', ')}` };
    }
  }
  switch (action) {
    case 'accept':
      return { ok: true, to: 'sql', cause: 'accepted' };
    case 'reject':
      return { ok: true, to: 'recycled', cause: 'rejected' };
    case 'won':
      return { ok: true, to: 'customer', cause: 'won' };
    case 'lost':
      return { ok: true, to: reason && meansNever(reasons, reason) ? 'disqualified' : 'recycled', cause: 'lost' };
    case 'disqualify':
      return { ok: true, to: 'disqualified', cause: 'disqualified' };
  }
}
