import * as z from 'zod/mini';
import { ChurnRiskFormula } from '../../src/domain/care/churn-risk';
import { CareSettings } from '../../src/domain/care/customer';
import { HELP_DESK_KINDS } from '../../src/domain/care/tickets';
import { SurveyId } from '../../src/domain/care/surveys';
import { ADMIN_ONLY, MARKETING } from '../../src/domain/roles';
import { defineRoute } from '../../src/http/routes';
import { Email } from '../../src/api/schemas';
import { TicketBatch, TicketsRecorded } from '../../src/api/tickets';

const StoredFormula = z.object({ version: z.int().check(z.gte(0), z.describe('0: the standard formula, never saved.')), formula: ChurnRiskFormula, createdAt: z.string() }).check(z.meta({ id: 'StoredRiskFormula' }));
const LeadId = z.object({ leadId: z.uuid('must be a lead id (UUID)') });
const Month = z.string().check(z.regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month as yyyy-mm'));

export const getCareSettings = defineRoute({
  operationId: 'getCareSettings',
  method: 'GET',
  path: '/v1/admin/care/settings',
  roles: MARKETING,
  summary: 'Read the after-sale settings: surveys, survey gap, reason lists, triggers, lifespan',
  request: {},
  responses: { 200: { description: 'The saved settings, or the standard ones.', schema: CareSettings } },
});

export const replaceCareSettings = defineRoute({
  operationId: 'replaceCareSettings',
  method: 'PUT',
  path: '/v1/admin/care/settings',
  roles: ADMIN_ONLY,
  summary: 'Replace the after-sale settings',
  description:
    'Surveys (NPS 0-10 or CSAT 1-5; question, follow-up and subject in English and Indonesian; the subscription a contact must be opted in to; the answer window; ' +
    'an optional recurrence: every N days to customers in some stages), the gap no two surveys to one customer may fall within, the satisfaction, problem and exit ' +
    'reason lists, the triggers (satisfaction below a threshold, N tickets within a window, churn risk entering a band; to the owner or the inbox), the ' +
    'customer-success inbox, and the lifespan used until enough customers churned to learn it. Refused with 400 naming the field.',
  request: { body: { schema: CareSettings } },
  responses: { 200: { description: 'The settings saved.', schema: CareSettings } },
});

export const getRiskFormula = defineRoute({
  operationId: 'getRiskFormula',
  method: 'GET',
  path: '/v1/admin/care/risk-formula',
  roles: MARKETING,
  summary: 'Read the churn-risk formula in force, with its version',
  request: {},
  responses: { 200: { description: 'The latest version.', schema: StoredFormula } },
});

export const saveRiskFormula = defineRoute({
  operationId: 'saveRiskFormula',
  method: 'PUT',
  path: '/v1/admin/care/risk-formula',
  roles: MARKETING,
  summary: 'Save the churn-risk formula as the next version',
  description:
    'Each factor names an input (latestNps, latestCsat, ticketsInWindow, openTickets, daysSinceLastPurchase, daysSinceLastActivity, engagementTrend, daysToRenewal) ' +
    'and steps `{ atLeast?, atMost?, points }`: the first step holding the value gives its points. The sum (0-100) falls in the bands. Versions never change; ' +
    'each customer is reassessed with the new version at its next ticket, answer, purchase or stage change, or at its daily reassessment.',
  request: { body: { schema: z.strictObject({ formula: ChurnRiskFormula, expectedVersion: z.int().check(z.gte(0), z.describe('The version read; refused with 409 when another was saved since.')) }) } },
  responses: { 200: { description: 'The new version.', schema: StoredFormula } },
  errors: { 409: 'Another version was saved since `expectedVersion`; read and repeat.' },
});

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

export const connectHelpDesk = defineRoute({
  operationId: 'connectHelpDesk',
  method: 'PUT',
  path: '/v1/admin/care/help-desk',
  roles: ADMIN_ONLY,
  summary: "Connect the help desk's webhook",
  description:
    "`zendesk`: give the webhook's signing secret from Zendesk (Admin Center > Webhooks > the webhook > Signing secret); the answer holds the trigger body to paste " +
    '(the same webhook URL also takes Zendesk ticket events). `freshdesk`: leadflow makes a secret and shows it once; in the automation rule\'s "Trigger webhook" ' +
    'action tick "Requires authentication" and give it as the password (any username); then either Encoding JSON, Content Advanced, and paste the body the answer ' +
    'holds (its `updated_at` lets leadflow order updates by Freshdesk\'s time and ignore replays older than an hour), or Content Simple (Encoding JSON or ' +
    'X-FORM-URLENCODED) and tick the fields `simpleFields` names (dated on arrival). ' +
    '`generic`: leadflow makes a Standard Webhooks secret and shows it once.',
  request: {
    body: {
      schema: z
        .strictObject({ kind: z.enum(HELP_DESK_KINDS), secret: z.optional(z.string().check(z.minLength(16), z.maxLength(200))).check(z.describe("Zendesk's signing secret; not taken for generic.")) }).check(z.superRefine((body, context) => {
          if (body.kind === 'zendesk' && !body.secret) context.addIssue({ code: 'custom', path: ['secret'], message: "is required for zendesk: the webhook's signing secret" });
          if (body.kind !== 'zendesk' && body.secret) context.addIssue({ code: 'custom', path: ['secret'], message: `is made by leadflow for ${body.kind}; leave it out` });
        })),
    },
  },
  responses: {
    200: {
      description: 'Connected.',
      schema: z.object({
        kind: z.enum(HELP_DESK_KINDS),
        path: z.string(),
        secret: z.optional(z.string()).check(z.describe('generic and freshdesk: shown once.')),
        triggerBody: z.optional(z.unknown()).check(z.describe("zendesk: the trigger's webhook body.")),
        webhookBody: z.optional(z.unknown()).check(z.describe("freshdesk: the webhook action's body (Content Advanced).")),
        simpleFields: z.optional(z.array(z.string())).check(z.describe('freshdesk: the fields to tick with Content Simple, as Freshdesk names them.')),
      }),
    },
  },
});

export const mapHelpDeskRequesters = defineRoute({
  operationId: 'mapHelpDeskRequesters',
  method: 'PUT',
  path: '/v1/admin/care/help-desk/requesters',
  roles: ADMIN_ONLY,
  summary: "Say which lead each of the help desk's requesters (its own user ids) is",
  description:
    "Zendesk's ticket events name the requester by Zendesk user id, not by address. leadflow learns the id from trigger deliveries whose body has " +
    '`requester.id`; this sets it for requesters who had none (an export of Zendesk users: id and email). Each is kept until set again.',
  request: {
    body: {
      schema: z.strictObject({
        kind: z.literal('zendesk').check(z.describe('The help desk whose ids these are.')),
        requesters: z
          .array(
            z
              .strictObject({
                requesterId: z.string().check(z.regex(/^\d{1,20}$/, 'must be a Zendesk user id')),
                email: z.optional(Email),
                leadId: z.optional(z.uuid('must be a lead id (UUID)')),
              }).check(z.superRefine((entry, context) => {
                if ((entry.email === undefined) === (entry.leadId === undefined)) context.addIssue({ code: 'custom', path: ['email'], message: 'give exactly one of email or leadId' });
              })),
          ).check(z.minLength(1), z.maxLength(100)),
      }),
    },
  },
  responses: {
    200: {
      description: 'One result per requester, in order.',
      schema: z.object({ requesters: z.array(z.object({ requesterId: z.string(), status: z.enum(['mapped', 'unknown_lead']), leadId: z.optional(z.string()) })) }),
    },
  },
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
  request: { query: z.strictObject({ from: z.optional(Month).check(z.describe('Default: 5 months before `to`.')), to: z.optional(Month).check(z.describe('Default: this month.')) }) },
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

export const manageCustomerCareRoutes = [
  getCareSettings,
  replaceCareSettings,
  getRiskFormula,
  saveRiskFormula,
  recordTickets,
  requestSurvey,
  connectHelpDesk,
  mapHelpDeskRequesters,
  churnCustomer,
  getCustomerCare,
  getCareReport,
  backfillReassessmentTimers,
] as const;
