import { round } from '../scoring/engine';
import { percentile } from '../statistics';
import { weeklyCohorts } from './cohorts';
import { FUNNEL_STAGES, isFirstQualification, LIFECYCLE_STAGES, type LifecycleStage, type RecordedStageChange } from './lifecycle';

/** A stage change as the report reads it: who, when the lead was created, and the deal when one was reported. */
export type ReportedTransition = RecordedStageChange & {
  readonly leadId: string;
  readonly leadCreatedAt: string;
  readonly deal?: { readonly amount: number; readonly currency: string };
};

export const MAX_REPORT_MONTHS = 24;
/** How long after the window a cohort's conversions still count: a B2B deal can take most of a year. */
export const CONVERSION_FOLLOW_MONTHS = 12;
const MS_PER_DAY = 86_400_000;

/** Months `from`..`to` (yyyy-mm, both included), oldest first. */
export function monthsBetween(from: string, to: string): string[] {
  const months: string[] = [];
  let [year, month] = from.split('-').map(Number) as [number, number];
  const [lastYear, lastMonth] = to.split('-').map(Number) as [number, number];
  while (year < lastYear || (year === lastYear && month <= lastMonth)) {
    months.push(`${year}-${String(month).padStart(2, '0')}`);
    month += 1;
    if (month > 12) {
      month = 1;
      year += 1;
    }
  }
  return months;
}

/** The month `count` months after `month` (before it when negative). */
export function addMonths(month: string, count: number): string {
  const [year, monthNumber] = month.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(year, monthNumber - 1 + count, 1)).toISOString().slice(0, 7);
}

/** The first month of a window of `count` months that ends at `month`. */
export const monthsBefore = (month: string, count: number): string => addMonths(month, -(count - 1));

const rate = (part: number, whole: number) => (whole === 0 ? null : round((part / whole) * 100));

interface ReasonLine {
  reason: string;
  count: number;
  /** Sums per currency: leadflow converts no currencies. */
  amounts: Record<string, number>;
}

type ReportedMove = Extract<ReportedTransition, { from: LifecycleStage }>;
const isMove = (change: ReportedTransition): change is ReportedMove => change.from !== null;

function reasonLines(transitions: readonly ReportedMove[]): ReasonLine[] {
  const lines = new Map<string, ReasonLine>();
  for (const change of transitions) {
    const reason = change.reason ?? '(none)';
    const line = lines.get(reason) ?? { reason, count: 0, amounts: {} };
    line.count += 1;
    if (change.deal) line.amounts[change.deal.currency] = round((line.amounts[change.deal.currency] ?? 0) + change.deal.amount);
    lines.set(reason, line);
  }
  return [...lines.values()].sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
}

type FunnelStage = (typeof FUNNEL_STAGES)[number];
const funnelIndex = (stage: LifecycleStage) => (FUNNEL_STAGES as readonly LifecycleStage[]).indexOf(stage);

/**
 * Cohort conversion out of `stage`: the leads that entered it (each at its first entry in the month,
 * or in the window for the total) and, of those, how many went on to a later funnel stage at any
 * time after (skipping a stage counts, as a subscriber who qualifies on engagement alone).
 */
function cohortConversion(stage: FunnelStage, transitions: readonly ReportedTransition[], months: readonly string[]) {
  const firstEntry = new Map<string, Map<string, number>>(months.map((month) => [month, new Map()]));
  const latestLater = new Map<string, number>();
  for (const change of transitions) {
    const at = Date.parse(change.at);
    if (change.to === stage) {
      const cohort = firstEntry.get(change.at.slice(0, 7));
      if (cohort && at < (cohort.get(change.leadId) ?? Infinity)) cohort.set(change.leadId, at);
    }
    if (funnelIndex(change.to) > funnelIndex(stage)) latestLater.set(change.leadId, Math.max(at, latestLater.get(change.leadId) ?? -Infinity));
  }
  const converted = (cohort: ReadonlyMap<string, number>) => [...cohort].filter(([leadId, at]) => (latestLater.get(leadId) ?? -Infinity) >= at).length;
  const byMonth = months.map((month) => {
    const cohort = firstEntry.get(month) ?? new Map<string, number>();
    const count = converted(cohort);
    return { month, entered: cohort.size, converted: count, ratePercent: rate(count, cohort.size) };
  });
  const window = new Map<string, number>();
  for (const cohort of firstEntry.values()) for (const [leadId, at] of cohort) if (at < (window.get(leadId) ?? Infinity)) window.set(leadId, at);
  const total = converted(window);
  return { entered: window.size, converted: total, ratePercent: rate(total, window.size), byMonth };
}

/**
 * The handoff report over the stage changes recorded in `months` (UTC), as of `now`; `transitions` may go on past
 * the window, so a cohort's later conversions count:
 * - funnel: leads entering each stage per month (a lead's entry at creation included);
 * - conversion out of each funnel stage but the last, by the month leads entered it (cohorts): of
 *   the leads that entered it, the percentage that reached a later funnel stage since;
 * - cohorts by week created: of the leads created in the window, how many reached MQL, SQL and won;
 * - time to MQL: days from a lead's creation to its first MQL (not a recycled lead re-qualifying);
 * - MQL acceptance: accepted / (accepted + rejected), in percent;
 * - won and lost reasons with counts and amounts.
 */
export function handoffReport(transitions: readonly ReportedTransition[], months: readonly string[], now: string) {
  const inWindow = transitions.filter((change) => months.includes(change.at.slice(0, 7)));
  const funnel = months.map((month) => {
    const entering = new Map<LifecycleStage, Set<string>>(LIFECYCLE_STAGES.map((stage) => [stage, new Set<string>()]));
    for (const change of inWindow) if (change.at.startsWith(month)) entering.get(change.to)?.add(change.leadId);
    return { month, entered: Object.fromEntries(LIFECYCLE_STAGES.map((stage) => [stage, entering.get(stage)?.size ?? 0])) as Record<LifecycleStage, number> };
  });
  const conversion = FUNNEL_STAGES.slice(0, -1).map((stage, index) => ({ from: stage, to: FUNNEL_STAGES[index + 1] as FunnelStage, ...cohortConversion(stage, transitions, months) }));

  const daysToMql = inWindow
    .filter(isFirstQualification)
    .map((change) => Math.max(0, (Date.parse(change.at) - Date.parse(change.leadCreatedAt)) / MS_PER_DAY))
    .sort((a, b) => a - b);
  const median = percentile(daysToMql, 50);
  const p90 = percentile(daysToMql, 90);

  const moves = inWindow.filter(isMove);
  const accepted = moves.filter((change) => change.cause === 'accepted').length;
  const rejected = moves.filter((change) => change.cause === 'rejected').length;

  return {
    months: { from: months[0], to: months.at(-1) },
    funnel,
    conversion,
    cohorts: weeklyCohorts(transitions, months, now),
    timeToMql: { leads: daysToMql.length, medianDays: median === null ? null : round(median), p90Days: p90 === null ? null : round(p90) },
    mqlAcceptance: { accepted, rejected, ratePercent: rate(accepted, accepted + rejected) },
    won: reasonLines(moves.filter((change) => change.cause === 'won')),
    lost: reasonLines(moves.filter((change) => change.cause === 'lost')),
  };
}
