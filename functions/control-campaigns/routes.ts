import * as z from 'zod/mini';
import { CampaignIdParams, CampaignSchedule, CampaignStatus, noCampaign } from '../../src/api/campaigns';
import { Email } from '../../src/api/schemas';
import { ScheduleRequest } from '../../src/domain/campaigns/schedule';
import { defineRoute, type ErrorDeclaration } from '../../src/http/routes';
import { MARKETING } from '../../src/domain/roles';

/** A test send: up to 5 addresses, personalised with one lead's data when a lead is named. */
export const CampaignTestRequest = z
  .strictObject({
    to: z.array(Email).check(z.minLength(1, 'must name at least one address'), z.maxLength(5, 'must name at most 5 addresses')),
    leadId: z.optional(z.uuid('must be a lead id (UUID)')),
  }).check(z.meta({ id: 'CampaignTestRequest' }));

const NewStatus = z.object({ campaignId: z.uuid(), status: CampaignStatus }).check(z.meta({ id: 'CampaignStatusChanged' }));

const schedulerDown = (what: string): ErrorDeclaration => `EventBridge Scheduler did not answer; ${what}, retry after \`Retry-After\` seconds.`;

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
      schema: z.object({ campaignId: z.uuid(), status: z.literal('scheduled'), schedule: CampaignSchedule }).check(z.meta({ id: 'CampaignScheduled' })),
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

export const controlCampaignsRoutes = [testCampaign, sendCampaign, pauseCampaign, resumeCampaign, cancelCampaign, scheduleCampaign, unscheduleCampaign] as const;
