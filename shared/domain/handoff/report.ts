import { FUNNEL_STAGES, isFirstQualification, LIFECYCLE_STAGES, type LifecycleStage, type StageTransition } from './lifecycle';

/** A transition as the report reads it: who, when the lead was created, and the deal when one was reported. */
export interface ReportedTransition extends StageTransition {
  readonly leadId: string;
  readonly leadCreatedAt: string;
  readonly deal?: { readonly amount: number; readonly currency: string };
}

export const MAX_REPORT_MONTHS = 24;
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

/** The month `count - 1` months before `month`: a default report window ends at `month`. */
export function monthsBefore(month: string, count: number): string {
  const [year, monthNumber] = month.split('-').map(Number) as [number, number];
  const start = new Date(Date.UTC(year, monthNumber - 1 - (count - 1), 1));
  return start.toISOString().slice(0, 7);
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] ?? null;
}

const round2 = (value: number) => Math.round(value * 100) / 100;
const rate = (part: number, whole: number) => (whole === 0 ? null : round2((part / whole) * 100));

interface ReasonLine {
  reason: string;
  count: number;
  /** Sums per currency: leadflow converts no currencies. */
  amounts: Record<string, number>;
}

function reasonLines(transitions: readonly ReportedTransition[]): ReasonLine[] {
  const lines = new Map<string, ReasonLine>();
  for (const change of transitions) {
    const reason = change.reason ?? '(none)';
    const line = lines.get(reason) ?? { reason, count: 0, amounts: {} };
    line.count += 1;
    if (change.deal) line.amounts[change.deal.currency] = round2((line.amounts[change.deal.currency] ?? 0) + change.deal.amount);
    lines.set(reason, line);
  }
  return [...lines.values()].sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
}

/**
 * The handoff report over the transitions recorded in `months` (UTC):
 * - funnel: leads entering each stage per month;
 * - conversion between consecutive funnel stages: of the leads seen in a stage in the window (moving
 *   into or out of it), the percentage also seen in the next one;
 * - time to MQL: days from a lead's creation to its first MQL (not a recycled lead re-qualifying);
 * - MQL acceptance: accepted / (accepted + rejected), in percent;
 * - won and lost reasons with counts and amounts.
 */
export function handoffReport(transitions: readonly ReportedTransition[], months: readonly string[]) {
  const inWindow = transitions.filter((change) => months.includes(change.at.slice(0, 7)));
  const emptyCounts = () => Object.fromEntries(LIFECYCLE_STAGES.map((stage) => [stage, 0])) as Record<LifecycleStage, number>;
  const funnel = months.map((month) => ({ month, entered: emptyCounts() }));
  const seen = new Map<LifecycleStage, Set<string>>(LIFECYCLE_STAGES.map((stage) => [stage, new Set<string>()]));
  for (const change of inWindow) {
    const row = funnel.find((entry) => entry.month === change.at.slice(0, 7));
    if (row) row.entered[change.to] += 1;
    seen.get(change.from)?.add(change.leadId);
    seen.get(change.to)?.add(change.leadId);
  }
  const conversion = FUNNEL_STAGES.slice(0, -1).map((stage, index) => {
    const next = FUNNEL_STAGES[index + 1] as LifecycleStage;
    const reached = seen.get(stage) ?? new Set<string>();
    const converted = [...reached].filter((leadId) => seen.get(next)?.has(leadId)).length;
    return { from: stage, to: next, leads: reached.size, converted, ratePercent: rate(converted, reached.size) };
  });

  const daysToMql = inWindow
    .filter(isFirstQualification)
    .map((change) => Math.max(0, (Date.parse(change.at) - Date.parse(change.leadCreatedAt)) / MS_PER_DAY))
    .sort((a, b) => a - b);
  const median = percentile(daysToMql, 50);
  const p90 = percentile(daysToMql, 90);

  const accepted = inWindow.filter((change) => change.cause === 'accepted').length;
  const rejected = inWindow.filter((change) => change.cause === 'rejected').length;

  return {
    months: { from: months[0], to: months.at(-1) },
    funnel,
    conversion,
    timeToMql: { leads: daysToMql.length, medianDays: median === null ? null : round2(median), p90Days: p90 === null ? null : round2(p90) },
    mqlAcceptance: { accepted, rejected, ratePercent: rate(accepted, accepted + rejected) },
    won: reasonLines(inWindow.filter((change) => change.cause === 'won')),
    lost: reasonLines(inWindow.filter((change) => change.cause === 'lost')),
  };
}
