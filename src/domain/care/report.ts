import type { RiskBand } from './churn-risk';
import { summarise, type SatisfactionSummary, type SurveyAnswer } from './surveys';
import { median, type Ticket } from './tickets';

/**
 * The after-sale report over some months: NPS and CSAT per month with promoters, passives and
 * detractors; satisfaction and problem reasons; ticket volume by topic with resolution times; churn by
 * exit reason; the churn-risk distribution.
 */
export interface CareReport {
  readonly months: readonly string[];
  readonly nps: readonly (SatisfactionSummary & { readonly month: string })[];
  readonly csat: readonly (SatisfactionSummary & { readonly month: string })[];
  /** Reasons given on the follow-up page, by category (promoter reasons, detractor and passive problems). */
  readonly reasons: readonly { readonly category: string; readonly reason: string; readonly count: number }[];
  readonly ticketsByMonth: readonly { readonly month: string; readonly opened: number }[];
  readonly ticketsByTopic: readonly { readonly topic: string; readonly opened: number; readonly open: number; readonly medianResolutionHours?: number }[];
  readonly churnByExitReason: readonly { readonly reason: string; readonly count: number }[];
  /** Leads per band as last assessed; `partial` when the count stopped at its limit. */
  readonly riskDistribution?: Readonly<Record<RiskBand, number>> & { readonly unscored: number; readonly partial: boolean };
}

const HOUR_MS = 3_600_000;
const countBy = <T>(items: readonly T[], key: (item: T) => string) => {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
};

export function careReport(
  months: readonly string[],
  answers: readonly SurveyAnswer[],
  tickets: readonly Ticket[],
  churned: readonly { readonly reason?: string | undefined }[],
  riskDistribution?: CareReport['riskDistribution'],
): CareReport {
  const inMonth = (at: string, month: string) => at.slice(0, 7) === month;
  const perMonth = (kind: SurveyAnswer['kind']) =>
    months.map((month) => ({ month, ...summarise(kind, answers.filter((answer) => answer.kind === kind && inMonth(answer.answeredAt, month)).map((answer) => answer.score)) }));
  const reasons = [...countBy(answers.filter((answer) => answer.reason), (answer) => `${answer.category}#${answer.reason}`)]
    .map(([key, count]) => {
      const [category = '', reason = ''] = key.split('#');
      return { category, reason, count };
    })
    .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
  const topics = new Map<string, Ticket[]>();
  for (const ticket of tickets) topics.set(ticket.topic ?? 'none', [...(topics.get(ticket.topic ?? 'none') ?? []), ticket]);
  const ticketsByTopic = [...topics].map(([topic, list]) => {
    const middle = median(list.flatMap((ticket) => (ticket.resolvedAt ? [(Date.parse(ticket.resolvedAt) - Date.parse(ticket.openedAt)) / HOUR_MS] : [])));
    return {
      topic,
      opened: list.length,
      open: list.filter((ticket) => !ticket.resolvedAt).length,
      ...(middle === undefined ? {} : { medianResolutionHours: Math.round(middle * 10) / 10 }),
    };
  });
  return {
    months,
    nps: perMonth('nps'),
    csat: perMonth('csat'),
    reasons,
    ticketsByMonth: months.map((month) => ({ month, opened: tickets.filter((ticket) => inMonth(ticket.openedAt, month)).length })),
    ticketsByTopic: ticketsByTopic.sort((a, b) => b.opened - a.opened || a.topic.localeCompare(b.topic)),
    churnByExitReason: [...countBy(churned, (entry) => entry.reason ?? 'none')].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count),
    ...(riskDistribution ? { riskDistribution } : {}),
  };
}
