import * as z from 'zod/mini';
import { defineRoute } from '../../src/http/routes';
import { EVERY_ROLE } from '../../src/domain/roles';
import { ReportMonth } from '../../src/domain/report-month';

export const HandoffReportQuery = z
  .strictObject({
    from: z.optional(ReportMonth).check(z.describe('First month (UTC), yyyy-mm; default: 5 months before `to`.')),
    to: z.optional(ReportMonth).check(z.describe('Last month (UTC), yyyy-mm, included; default: this month.')),
  }).check(z.meta({ id: 'HandoffReportQuery' }));

const ReasonLine = z.object({ reason: z.string(), count: z.int(), amounts: z.record(z.string(), z.number()).check(z.describe('Sums per currency.')) });

export const getHandoffReport = defineRoute({
  operationId: 'getHandoffReport',
  method: 'GET',
  path: '/v1/admin/reports/handoff',
  roles: EVERY_ROLE,
  summary: 'Handoff report: funnel, conversion, weekly cohorts, time to MQL, MQL acceptance, won and lost reasons',
  description:
    "Over the months `from`..`to` (UTC, at most 24): leads entering each stage per month (a lead's entry at creation included); conversion out of each funnel stage by the month leads entered it (of those, the percentage that reached a later funnel stage since, followed up to 12 months past `to`), with the window's total; cohorts by week created (leads created in the window by the Monday of their week, up to the current week, and how many of each have reached MQL, SQL and won since, with the median days to MQL); days from creation to first MQL (median, p90); accepted / (accepted + rejected); won and lost reasons with counts and amounts per currency.",
  request: { query: HandoffReportQuery },
  responses: {
    200: {
      description: '`{ months, funnel, conversion, cohorts, timeToMql, mqlAcceptance, won, lost }`.',
      schema: z
        .object({
          months: z.object({ from: z.string(), to: z.string() }),
          funnel: z.array(z.looseObject({ month: z.string() })),
          conversion: z.array(
            z.object({
              from: z.string(),
              to: z.string(),
              entered: z.int(),
              converted: z.int(),
              ratePercent: z.nullable(z.number()),
              byMonth: z.array(z.object({ month: z.string(), entered: z.int(), converted: z.int(), ratePercent: z.nullable(z.number()) })),
            }),
          ),
          cohorts: z.array(
            z.object({
              week: z.string().check(z.describe('The Monday (UTC) the week of creation starts on, yyyy-mm-dd.')),
              created: z.int(),
              mql: z.int(),
              sql: z.int(),
              won: z.int(),
              mqlPercent: z.nullable(z.number()),
              sqlPercent: z.nullable(z.number()),
              wonPercent: z.nullable(z.number()),
              medianDaysToMql: z.nullable(z.number()),
            }),
          ),
          timeToMql: z.object({ leads: z.int(), medianDays: z.nullable(z.number()), p90Days: z.nullable(z.number()) }),
          mqlAcceptance: z.object({ accepted: z.int(), rejected: z.int(), ratePercent: z.nullable(z.number()) }),
          won: z.array(ReasonLine),
          lost: z.array(ReasonLine),
        }).check(z.meta({ id: 'HandoffReport' })),
    },
  },
});

export const handoffReportsRoutes = [getHandoffReport] as const;
