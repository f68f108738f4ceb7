import * as z from 'zod';

/*
 * The customer-care routes answer loose records (their shapes live in src/domain/care); the console
 * reads them through these schemas so a changed answer shows as an error, not as wrong figures.
 */
const count = z.number();
const Satisfaction = z.looseObject({ month: z.string(), answers: count, promoters: count, passives: count, detractors: count, score: z.number().optional(), average: z.number().optional() });

export const CareReport = z.looseObject({
  months: z.array(z.string()),
  nps: z.array(Satisfaction),
  csat: z.array(Satisfaction),
  reasons: z.array(z.looseObject({ category: z.string(), reason: z.string(), count })),
  ticketsByTopic: z.array(z.looseObject({ topic: z.string(), opened: count, open: count, medianResolutionHours: z.number().optional() })),
  churnByExitReason: z.array(z.looseObject({ reason: z.string(), count })),
  riskDistribution: z.looseObject({ low: count, medium: count, high: count, unscored: count, partial: z.boolean() }).optional(),
});
export type CareReport = z.infer<typeof CareReport>;

export const CustomerCareRecord = z.looseObject({
  fields: z.looseObject({
    openTickets: count.optional(),
    count: count.optional(),
    latestNps: z.number().optional(),
    latestNpsAt: z.string().optional(),
    latestCsat: z.number().optional(),
    latestCsatAt: z.string().optional(),
    churnRisk: z.number().optional(),
    churnRiskBand: z.string().optional(),
    exitReason: z.string().optional(),
  }),
  care: z.looseObject({
    tickets: z.array(z.looseObject({ ticketId: z.string(), status: z.string(), topic: z.string().optional(), priority: z.string().optional(), openedAt: z.string(), resolvedAt: z.string().optional() })).optional(),
    risk: z.looseObject({ score: z.number(), band: z.string(), computedAt: z.string(), breakdown: z.array(z.looseObject({ input: z.string(), value: z.number().optional(), points: z.number(), why: z.string() })) }).optional(),
  }),
  lifetimeValue: z.looseObject({
    historical: z.number(),
    currency: z.string().optional(),
    averagePurchaseValue: z.number(),
    purchasesPerYear: z.number(),
    projected: z.number(),
    lifespan: z.looseObject({ years: z.number(), source: z.string() }),
  }),
});
export type CustomerCareRecord = z.infer<typeof CustomerCareRecord>;
