import * as z from 'zod/mini';
import { AudiencePreview, RenderedEmail } from '../../src/api/responses';
import { Email } from '../../src/api/schemas';
import { CAMPAIGN_STATUSES, CampaignDefinition } from '../../src/domain/campaigns/campaign';
import { ScheduleRequest } from '../../src/domain/campaigns/schedule';
import { SendPolicy, SKIP_REASONS } from '../../src/domain/consent/send-policy';
import { SubscriptionTypeId, SubscriptionTypes } from '../../src/domain/subscriptions';
import { PageQuery, pageOf } from '../../src/http/page-query';
import { defineRoute, type ErrorDeclaration } from '../../src/http/routes';
import { ADMIN_ONLY, EVERY_ROLE, MARKETING } from '../../src/domain/roles';

/** A test send: up to 5 addresses, personalised with one lead's data when a lead is named. */
export const CampaignTestRequest = z
  .strictObject({
    to: z.array(Email).check(z.minLength(1, 'must name at least one address'), z.maxLength(5, 'must name at most 5 addresses')),
    leadId: z.optional(z.uuid('must be a lead id (UUID)')),
  }).check(z.meta({ id: 'CampaignTestRequest' }));

const CampaignIdParams = z.object({ campaignId: z.uuid('must be a campaign id (UUID)') });
const Status = z.enum(CAMPAIGN_STATUSES);

const Schedule = z
  .object({
    sendAt: z.string().check(z.describe('Local wall-clock time in `timeZone`.')),
    timeZone: z.string().check(z.describe('IANA time zone.')),
    sendsAtUtc: z.iso.datetime().check(z.describe('The same instant in UTC.')),
  }).check(z.meta({ id: 'CampaignSchedule' }));

const Campaign = z
  .looseObject({
    id: z.uuid(),
    name: z.string(),
    subscription: SubscriptionTypeId,
    status: Status,
    template: z.looseObject({ subject: z.string(), html: z.string(), text: z.optional(z.string()) }),
    templateRef: z.optional(z.object({ templateId: z.uuid(), version: z.int() })),
    audience: z.looseObject({}).check(z.describe('The condition fixed at creation: inline, or the saved segment\'s at its version.')),
    segmentRef: z.optional(z.object({ segmentId: z.uuid(), version: z.int(), name: z.string() })),
    schedule: z.optional(Schedule),
    createdAt: z.iso.datetime(),
    recipients: z.int(),
    planned: z.boolean(),
    sent: z.int(),
    skipped: z.int(),
  }).check(z.describe('A campaign with its status, its schedule when scheduled, and counters (recipients, sent, skipped, and per recipient delivered, opened, clicked, bounced, complained, rejected, unsubscribed once any).'), z.meta({ id: 'Campaign' }));

const NewStatus = z.object({ campaignId: z.uuid(), status: Status }).check(z.meta({ id: 'CampaignStatusChanged' }));

const noCampaign = { 404: 'No such campaign.' } as const;
const schedulerDown = (what: string): ErrorDeclaration => `EventBridge Scheduler did not answer; ${what}, retry after \`Retry-After\` seconds.`;

export const createCampaign = defineRoute({
  operationId: 'createCampaign',
  method: 'POST',
  path: '/v1/admin/campaigns',
  roles: MARKETING,
  summary: 'Create a campaign draft',
  description:
    'A subscription type (only leads opted in to it receive the campaign), an optional segment (a condition over `{ lead, score, activity, purchases }`, or the `segmentId` of a saved segment, whose current version the campaign keeps) and a template with `{{ field | "fallback" }}` fields. The unsubscribe footer and List-Unsubscribe headers are added by the sender. ' +
    'The template is either inline or a stored template `{ templateId, version? }` (the latest version when absent): its content is copied into the campaign with `templateRef`, so later template versions never change the campaign.',
  request: { body: { schema: CampaignDefinition } },
  responses: { 201: { description: 'The draft.', schema: Campaign } },
  errors: { 400: 'A field is invalid, a template names an unknown field (`template.html`), or the template or version does not exist (`template.templateId`, `template.version`).' },
});

export const listCampaigns = defineRoute({
  operationId: 'listCampaigns',
  method: 'GET',
  path: '/v1/admin/campaigns',
  roles: MARKETING,
  summary: 'List campaigns, newest first',
  request: { query: PageQuery },
  responses: {
    200: {
      description: '`{ items: [{ id, name, subscription, status, createdAt, schedule? }], nextCursor? }`: a page of campaigns (their counts are on each campaign).',
      schema: pageOf(z.object({ id: z.uuid(), name: z.string(), subscription: SubscriptionTypeId, status: Status, createdAt: z.iso.datetime(), schedule: z.optional(Schedule) }).check(z.meta({ id: 'CampaignListing' }))).check(z.meta({
        id: 'CampaignList',
      })),
    },
  },
});

export const getCampaign = defineRoute({
  operationId: 'getCampaign',
  method: 'GET',
  path: '/v1/admin/campaigns/{campaignId}',
  roles: MARKETING,
  summary: 'A campaign with its status, schedule (sendAt, timeZone, sendsAtUtc) when scheduled, and counters (recipients, sent, skipped)',
  request: { params: CampaignIdParams },
  responses: { 200: { description: 'The campaign.', schema: Campaign } },
  errors: noCampaign,
});

const count = z.int().check(z.gte(0));
const rate = z.number().check(z.describe('Percent.'));

export const getCampaignReport = defineRoute({
  operationId: 'getCampaignReport',
  method: 'GET',
  path: '/v1/admin/campaigns/{campaignId}/report',
  roles: MARKETING,
  summary: 'Campaign report: sent, delivered, opened, clicked, bounced, complained, unsubscribed and their rates',
  request: { params: CampaignIdParams },
  responses: {
    200: {
      description: 'Counts per recipient (an open counts once per person; scanner opens and clicks not at all) and rates in percent.',
      schema: z
        .object({
          campaignId: z.uuid(),
          name: z.string(),
          status: Status,
          recipients: count,
          planned: z.boolean(),
          sent: count,
          skipped: count,
          skippedByReason: z
            .partialRecord(z.enum(SKIP_REASONS), count).check(z.describe('Skips by reason: `not_opted_in`, `suppressed`, `no_lead`, and the send-time policy\'s `frequency_cap`; reasons with none are absent.')),
          interrupted: count,
          delivered: count,
          opened: count,
          clicked: count,
          bounced: count,
          complained: count,
          rejected: count,
          unsubscribed: count,
          deliveryRate: rate,
          bounceRate: rate,
          openRate: rate,
          clickRate: rate,
          complaintRate: rate,
          unsubscribeRate: rate,
        }).check(z.meta({ id: 'CampaignReport' })),
    },
  },
  errors: noCampaign,
});

export const previewCampaign = defineRoute({
  operationId: 'previewCampaign',
  method: 'GET',
  path: '/v1/admin/campaigns/{campaignId}/preview',
  roles: MARKETING,
  summary: 'Preview a campaign: audience count and sample; with leadId, what that lead would see',
  request: { params: CampaignIdParams, query: z.object({ leadId: z.optional(z.uuid('must be a lead id (UUID)')) }) },
  responses: {
    200: {
      description: '`{ audience: { count, sample, complete }, rendered?, wouldReceive? }`; counting stops after 20,000 leads (`complete: false`).',
      schema: z.object({ campaignId: z.uuid(), audience: AudiencePreview, rendered: z.optional(RenderedEmail), wouldReceive: z.optional(z.boolean()) }).check(z.meta({ id: 'CampaignPreview' })),
    },
  },
  errors: { 404: 'No such campaign or lead.' },
});

export const testCampaign = defineRoute({
  operationId: 'testCampaign',
  method: 'POST',
  path: '/v1/admin/campaigns/{campaignId}/test',
  roles: MARKETING,
  summary: 'Test-send a campaign to named addresses',
  description: 'Subject marked [Test]; personalised with the named lead or the fallbacks; not recorded, not tracked; its unsubscribe link changes nothing; suppressed addresses are skipped.',
  request: { params: CampaignIdParams, body: { schema: CampaignTestRequest, emptyIsObject: true } },
  responses: { 202: { description: 'Queued.', schema: z.object({ campaignId: z.uuid(), to: z.array(z.string()) }).check(z.meta({ id: 'CampaignTestQueued' })) } },
  errors: noCampaign,
});

export const sendCampaign = defineRoute({
  operationId: 'sendCampaign',
  method: 'POST',
  path: '/v1/admin/campaigns/{campaignId}/send',
  roles: MARKETING,
  summary: 'Start sending a draft',
  request: { params: CampaignIdParams },
  responses: {
    202: {
      description: 'Sending; follow the counters on the campaign.',
      schema: z.object({ campaignId: z.uuid(), status: z.literal('sending'), progress: z.string().check(z.describe('The campaign\'s path.')) }).check(z.meta({ id: 'CampaignSending' })),
    },
  },
  errors: { ...noCampaign, 409: 'Not a draft.', 503: 'Sending, but planning has not started; repeat the request.' },
});

const controlErrors = { ...noCampaign, 409: 'Not in a status this control applies to.' } as const;

export const pauseCampaign = defineRoute({
  operationId: 'pauseCampaign',
  method: 'POST',
  path: '/v1/admin/campaigns/{campaignId}/pause',
  roles: MARKETING,
  summary: 'Pause a campaign: senders stop at their next batch',
  request: { params: CampaignIdParams },
  responses: { 200: { description: 'The new status.', schema: NewStatus } },
  errors: controlErrors,
});

export const resumeCampaign = defineRoute({
  operationId: 'resumeCampaign',
  method: 'POST',
  path: '/v1/admin/campaigns/{campaignId}/resume',
  roles: MARKETING,
  summary: 'Resume a campaign: planning starts again from the first page; recorded sends are not repeated',
  request: { params: CampaignIdParams },
  responses: { 200: { description: 'The new status.', schema: NewStatus } },
  errors: { ...controlErrors, 503: 'Resumed, but planning has not started; repeat the request.' },
});

export const cancelCampaign = defineRoute({
  operationId: 'cancelCampaign',
  method: 'POST',
  path: '/v1/admin/campaigns/{campaignId}/cancel',
  roles: MARKETING,
  summary: 'Cancel a campaign: nothing more is sent; a scheduled campaign loses its schedule',
  request: { params: CampaignIdParams },
  responses: { 200: { description: 'The new status.', schema: NewStatus } },
  errors: { ...controlErrors, 503: schedulerDown('still scheduled') },
});

export const scheduleCampaign = defineRoute({
  operationId: 'scheduleCampaign',
  method: 'POST',
  path: '/v1/admin/campaigns/{campaignId}/schedule',
  roles: MARKETING,
  summary: 'Schedule a draft to send at a local time in a time zone (or move the time of a scheduled campaign)',
  description:
    'The wall-clock time is read in the IANA zone, so "09:00 Asia/Jakarta" sends at 02:00 UTC. A time the clocks skip (daylight saving starts) is refused; a time they pass twice is the first of the two. It must be in the future and at most 365 days ahead. At that time the campaign moves to sending, as `send` does.',
  request: { params: CampaignIdParams, body: { schema: ScheduleRequest, emptyIsObject: true } },
  responses: {
    200: {
      description: '`{ campaignId, status: "scheduled", schedule: { sendAt, timeZone, sendsAtUtc } }`.',
      schema: z.object({ campaignId: z.uuid(), status: z.literal('scheduled'), schedule: Schedule }).check(z.meta({ id: 'CampaignScheduled' })),
    },
  },
  errors: { ...noCampaign, 409: 'Not a draft or scheduled; the message names its status.', 503: schedulerDown('nothing changed') },
});

export const unscheduleCampaign = defineRoute({
  operationId: 'unscheduleCampaign',
  method: 'POST',
  path: '/v1/admin/campaigns/{campaignId}/unschedule',
  roles: MARKETING,
  summary: 'Return a scheduled campaign to draft; its schedule is deleted',
  request: { params: CampaignIdParams },
  responses: { 200: { description: '`{ campaignId, status: "draft" }`.', schema: z.object({ campaignId: z.uuid(), status: z.literal('draft') }).check(z.meta({ id: 'CampaignUnscheduled' })) } },
  errors: { ...noCampaign, 409: 'Not scheduled; the message names its status.', 503: schedulerDown('still scheduled') },
});

const StoredSendPolicy = z
  .object({
    frequencyCap: z.optional(z.object({ maxEmails: z.int(), periodDays: z.int() })),
    quietHours: z.optional(z.object({ start: z.string(), end: z.string() })),
    defaultTimeZone: z.string(),
    version: z.int().check(z.gte(0), z.describe('Counts saves; 0 until the policy is first saved (no cap, no quiet hours).')),
    updatedAt: z.optional(z.iso.datetime()),
  }).check(z.meta({ id: 'StoredSendPolicy' }));

export const getSendPolicy = defineRoute({
  operationId: 'getSendPolicy',
  method: 'GET',
  path: '/v1/admin/settings/send-policy',
  roles: MARKETING,
  summary: 'The send-time policy of every marketing email: frequency cap and quiet hours (none until saved)',
  request: {},
  responses: { 200: { description: 'The policy and its version.', schema: StoredSendPolicy } },
});

export const replaceSendPolicy = defineRoute({
  operationId: 'replaceSendPolicy',
  method: 'PUT',
  path: '/v1/admin/settings/send-policy',
  roles: ADMIN_ONLY,
  summary: 'Replace the send-time policy',
  description:
    'At most `frequencyCap.maxEmails` marketing emails (campaigns, journeys) per lead in any `frequencyCap.periodDays` days, and none from `quietHours.start` to `quietHours.end` in the lead\'s time zone (its `attributes.timeZone`, else `defaultTimeZone`). ' +
    'A campaign recipient in quiet hours is sent when they end; one at its cap is skipped with the reason `frequency_cap`, counted in the campaign report. Transactional email (MQL alerts, confirmations, and campaigns and journeys of a subscription type marked `transactional`) is neither capped nor held for quiet hours. Senders apply a change from their next batch.',
  request: { body: { schema: SendPolicy } },
  responses: { 200: { description: 'Saved.', schema: StoredSendPolicy } },
  errors: { 409: 'Someone else saved the policy meanwhile; read it again and repeat.' },
});

const StoredSubscriptionTypes = z
  .object({
    version: z.int().check(z.gte(0), z.describe('Counts saves; 0 until an admin first saves the types (the seeded ones). A PUT sends the version it read.')),
    types: SubscriptionTypes,
    updatedAt: z.optional(z.iso.datetime()),
    updatedBy: z.optional(z.string().check(z.describe('Who saved this version: the signed-in user, or `service` for the CLI.'))),
  }).check(z.meta({ id: 'SubscriptionTypeCatalogue' }));

export const getSubscriptionTypes = defineRoute({
  operationId: 'getSubscriptionTypes',
  method: 'GET',
  path: '/v1/admin/settings/subscription-types',
  // Read-only for marketers and sales (who see leads' subscriptions); only admins change them.
  roles: EVERY_ROLE,
  summary: 'The subscription types a subscriber opts into separately (one checkbox on forms, one row in the preference centre)',
  request: {},
  responses: {
    200: {
      description: 'Each type with its name and description in English and Indonesian, its opt-in mode, whether it is transactional or archived; the version a PUT sends back; who saved it.',
      schema: StoredSubscriptionTypes,
    },
  },
});

export const replaceSubscriptionTypes = defineRoute({
  operationId: 'replaceSubscriptionTypes',
  method: 'PUT',
  path: '/v1/admin/settings/subscription-types',
  roles: ADMIN_ONLY,
  summary: 'Replace the subscription types: add, rename in both languages, archive',
  description:
    'The whole list, with the `version` read. Ids are 2-40 lower-case letters, digits or `_` and unique; a saved type is never removed or renamed (consent records, campaigns, journeys, templates and forms name it by id): archive it instead. ' +
    'An archived type is offered to no new campaign, journey, template or form version, and the preference centre shows it only to subscribers still opted in to it. `newsletter` and `product_updates` cannot be archived: templates and surveys default to them. ' +
    'Every function picks a change up within a minute.',
  request: { body: { schema: z.object({ version: z.int().check(z.gte(0)), types: SubscriptionTypes }).check(z.meta({ id: 'SubscriptionTypesReplacement' })) } },
  responses: { 200: { description: 'Saved as the next version.', schema: StoredSubscriptionTypes } },
  errors: { 409: 'Someone else saved the types since the version sent; read them again and repeat.' },
});

export const deleteSubscriptionType = defineRoute({
  operationId: 'deleteSubscriptionType',
  method: 'DELETE',
  path: '/v1/admin/settings/subscription-types/{typeId}',
  roles: ADMIN_ONLY,
  summary: 'Delete a subscription type nothing uses (one added by mistake); archive a used one instead',
  description:
    'Removes the type as the next version, with who did it, if the catalogue is still at `version`. Refused with a 409 naming the type and what uses it: a consent record (any subscriber who opted in, is pending or left it), a campaign, a journey (any version or its draft), a form (any version), a segment or a customer care survey. ' +
    '`newsletter` and `product_updates` are never deleted. A type saved before consent records were indexed by type is refused (409) until `POST /v1/admin/consent-index/backfill` has run to its end.',
  request: {
    params: z.object({ typeId: SubscriptionTypeId }),
    query: z.object({ version: z.string().check(z.regex(/^\d{1,9}$/, 'must be the version you read: a whole number'), z.describe('The version of the types read (a GET answers it).')) }),
  },
  responses: { 200: { description: 'The types without it, saved as the next version.', schema: StoredSubscriptionTypes } },
  errors: {
    404: 'No such subscription type.',
    409: 'Something uses the type (the message names it), the consent index backfill has not finished, or someone saved the types since the version sent.',
  },
});

export const manageCampaignsRoutes = [
  createCampaign,
  listCampaigns,
  getCampaign,
  getCampaignReport,
  previewCampaign,
  testCampaign,
  sendCampaign,
  pauseCampaign,
  resumeCampaign,
  cancelCampaign,
  scheduleCampaign,
  unscheduleCampaign,
  getSendPolicy,
  replaceSendPolicy,
  getSubscriptionTypes,
  replaceSubscriptionTypes,
  deleteSubscriptionType,
] as const;
