import * as z from 'zod/mini';
import { ChurnRiskFormula } from '../../src/domain/care/churn-risk';
import { CareSettings } from '../../src/domain/care/customer';
import { HELP_DESK_KINDS } from '../../src/domain/care/tickets';
import { ADMIN_ONLY, MARKETING } from '../../src/domain/roles';
import { defineRoute } from '../../src/http/routes';
import { Email } from '../../src/api/schemas';

const StoredFormula = z.object({ version: z.int().check(z.gte(0), z.describe('0: the standard formula, never saved.')), formula: ChurnRiskFormula, createdAt: z.string() }).check(z.meta({ id: 'StoredRiskFormula' }));

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

export const manageCareSettingsRoutes = [getCareSettings, replaceCareSettings, getRiskFormula, saveRiskFormula, connectHelpDesk, mapHelpDeskRequesters] as const;
