import * as z from 'zod';
import { defineRoute } from '../../src/http/routes';
import { EVERY_ROLE } from '../../src/domain/roles';

const Month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month as yyyy-mm');
export const HandoffReportQuery = z
  .strictObject({
    from: Month.optional().describe('First month (UTC), yyyy-mm; default: 5 months before `to`.'),
    to: Month.optional().describe('Last month (UTC), yyyy-mm, included; default: this month.'),
  })
  .meta({ id: 'HandoffReportQuery' });

const ReasonLine = z.object({ reason: z.string(), count: z.int(), amounts: z.record(z.string(), z.number()).describe('Sums per currency.') });

export const getHandoffReport = defineRoute({
  operationId: 'getHandoffReport',
  method: 'GET',
  path: '/v1/admin/reports/handoff',
  roles: EVERY_ROLE,
  summary: 'Handoff report: funnel, conversion, weekly cohorts, time to MQL, MQL acceptance, won and lost reasons',
  description:
    "Over the months `from`..`to` (UTC, at most 24): leads entering each stage per month (a lead's entry at creation included); conversion out of each funnel stage by the month leads entered it (of those, the percentage that reached a later funnel stage since, followed up to 12 months past `to`), with the window's total; cohorts by week created (leads created in the window by the Monday of their week, and how many of each have reached MQL, SQL and won since, with the median days to MQL); days from creation to first MQL (median, p90); accepted / (accepted + rejected); won and lost reasons with counts and amounts per currency.",
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
              ratePercent: z.number().nullable(),
              byMonth: z.array(z.object({ month: z.string(), entered: z.int(), converted: z.int(), ratePercent: z.number().nullable() })),
            }),
          ),
          cohorts: z.array(
            z.object({
              week: z.string().describe('The Monday (UTC) the week of creation starts on, yyyy-mm-dd.'),
              created: z.int(),
              mql: z.int(),
              sql: z.int(),
              won: z.int(),
              mqlPercent: z.number().nullable(),
              sqlPercent: z.number().nullable(),
              wonPercent: z.number().nullable(),
              medianDaysToMql: z.number().nullable(),
            }),
          ),
          timeToMql: z.object({ leads: z.int(), medianDays: z.number().nullable(), p90Days: z.number().nullable() }),
          mqlAcceptance: z.object({ accepted: z.int(), rejected: z.int(), ratePercent: z.number().nullable() }),
          won: z.array(ReasonLine),
          lost: z.array(ReasonLine),
        })
        .meta({ id: 'HandoffReport' }),
    },
  },
});

export const handoffReportsRoutes = [getHandoffReport] as const;
