import type { PurchaseSummary } from '../lead';

/**
 * Projected lifetime value, the seed's formula: average purchase value x purchase frequency (purchases
 * a year) x average customer lifespan (years). The lifespan is learned from churned customers once
 * enough have churned, else taken from configuration.
 */
const DAY_MS = 86_400_000;
const YEAR_DAYS = 365.25;

/** Churned customers counted so far: how many and their summed lifespans, in days. */
export interface LifespanStats {
  readonly churned: number;
  readonly totalDays: number;
}

export interface LifespanSettings {
  /** Used until `minimumChurned` customers have churned. */
  readonly configuredYears: number;
  readonly minimumChurned: number;
}

export const DEFAULT_LIFESPAN: LifespanSettings = { configuredYears: 3, minimumChurned: 20 };

export interface Lifespan {
  readonly years: number;
  readonly source: 'learned' | 'configured';
  /** Churned customers it was learned from (0 when configured). */
  readonly churnedCustomers: number;
}

const round2 = (value: number) => Math.round(value * 100) / 100;

export function averageLifespan(stats: LifespanStats | undefined, settings: LifespanSettings): Lifespan {
  if (stats && stats.churned >= settings.minimumChurned && stats.churned > 0) {
    return { years: round2(stats.totalDays / stats.churned / YEAR_DAYS), source: 'learned', churnedCustomers: stats.churned };
  }
  return { years: settings.configuredYears, source: 'configured', churnedCustomers: stats?.churned ?? 0 };
}

/** The lifespan of a record kept before the lifespan settings were kept with it: the configured default. */
export const CONFIGURED_LIFESPAN: Lifespan = { years: DEFAULT_LIFESPAN.configuredYears, source: 'configured', churnedCustomers: 0 };

/** A customer's lifespan in days, from becoming a customer (or first purchase) to churning; never negative. */
export const lifespanDays = (since: string, churnedAt: string) => Math.max(0, (Date.parse(churnedAt) - Date.parse(since)) / DAY_MS);

export interface LifetimeValue {
  /** Revenue so far. */
  readonly historical: number;
  readonly currency?: string;
  readonly averagePurchaseValue: number;
  /**
   * Purchases a year over the time since the first purchase, counted as at least one year, so a
   * customer of a week is not extrapolated from one order.
   */
  readonly purchasesPerYear: number;
  readonly lifespan: Lifespan;
  /** averagePurchaseValue x purchasesPerYear x lifespan.years, to 2 decimals; 0 for a lead that never bought. */
  readonly projected: number;
}

export function lifetimeValue(summary: PurchaseSummary | undefined, lifespan: Lifespan, now: string): LifetimeValue {
  if (!summary || summary.count === 0) return { historical: 0, averagePurchaseValue: 0, purchasesPerYear: 0, lifespan, projected: 0 };
  const averagePurchaseValue = round2(summary.total / summary.count);
  const years = Math.max(1, (Date.parse(now) - Date.parse(summary.firstAt)) / DAY_MS / YEAR_DAYS);
  const purchasesPerYear = round2(summary.count / years);
  return {
    historical: summary.total,
    currency: summary.currency,
    averagePurchaseValue,
    purchasesPerYear,
    lifespan,
    projected: round2((summary.total / summary.count) * (summary.count / years) * lifespan.years),
  };
}
