import * as z from 'zod/mini';
import { SurveyId } from '../../src/domain/care/surveys';
import { ADMIN_ONLY, MARKETING } from '../../src/domain/roles';
import { defineRoute } from '../../src/http/routes';
import { TicketBatch, TicketsRecorded } from '../../src/api/tickets';
import { ReportMonth } from '../../src/domain/report-month';

const LeadId = z.object({ leadId: z.uuid('must be a lead id (UUID)') });

export const recordTickets = defineRoute({
  operationId: 'recordTickets',
  method: 'POST',
  path: '/v1/admin/care/tickets',
  roles: ADMIN_ONLY,
  summary: 'Record support tickets (1-100) from a help desk',
  description:
    "Each ticket names its customer by `email` or `leadId`. Kept once per customer and `ticketId`, ordered by the help desk's `updatedAt`: an older update is " +
    '`stale` and changes nothing, the same one again is `duplicate`. The customer gets last ticket, open tickets, tickets in 30 and 90 days and median resolution time.',
  request: { body: { schema: TicketBatch } },
  responses: { 200: { description: 'One result per ticket, in order.', schema: TicketsRecorded } },
  errors: { 503: 'The table refused more writes part-way; repeat the same request.' },
});

export const requestSurvey = defineRoute({
  operationId: 'requestSurvey',
  method: 'POST',
  path: '/v1/admin/care/surveys/{surveyId}/requests',
  roles: MARKETING,
  summary: 'Send a survey to customers now',
  description:
    'Each customer gets the survey once per `requestId`, if opted in to its subscription, not suppressed and not surveyed within the gap. Journeys can publish ' +
    'the same `care.survey-due` event.',
  request: {
    params: z.object({ surveyId: SurveyId }),
    body: { schema: z.strictObject({ leadIds: z.array(z.uuid('must be a lead id (UUID)')).check(z.minLength(1), z.maxLength(100)), requestId: z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, - or _')) }) },
  },
  responses: { 202: { description: 'Requested; sending follows.', schema: z.object({ requested: z.int() }) } },
  errors: { 404: 'No such survey.' },
});

export const churnCustomer = defineRoute({
  operationId: 'churnCustomer',
  method: 'POST',
  path: '/v1/admin/customers/{leadId}/churn',
  roles: ADMIN_ONLY,
  summary: 'A customer left: move it to churned with an exit reason',
  request: { params: LeadId, body: { schema: z.strictObject({ reason: z.string().check(z.minLength(1), z.maxLength(40), z.describe('A code of the exit reasons.')), actor: z.string().check(z.minLength(1), z.maxLength(100)) }) } },
  responses: { 200: { description: 'The transition recorded.', schema: z.looseObject({ from: z.string(), to: z.literal('churned'), reason: z.optional(z.string()), at: z.string() }) } },
  errors: { 404: 'No such lead.', 409: 'The lead is not a customer (only customers churn).' },
});

export const getCustomerCare = defineRoute({
  operationId: 'getCustomerCare',
  method: 'GET',
  path: '/v1/admin/customers/{leadId}/care',
  roles: MARKETING,
  summary: "A customer's after-sale record: tickets, NPS and CSAT, churn risk with its breakdown, projected lifetime value with its inputs",
  request: { params: LeadId },
  responses: {
    200: {
      description: '`fields` are what segments and scoring see as `customer.*`.',
      schema: z.object({ leadId: z.string(), fields: z.record(z.string(), z.unknown()), care: z.record(z.string(), z.unknown()), lifetimeValue: z.record(z.string(), z.unknown()) }),
    },
  },
  errors: { 404: 'No such lead.' },
});

export const getCareReport = defineRoute({
  operationId: 'getCareReport',
  method: 'GET',
  path: '/v1/admin/reports/care',
  roles: MARKETING,
  summary: 'After-sale report: NPS and CSAT over time, reasons, tickets by topic, churn by exit reason, risk distribution',
  request: { query: z.strictObject({ from: z.optional(ReportMonth).check(z.describe('Default: 5 months before `to`.')), to: z.optional(ReportMonth).check(z.describe('Default: this month.')) }) },
  responses: { 200: { description: 'The report.', schema: z.record(z.string(), z.unknown()) } },
});

export const backfillReassessmentTimers = defineRoute({
  operationId: 'backfillReassessmentTimers',
  method: 'POST',
  path: '/v1/admin/care/reassessment-timers',
  roles: ADMIN_ONLY,
  summary: 'Give every existing customer the timers it lacks (daily churn-risk reassessment, recurring surveys), a page of leads at a time',
  description:
    'For customers made before the daily reassessment existed or a survey recurred. The walk also runs by itself after a deploy changing the care ' +
    'defaults, at each local start, and when the recurring surveys change. Each call walks `limit` leads from `cursor` and asks for the missing timers of ' +
    'each customer (or lead of a surveyed stage) with `care.reassessment-due` marked `backfill`: a timer is made only where none of its name exists, so ' +
    'none moves and a repeat changes nothing. Call again with the returned `cursor` until none comes back (`leadflow care backfill-timers` does).',
  request: {
    body: {
      schema: z.strictObject({
        cursor: z.optional(z.string().check(z.maxLength(2000))).check(z.describe('The `cursor` of the previous page; absent: from the start.')),
        limit: z.optional(z.int().check(z.gte(1), z.lte(1000))).check(z.describe('Leads to look at in this call (default 500).')),
      }),
    },
  },
  responses: {
    200: {
      description: 'One page done.',
      schema: z.object({ scanned: z.int(), customers: z.int().check(z.describe('Customers (and leads of surveyed stages) asked for their missing timers.')), cursor: z.optional(z.string()).check(z.describe('Absent once every lead was looked at.')) }),
    },
  },
  errors: { 503: 'The bus refused part of the page; repeat the same call.' },
});

export const manageCustomerCareRoutes = [recordTickets, requestSurvey, churnCustomer, getCustomerCare, getCareReport, backfillReassessmentTimers] as const;
