import type { Lead } from '../lead';
import { churnRisk, engagementTrend, type ChurnRisk, type RiskInputs, type StoredRiskFormula } from './churn-risk';
import type { CareSettings, CustomerCare } from './customer';
import type { Lifespan } from './lifetime-value';
import { isOpen, ticketsWithin } from './tickets';
import { stepEpisodes, type EpisodeStep } from './triggers';

const DAY_MS = 86_400_000;
const days = (from: string, to: string) => Math.floor((Date.parse(to) - Date.parse(from)) / DAY_MS);

/** The formula's inputs for one customer as of `now`; an input the customer has no value for is left out. */
export function riskInputs(lead: Pick<Lead, 'care' | 'purchases' | 'score' | 'attributes'>, stored: Pick<StoredRiskFormula, 'formula'>, eventTimes: readonly string[], now: string): RiskInputs {
  const { care, purchases, score, attributes } = lead;
  const renewal = Object.hasOwn(attributes ?? {}, stored.formula.renewalDateAttribute) ? attributes?.[stored.formula.renewalDateAttribute] : undefined;
  const renewalAt = typeof renewal === 'string' ? Date.parse(renewal) : Number.NaN;
  const trend = engagementTrend(eventTimes, now);
  const inputs: RiskInputs = {
    ticketsInWindow: ticketsWithin(care?.tickets, stored.formula.ticketWindowDays, now),
    openTickets: (care?.tickets ?? []).filter(isOpen).length,
  };
  const nps = care?.satisfaction?.nps?.score;
  const csat = care?.satisfaction?.csat?.score;
  return {
    ...inputs,
    ...(nps === undefined ? {} : { latestNps: nps }),
    ...(csat === undefined ? {} : { latestCsat: csat }),
    ...(purchases ? { daysSinceLastPurchase: Math.max(0, days(purchases.lastAt, now)) } : {}),
    ...(score?.engagementAt ? { daysSinceLastActivity: Math.max(0, days(score.engagementAt, now)) } : {}),
    ...(trend === undefined ? {} : { engagementTrend: trend }),
    ...(Number.isNaN(renewalAt) ? {} : { daysToRenewal: Math.floor((renewalAt - Date.parse(now)) / DAY_MS) }),
  };
}

export interface Assessment {
  readonly risk: ChurnRisk;
  readonly episodes: EpisodeStep;
  /** The care record to store: the new risk, open episodes and the lifespan scoring values the customer with. */
  readonly care: CustomerCare;
  /** Whether anything a reader sees changed (risk score, band, formula, episodes, lifespan). */
  readonly changed: boolean;
}

/**
 * A customer's churn risk and trigger episodes as of `now`, from its care record, purchases and
 * engagement; `lifespan` is the team's average lifespan, kept on the record for scoring rules.
 */
export function assessCustomer(
  lead: Pick<Lead, 'care' | 'purchases' | 'score' | 'attributes'>,
  settings: Pick<CareSettings, 'triggers'>,
  stored: StoredRiskFormula,
  eventTimes: readonly string[],
  now: string,
  lifespan: Pick<Lifespan, 'years' | 'source'>,
): Assessment {
  const risk = churnRisk(stored, riskInputs(lead, stored, eventTimes, now), now);
  const episodes = stepEpisodes(settings.triggers, lead.care?.episodes, { satisfaction: lead.care?.satisfaction ?? {}, tickets: lead.care?.tickets ?? [], riskBand: risk.band, riskScore: risk.score }, now);
  const before = lead.care?.risk;
  const kept = lead.care?.lifespan;
  const lifespanChanged = kept?.years !== lifespan.years || kept?.source !== lifespan.source;
  const changed = episodes.changed || lifespanChanged || !before || before.score !== risk.score || before.band !== risk.band || before.formulaVersion !== risk.formulaVersion;
  return { risk, episodes, care: { ...lead.care, risk, episodes: episodes.open, lifespan: { years: lifespan.years, source: lifespan.source } }, changed };
}
