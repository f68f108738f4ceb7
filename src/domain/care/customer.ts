import * as z from 'zod/mini';
import { reasonList } from '../handoff/reasons';
import type { ChurnRisk } from './churn-risk';
import { CONFIGURED_LIFESPAN, DEFAULT_LIFESPAN, lifetimeValue, type Lifespan } from './lifetime-value';
import type { PurchaseSummary } from '../lead';
import { type LatestSatisfaction, SurveyDefinition, DEFAULT_SURVEYS } from './surveys';
import { ticketProfile, type Ticket, type TicketProfile } from './tickets';
import { CareTriggers, DEFAULT_TRIGGERS, type Episodes } from './triggers';

/**
 * What leadflow keeps about a customer after the sale, on the lead: its latest tickets, its latest NPS
 * and CSAT answers, its churn risk with the breakdown, the open episodes of its triggers, when it was
 * last surveyed, and why it left.
 */
export interface CustomerCare {
  readonly tickets?: readonly Ticket[];
  readonly satisfaction?: LatestSatisfaction;
  readonly risk?: ChurnRisk;
  readonly episodes?: Episodes;
  /** Survey id -> when it was last sent to the customer. */
  readonly surveyedAt?: Readonly<Record<string, string>>;
  readonly exitReason?: string;
  readonly churnedAt?: string;
  /**
   * The average lifespan the customer was last assessed with, so scoring rules (which see only the
   * lead) value it as segments do; refreshed at each reassessment.
   */
  readonly lifespan?: Pick<Lifespan, 'years' | 'source'>;
}

/** When the customer was last sent any survey. */
export const lastSurveyedAt = (care: CustomerCare | undefined): string | undefined =>
  Object.values(care?.surveyedAt ?? {}).reduce<string | undefined>((latest, at) => (!latest || at > latest ? at : latest), undefined);

/**
 * The standard reason lists of the follow-up page and of churn, configurable like sales' won and lost
 * reasons: why promoters are happy, what detractors' problems are, why customers leave.
 */
export const CareReasons = z
  .strictObject({
    satisfaction: reasonList('satisfaction').check(z.describe('Offered to promoters (and satisfied CSAT answers).')),
    problems: reasonList('problem').check(z.describe('Offered to detractors and passives.')),
    exit: reasonList('exit').check(z.describe('Why a customer left: required when a customer moves to churned.')),
  }).check(z.meta({ id: 'CareReasons' }));
export type CareReasons = z.infer<typeof CareReasons>;

export const DEFAULT_CARE_REASONS: CareReasons = {
  satisfaction: [
    { code: 'product_quality', label: 'Product quality' },
    { code: 'ease_of_use', label: 'Easy to use' },
    { code: 'support', label: 'Helpful support' },
    { code: 'value', label: 'Good value for money' },
    { code: 'reliability', label: 'Reliable' },
  ],
  problems: [
    { code: 'price', label: 'Too expensive' },
    { code: 'bugs', label: 'Bugs or outages' },
    { code: 'missing_feature', label: 'Missing a feature I need' },
    { code: 'slow_support', label: 'Slow or unhelpful support' },
    { code: 'hard_to_use', label: 'Hard to use' },
  ],
  exit: [
    { code: 'too_expensive', label: 'Too expensive' },
    { code: 'product_problems', label: 'Product problems' },
    { code: 'competitor', label: 'Moved to a competitor' },
    { code: 'no_longer_needed', label: 'No longer needed' },
    { code: 'poor_support', label: 'Poor support' },
    { code: 'business_closed', label: 'Business closed' },
  ],
};

/** The team's after-sale configuration (one settings item): surveys, reason lists, triggers, lifespan. */
export const CareSettings = z
  .strictObject({
    surveys: z
      .array(SurveyDefinition).check(z.maxLength(20), z.superRefine((surveys, context) => {
        const seen = new Set<string>();
        surveys.forEach((survey, index) => {
          if (seen.has(survey.id)) context.addIssue({ code: 'custom', path: [index, 'id'], message: `repeats ${survey.id}` });
          seen.add(survey.id);
        });
      })),
    surveyGapDays: z.int().check(z.gte(0), z.lte(365), z.describe('No survey of any kind goes to the same customer within this many days of another.')),
    reasons: CareReasons,
    triggers: CareTriggers,
    inbox: z.optional(z.email('must be an email address')).check(z.describe('The customer-success inbox: alerts without an owner go here (else to the sales inbox).')),
    lifespan: z.strictObject({
      configuredYears: z.number().check(z.positive(), z.lte(50), z.describe('Average customer lifespan used until enough customers have churned to learn it.')),
      minimumChurned: z.int().check(z.gte(1), z.lte(100_000), z.describe('Churned customers needed before the lifespan is learned from them.')),
    }),
  }).check(z.meta({ id: 'CareSettings' }));
export type CareSettings = z.output<typeof CareSettings>;

export const DEFAULT_CARE_SETTINGS: CareSettings = {
  surveys: [...DEFAULT_SURVEYS],
  surveyGapDays: 14,
  reasons: DEFAULT_CARE_REASONS,
  triggers: [...DEFAULT_TRIGGERS],
  lifespan: DEFAULT_LIFESPAN,
};

export const hasReason = (reasons: CareReasons, list: keyof CareReasons, code: string) => reasons[list].some((reason) => reason.code === code);

/** What segments and scoring rules see of a customer's care record: `customer.<field>`. */
export interface CustomerView extends TicketProfile {
  readonly latestNps?: number;
  readonly latestNpsAt?: string;
  readonly latestCsat?: number;
  readonly latestCsatAt?: string;
  readonly npsCategory?: string;
  readonly csatCategory?: string;
  readonly churnRisk?: number;
  readonly churnRiskBand?: string;
  readonly exitReason?: string;
  readonly projectedLifetimeValue?: number;
  readonly averagePurchaseValue?: number;
  readonly purchasesPerYear?: number;
  readonly lifespanYears?: number;
}

export function customerView(care: CustomerCare | undefined, now: string): CustomerView {
  const nps = care?.satisfaction?.nps;
  const csat = care?.satisfaction?.csat;
  return {
    ...ticketProfile(care?.tickets, now),
    ...(nps ? { latestNps: nps.score, latestNpsAt: nps.answeredAt, npsCategory: nps.category } : {}),
    ...(csat ? { latestCsat: csat.score, latestCsatAt: csat.answeredAt, csatCategory: csat.category } : {}),
    ...(care?.risk ? { churnRisk: care.risk.score, churnRiskBand: care.risk.band } : {}),
    ...(care?.exitReason ? { exitReason: care.exitReason } : {}),
  };
}

/**
 * Every field segments and scoring rules see as `customer.*`: the care record's, and the projected
 * lifetime value with its inputs under `lifespan` (the learned or configured average).
 */
export function customerFields(lead: { readonly care?: CustomerCare | undefined; readonly purchases?: PurchaseSummary | undefined }, now: string, lifespan: Pick<Lifespan, 'years' | 'source'>): CustomerView {
  const value = lifetimeValue(lead.purchases, { ...lifespan, churnedCustomers: 0 }, now);
  return {
    ...customerView(lead.care, now),
    projectedLifetimeValue: value.projected,
    averagePurchaseValue: value.averagePurchaseValue,
    purchasesPerYear: value.purchasesPerYear,
    lifespanYears: value.lifespan.years,
  };
}

/** The lifespan a lead was last assessed with, else the default configured one (until its first assessment). */
export const assessedLifespan = (care: CustomerCare | undefined): Pick<Lifespan, 'years' | 'source'> => care?.lifespan ?? CONFIGURED_LIFESPAN;

/** The fields of `customerFields`, typed for condition validation (segments' `customer`, scoring rules' `lead.customer`). */
export const CUSTOMER_FIELDS = {
  count: 'number',
  lastTicketAt: 'string',
  openTickets: 'number',
  ticketsLast30Days: 'number',
  ticketsLast90Days: 'number',
  medianResolutionHours: 'number',
  latestNps: 'number',
  latestNpsAt: 'string',
  latestCsat: 'number',
  latestCsatAt: 'string',
  npsCategory: 'string',
  csatCategory: 'string',
  churnRisk: 'number',
  churnRiskBand: 'string',
  exitReason: 'string',
  projectedLifetimeValue: 'number',
  averagePurchaseValue: 'number',
  purchasesPerYear: 'number',
  lifespanYears: 'number',
} as const;
