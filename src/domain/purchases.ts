import type { PurchaseSummary } from './lead';

/** How a purchase was paid, from a fixed list so segments can match it. */
export const PAYMENT_METHODS = ['card', 'bank_transfer', 'e_wallet', 'cash', 'invoice', 'other'] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

/** One purchase as a shop or CRM reports it; recorded once per `orderId`. */
export interface Purchase {
  readonly orderId: string;
  readonly product: string;
  /** In `currency`, with at most 2 decimals. */
  readonly amount: number;
  /** ISO 4217, upper case. */
  readonly currency: string;
  /** ISO 8601 date-time in UTC. */
  readonly purchasedAt: string;
  readonly paymentMethod?: PaymentMethod;
  readonly quantity?: number;
}

/**
 * The fixed breakpoints of the 1-5 RFM scores. Each list is ascending; a value's score is 1 plus the
 * number of breakpoints it reaches, except recency, where fewer days is better:
 * - recency, days since the last purchase: up to 30 -> 5, 90 -> 4, 180 -> 3, 365 -> 2, older -> 1;
 * - frequency, purchases: 1 -> 1, 2 -> 2, 3-4 -> 3, 5-9 -> 4, 10 or more -> 5;
 * - monetary, total spent in the lead's currency: from 100 -> 2, 500 -> 3, 1,000 -> 4, 5,000 -> 5
 *   (USD, EUR and most currencies); IDR and JPY, whose units are much smaller, have their own
 *   breakpoints. leadflow converts no currencies.
 */
export const RFM_BREAKPOINTS = {
  recencyDays: [30, 90, 180, 365],
  frequencyPurchases: [2, 3, 5, 10],
  monetaryTotal: {
    default: [100, 500, 1_000, 5_000],
    IDR: [1_500_000, 7_500_000, 15_000_000, 75_000_000],
    JPY: [15_000, 75_000, 150_000, 750_000],
  } as Readonly<Record<string, readonly number[]>>,
} as const;

export const RFM_SEGMENTS = [
  'champions',
  'loyal',
  'potential_loyalists',
  'new_customers',
  'promising',
  'needs_attention',
  'at_risk',
  'cannot_lose',
  'hibernating',
  'lost',
  'prospect',
] as const;
export type RfmSegment = (typeof RFM_SEGMENTS)[number];

/**
 * The standard RFM segment map, by recency score (rows, 5 first) and the frequency-monetary score
 * (columns, 1 first; the mean of frequency and monetary, rounded half up). Recent and frequent or big
 * spenders are champions; recent ones who bought little are new customers or potential loyalists;
 * frequent buyers who stopped are at risk, and the best of them "cannot lose".
 */
export const RFM_SEGMENT_GRID: Readonly<Record<1 | 2 | 3 | 4 | 5, readonly [RfmSegment, RfmSegment, RfmSegment, RfmSegment, RfmSegment]>> = {
  5: ['new_customers', 'potential_loyalists', 'potential_loyalists', 'champions', 'champions'],
  4: ['promising', 'potential_loyalists', 'potential_loyalists', 'loyal', 'loyal'],
  3: ['needs_attention', 'needs_attention', 'needs_attention', 'loyal', 'loyal'],
  2: ['hibernating', 'hibernating', 'at_risk', 'at_risk', 'cannot_lose'],
  1: ['lost', 'lost', 'at_risk', 'at_risk', 'cannot_lose'],
};

/** What segments and the lead page see of a lead's purchases, as of a moment. */
export interface PurchaseProfile {
  readonly count: number;
  readonly total: number;
  readonly currency?: string;
  readonly firstAt?: string;
  readonly lastAt?: string;
  readonly averageOrderValue: number;
  /** Revenue from the lead so far (historical lifetime value); leadflow predicts nothing. */
  readonly lifetimeValue: number;
  readonly daysSinceLastPurchase?: number;
  /** 1-5 scores from `RFM_BREAKPOINTS`; 0 for a lead that has bought nothing. */
  readonly recency: number;
  readonly frequency: number;
  readonly monetary: number;
  readonly rfmSegment: RfmSegment;
}

type Score = 1 | 2 | 3 | 4 | 5;

/** Money in cents, so sums are exact whatever order purchases arrive in. */
const cents = (amount: number) => Math.round(amount * 100);
const fromCents = (value: number) => value / 100;
const DAY_MS = 86_400_000;

export const currencyFits = (summary: PurchaseSummary | undefined, currency: string) => !summary || summary.currency === currency;

/**
 * The summary after one more purchase. First and last follow the purchase times, not the order in
 * which purchases are recorded, so any arrival order gives the same summary. A lead keeps the
 * currency of its first recorded purchase: check `currencyFits` first.
 */
export function addPurchase(summary: PurchaseSummary | undefined, purchase: Pick<Purchase, 'amount' | 'currency' | 'purchasedAt'>): PurchaseSummary {
  if (!summary) {
    return { count: 1, total: fromCents(cents(purchase.amount)), currency: purchase.currency, firstAt: purchase.purchasedAt, lastAt: purchase.purchasedAt };
  }
  if (!currencyFits(summary, purchase.currency)) throw new RangeError(`A ${purchase.currency} purchase cannot be added to a ${summary.currency} summary`);
  const at = Date.parse(purchase.purchasedAt);
  return {
    count: summary.count + 1,
    total: fromCents(cents(summary.total) + cents(purchase.amount)),
    currency: summary.currency,
    firstAt: at < Date.parse(summary.firstAt) ? purchase.purchasedAt : summary.firstAt,
    lastAt: at > Date.parse(summary.lastAt) ? purchase.purchasedAt : summary.lastAt,
  };
}

/** 1 plus the number of breakpoints reached. */
const scoreAbove = (value: number, breakpoints: readonly number[]) => (1 + breakpoints.filter((breakpoint) => value >= breakpoint).length) as Score;

export function recencyScore(daysSinceLastPurchase: number): Score {
  return (5 - RFM_BREAKPOINTS.recencyDays.filter((limit) => daysSinceLastPurchase > limit).length) as Score;
}

export const frequencyScore = (count: number) => scoreAbove(count, RFM_BREAKPOINTS.frequencyPurchases);

export function monetaryScore(total: number, currency: string): Score {
  const breakpoints = RFM_BREAKPOINTS.monetaryTotal[currency] ?? RFM_BREAKPOINTS.monetaryTotal.default ?? [];
  return scoreAbove(total, breakpoints);
}

export function rfmSegment(recency: Score, frequency: Score, monetary: Score): RfmSegment {
  const column = (Math.round((frequency + monetary) / 2) - 1) as 0 | 1 | 2 | 3 | 4;
  return RFM_SEGMENT_GRID[recency][column];
}

/** A lead's purchases as of `now`: totals, lifetime value, the RFM scores and segment. */
export function purchaseProfile(summary: PurchaseSummary | undefined, now: string): PurchaseProfile {
  if (!summary || summary.count === 0) {
    return { count: 0, total: 0, averageOrderValue: 0, lifetimeValue: 0, recency: 0, frequency: 0, monetary: 0, rfmSegment: 'prospect' };
  }
  const daysSinceLastPurchase = Math.max(0, Math.floor((Date.parse(now) - Date.parse(summary.lastAt)) / DAY_MS));
  const recency = recencyScore(daysSinceLastPurchase);
  const frequency = frequencyScore(summary.count);
  const monetary = monetaryScore(summary.total, summary.currency);
  return {
    count: summary.count,
    total: summary.total,
    currency: summary.currency,
    firstAt: summary.firstAt,
    lastAt: summary.lastAt,
    averageOrderValue: fromCents(Math.round(cents(summary.total) / summary.count)),
    lifetimeValue: summary.total,
    daysSinceLastPurchase,
    recency,
    frequency,
    monetary,
    rfmSegment: rfmSegment(recency, frequency, monetary),
  };
}
