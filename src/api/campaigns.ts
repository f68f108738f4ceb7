import * as z from 'zod/mini';
import { CAMPAIGN_STATUSES } from '../domain/campaigns/campaign';

/*
 * The schemas the campaign routes of manage-campaigns and control-campaigns share, declared once so
 * the OpenAPI document names each once.
 */

export const CampaignIdParams = z.object({ campaignId: z.uuid('must be a campaign id (UUID)') });
export const CampaignStatus = z.enum(CAMPAIGN_STATUSES);

export const CampaignSchedule = z
  .object({
    sendAt: z.string().check(z.describe('Local wall-clock time in `timeZone`.')),
    timeZone: z.string().check(z.describe('IANA time zone.')),
    sendsAtUtc: z.iso.datetime().check(z.describe('The same instant in UTC.')),
  }).check(z.meta({ id: 'CampaignSchedule' }));

export const noCampaign = { 404: 'No such campaign.' } as const;
