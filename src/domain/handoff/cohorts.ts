import { round } from '../scoring/engine';
import { percentile } from '../statistics';
import { FUNNEL_STAGES, type LifecycleStage } from './lifecycle';
import type { ReportedTransition } from './report';

const MS_PER_DAY = 86_400_000;

/** The milestones a creation cohort is followed to; a lead that skipped one on its way to a later one reached it too. */
const MILESTONES = { mql: 'mql', sql: 'sql', won: 'customer' } as const satisfies Record<string, LifecycleStage>;
type Milestone = keyof typeof MILESTONES;

const funnelIndex = (stage: LifecycleStage) => (FUNNEL_STAGES as readonly LifecycleStage[]).indexOf(stage);
const rate = (part: number, whole: number) => (whole === 0 ? null : round((part / whole) * 100));

/** The Monday (UTC) of the week `at` falls in, as yyyy-mm-dd. */
export function weekOf(at: string | number): string {
  const day = new Date(at);
  const sinceMonday = (day.getUTCDay() + 6) % 7;
  return new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate() - sinceMonday)).toISOString().slice(0, 10);
}

/** Every week (its Monday) that has a day in `months` (yyyy-mm, consecutive, oldest first), up to the week of `now`. */
function weeksOf(months: readonly string[], now: string): string[] {
  const first = months[0];
  const last = months.at(-1);
  if (!first || !last) return [];
  const [lastYear, lastMonth] = last.split('-').map(Number) as [number, number];
  const end = [weekOf(Date.UTC(lastYear, lastMonth, 0)), weekOf(now)].sort()[0] as string;
  const weeks: string[] = [];
  for (let week = weekOf(`${first}-01T00:00:00.000Z`); week <= end; week = new Date(Date.parse(week) + 7 * MS_PER_DAY).toISOString().slice(0, 10)) weeks.push(week);
  return weeks;
}

interface LeadPath {
  readonly createdAt: string;
  readonly reached: Set<Milestone>;
  firstMqlAt?: number;
}

/**
 * Cohort conversion by week created: the leads created in `months` (UTC), grouped by the week of their
 * creation (weeks start on Monday; the first and last may hold only the window's days; none after the
 * week of `now`, which has no lead yet: a window ending this month would show its weeks to come as empty cohorts), and of each
 * cohort how many have reached MQL, SQL and won (customer) at any time since, with the percentage of
 * the cohort and the median days from creation to the first MQL. `transitions` may go on past the
 * window so that later conversions count.
 */
export function weeklyCohorts(transitions: readonly ReportedTransition[], months: readonly string[], now: string) {
  const leads = new Map<string, LeadPath>();
  for (const change of transitions) {
    if (!months.includes(change.leadCreatedAt.slice(0, 7))) continue;
    const path = leads.get(change.leadId) ?? { createdAt: change.leadCreatedAt, reached: new Set<Milestone>() };
    leads.set(change.leadId, path);
    for (const [milestone, stage] of Object.entries(MILESTONES) as [Milestone, LifecycleStage][]) {
      if (funnelIndex(change.to) >= funnelIndex(stage)) path.reached.add(milestone);
    }
    if (change.to === 'mql') path.firstMqlAt = Math.min(Date.parse(change.at), path.firstMqlAt ?? Infinity);
  }
  const cohorts = new Map<string, LeadPath[]>(weeksOf(months, now).map((week) => [week, []]));
  for (const path of leads.values()) cohorts.get(weekOf(path.createdAt))?.push(path);
  return [...cohorts].map(([week, members]) => {
    const count = (milestone: Milestone) => members.filter((path) => path.reached.has(milestone)).length;
    const [mql, sql, won] = [count('mql'), count('sql'), count('won')];
    const daysToMql = members
      .flatMap((path) => (path.firstMqlAt === undefined ? [] : [Math.max(0, (path.firstMqlAt - Date.parse(path.createdAt)) / MS_PER_DAY)]))
      .sort((a, b) => a - b);
    const median = percentile(daysToMql, 50);
    return {
      week,
      created: members.length,
      mql,
      sql,
      won,
      mqlPercent: rate(mql, members.length),
      sqlPercent: rate(sql, members.length),
      wonPercent: rate(won, members.length),
      medianDaysToMql: median === null ? null : round(median),
    };
  });
}
