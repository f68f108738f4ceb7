import * as z from 'zod/mini';

/**
 * Churn risk as a formula kept as data: each input adds the points of the first step its value falls
 * in, the sum (0-100) falls in a band, and the breakdown lists every input's value and points, as the
 * score ledger explains a score. Formulas are versioned; a risk names the version it was computed with.
 */
export const RISK_INPUTS = [
  'latestNps',
  'latestCsat',
  'ticketsInWindow',
  'openTickets',
  'daysSinceLastPurchase',
  'daysSinceLastActivity',
  'engagementTrend',
  'daysToRenewal',
] as const;
export type RiskInput = (typeof RISK_INPUTS)[number];

/** What each input means, for the breakdown and the API description. */
export const RISK_INPUT_DESCRIPTIONS: Readonly<Record<RiskInput, string>> = {
  latestNps: 'the latest NPS answer (0-10)',
  latestCsat: 'the latest CSAT answer (1-5)',
  ticketsInWindow: 'support tickets opened in the last `ticketWindowDays` days',
  openTickets: 'support tickets still open',
  daysSinceLastPurchase: 'days since the last purchase',
  daysSinceLastActivity: 'days since the last engagement event',
  engagementTrend: 'change in engagement events, last 30 days against the 30 before, in percent (-100 = stopped)',
  daysToRenewal: 'days until the contract renewal date (negative: past)',
};

export const RISK_BANDS = ['low', 'medium', 'high'] as const;
export type RiskBand = (typeof RISK_BANDS)[number];

/** Points for values in [atLeast, atMost] (either bound may be open). */
const RiskStep = z
  .strictObject({
    atLeast: z.optional(z.number()),
    atMost: z.optional(z.number()),
    points: z.number().check(z.gte(-100), z.lte(100)),
  }).check(z.refine((step) => step.atLeast === undefined || step.atMost === undefined || step.atLeast <= step.atMost, { path: ['atMost'], message: 'must be at least atLeast' }));

const RiskFactor = z.strictObject({
  input: z.enum(RISK_INPUTS),
  steps: z.array(RiskStep).check(z.minLength(1), z.maxLength(10), z.describe('The first step whose range holds the value gives its points; no step: 0.')),
  whenUnknown: z._default(z.number().check(z.gte(-100), z.lte(100)), 0).check(z.describe('Points when the customer has no value for the input (never answered, never bought).')),
});

export const ChurnRiskFormula = z
  .strictObject({
    factors: z.array(RiskFactor).check(z.minLength(1), z.maxLength(RISK_INPUTS.length)),
    ticketWindowDays: z._default(z.int().check(z.gte(1), z.lte(365)), 30),
    /** The custom attribute holding the contract renewal date (ISO 8601). */
    renewalDateAttribute: z._default(z.string().check(z.regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/)), 'renewalDate'),
    bands: z
      .strictObject({ medium: z.number().check(z.gte(0), z.lte(100)), high: z.number().check(z.gte(0), z.lte(100)) }).check(z.refine((bands) => bands.medium < bands.high, { path: ['high'], message: 'must be above medium' }), z.describe('Risk from `medium` is medium, from `high` is high.')),
  }).check(z.superRefine((formula, context) => {
    const seen = new Set<string>();
    formula.factors.forEach((factor, index) => {
      if (seen.has(factor.input)) context.addIssue({ code: 'custom', path: ['factors', index, 'input'], message: `repeats ${factor.input}` });
      seen.add(factor.input);
    });
  }), z.meta({ id: 'ChurnRiskFormula' }));
export type ChurnRiskFormula = z.output<typeof ChurnRiskFormula>;

/** A saved formula version. */
export interface StoredRiskFormula {
  readonly version: number;
  readonly formula: ChurnRiskFormula;
  readonly createdAt: string;
}

/** The formula until a team saves its own: satisfaction, tickets and silence weigh most. */
export const DEFAULT_RISK_FORMULA: ChurnRiskFormula = {
  ticketWindowDays: 30,
  renewalDateAttribute: 'renewalDate',
  bands: { medium: 30, high: 60 },
  factors: [
    { input: 'latestNps', steps: [{ atMost: 6, points: 25 }, { atMost: 8, points: 8 }], whenUnknown: 5 },
    { input: 'latestCsat', steps: [{ atMost: 2, points: 20 }, { atMost: 3, points: 8 }], whenUnknown: 0 },
    { input: 'ticketsInWindow', steps: [{ atLeast: 5, points: 20 }, { atLeast: 3, points: 10 }], whenUnknown: 0 },
    { input: 'openTickets', steps: [{ atLeast: 2, points: 10 }, { atLeast: 1, points: 4 }], whenUnknown: 0 },
    { input: 'daysSinceLastPurchase', steps: [{ atLeast: 365, points: 15 }, { atLeast: 180, points: 8 }], whenUnknown: 0 },
    { input: 'daysSinceLastActivity', steps: [{ atLeast: 60, points: 15 }, { atLeast: 30, points: 8 }], whenUnknown: 10 },
    { input: 'engagementTrend', steps: [{ atMost: -50, points: 10 }, { atMost: -20, points: 5 }], whenUnknown: 0 },
    { input: 'daysToRenewal', steps: [{ atLeast: 0, atMost: 30, points: 10 }, { atLeast: 0, atMost: 90, points: 5 }], whenUnknown: 0 },
  ],
};

export type RiskInputs = Partial<Record<RiskInput, number>>;

export interface RiskContribution {
  readonly input: RiskInput;
  /** Absent when the customer has no value for the input. */
  readonly value?: number;
  readonly points: number;
  readonly why: string;
}

export interface ChurnRisk {
  /** 0-100. */
  readonly score: number;
  readonly band: RiskBand;
  readonly formulaVersion: number;
  readonly computedAt: string;
  /** Every factor of the formula, largest points first. */
  readonly breakdown: readonly RiskContribution[];
}

const inStep = (value: number, step: { readonly atLeast?: number | undefined; readonly atMost?: number | undefined }) =>
  (step.atLeast === undefined || value >= step.atLeast) && (step.atMost === undefined || value <= step.atMost);

const describeStep = (step: { readonly atLeast?: number | undefined; readonly atMost?: number | undefined }) =>
  step.atLeast !== undefined && step.atMost !== undefined ? `${step.atLeast} to ${step.atMost}` : step.atLeast !== undefined ? `${step.atLeast} or more` : `${step.atMost} or less`;

export const bandOf = (formula: Pick<ChurnRiskFormula, 'bands'>, score: number): RiskBand => (score >= formula.bands.high ? 'high' : score >= formula.bands.medium ? 'medium' : 'low');

/** The risk of one customer's inputs under one formula version, explained. */
export function churnRisk(stored: Pick<StoredRiskFormula, 'version' | 'formula'>, inputs: RiskInputs, computedAt: string): ChurnRisk {
  const breakdown = stored.formula.factors.map((factor): RiskContribution => {
    const value = inputs[factor.input];
    const label = RISK_INPUT_DESCRIPTIONS[factor.input];
    if (value === undefined) return { input: factor.input, points: factor.whenUnknown, why: `no value for ${label}` };
    const step = factor.steps.find((candidate) => inStep(value, candidate));
    return step ? { input: factor.input, value, points: step.points, why: `${label} is ${describeStep(step)}` } : { input: factor.input, value, points: 0, why: `${label} is in no step` };
  });
  const sum = breakdown.reduce((total, contribution) => total + contribution.points, 0);
  const score = Math.min(100, Math.max(0, Math.round(sum * 10) / 10));
  return {
    score,
    band: bandOf(stored.formula, score),
    formulaVersion: stored.version,
    computedAt,
    breakdown: [...breakdown].sort((a, b) => b.points - a.points),
  };
}

/** Engagement change in percent from the 30 days before to the last 30 days; undefined without events in either. */
export function engagementTrend(eventTimes: readonly string[], now: string): number | undefined {
  const asOf = Date.parse(now);
  const window = 30 * 86_400_000;
  let recent = 0;
  let before = 0;
  for (const time of eventTimes) {
    const at = Date.parse(time);
    if (at > asOf) continue;
    if (at > asOf - window) recent += 1;
    else if (at > asOf - 2 * window) before += 1;
  }
  if (recent === 0 && before === 0) return undefined;
  if (before === 0) return 100;
  return Math.round(((recent - before) / before) * 1000) / 10;
}
