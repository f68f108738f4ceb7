import * as z from 'zod/mini';
import { AudiencePreview, RenderedEmail } from '../../src/api/responses';
import { CampaignIdParams, CampaignSchedule, CampaignStatus, noCampaign } from '../../src/api/campaigns';
import { CampaignDefinition, NOT_RECEIVING_REASONS } from '../../src/domain/campaigns/campaign';
import { SKIP_REASONS } from '../../src/domain/consent/send-policy';
import { SubscriptionTypeId } from '../../src/domain/subscriptions';
import { PageQuery, pageOf } from '../../src/http/page-query';
import { defineRoute } from '../../src/http/routes';
import { MARKETING } from '../../src/domain/roles';

const Campaign = z
  .looseObject({
    id: z.uuid(),
    name: z.string(),
    subscription: SubscriptionTypeId,
    status: CampaignStatus,
    template: z.looseObject({ subject: z.string(), html: z.string(), text: z.optional(z.string()) }),
    templateRef: z.optional(z.object({ templateId: z.uuid(), version: z.int() })),
    audience: z.looseObject({}).check(z.describe('The condition fixed at creation: inline, or the saved segment\'s at its version.')),
    segmentRef: z.optional(z.object({ segmentId: z.uuid(), version: z.int(), name: z.string() })),
    schedule: z.optional(CampaignSchedule),
    createdAt: z.iso.datetime(),
    recipients: z.int(),
    planned: z.boolean(),
    sent: z.int(),
    skipped: z.int(),
    interrupted: z.optional(z.int()).check(z.describe('Recipients whose sender stopped between recording the send and SES\'s answer (a crash): not sent again, as SES may have taken it. Absent while none.')),
  }).check(z.describe('A campaign with its status, its schedule when scheduled, and counters (recipients, sent, skipped, and once any interrupted and per recipient delivered, opened, clicked, bounced, complained, rejected, unsubscribed).'), z.meta({ id: 'Campaign' }));

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
      schema: pageOf(z.object({ id: z.uuid(), name: z.string(), subscription: SubscriptionTypeId, status: CampaignStatus, createdAt: z.iso.datetime(), schedule: z.optional(CampaignSchedule) }).check(z.meta({ id: 'CampaignListing' }))).check(z.meta({
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
          status: CampaignStatus,
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
      description: '`{ audience: { count, sample, complete }, rendered?, wouldReceive?, wouldNotReceiveBecause? }`; counting stops after 20,000 leads (`complete: false`).',
      schema: z
        .object({
          campaignId: z.uuid(),
          audience: AudiencePreview,
          rendered: z.optional(RenderedEmail),
          wouldReceive: z.optional(z.boolean()),
          wouldNotReceiveBecause: z.optional(z.enum(NOT_RECEIVING_REASONS)).check(z.describe('With a lead it would not reach: `not_opted_in` to the campaign\'s type, `suppressed`, or `outside_audience` (not in its segment).')),
        }).check(z.meta({ id: 'CampaignPreview' })),
    },
  },
  errors: { 404: 'No such campaign or lead.' },
});

export const manageCampaignsRoutes = [createCampaign, listCampaigns, getCampaign, getCampaignReport, previewCampaign] as const;
