import type { PurchaseSummary } from './lead';
/** STUB until the purchases branch merges: replaced by its file. */
export type PurchaseProfile = Record<string, unknown>;
export function purchaseProfile(summary: PurchaseSummary | undefined, _now: string): PurchaseProfile {
  return summary ? { count: summary.count, total: summary.total } : { count: 0 };
}
