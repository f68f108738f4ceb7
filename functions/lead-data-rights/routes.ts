import * as z from 'zod/mini';
import { defineRoute } from '../../src/http/routes';
import { ADMIN_ONLY } from '../../src/domain/roles';

const LeadIdParams = z.object({ leadId: z.uuid('must be a lead id (UUID)') });

export const exportLead = defineRoute({
  operationId: 'exportLead',
  method: 'GET',
  path: '/v1/admin/leads/{leadId}/export',
  roles: ADMIN_ONLY,
  summary: 'Export everything held about a lead (right of access)',
  request: { params: LeadIdParams },
  responses: {
    200: {
      description: 'JSON: the profile, consent records, events, purchases, alerts and every other record, grouped by kind.',
      schema: z
        .object({
          exportedAt: z.iso.datetime(),
          leadId: z.uuid(),
          email: z.string(),
          records: z.record(z.string(), z.array(z.record(z.string(), z.unknown()))).check(z.describe('Every item held, by kind (lead, consent, event, campaign-send, purchase, ...).')),
        }).check(z.meta({ id: 'LeadExport' })),
    },
  },
  errors: { 404: 'No such lead.' },
});

export const eraseLead = defineRoute({
  operationId: 'eraseLead',
  method: 'DELETE',
  path: '/v1/admin/leads/{leadId}',
  roles: ADMIN_ONLY,
  summary: 'Erase a lead everywhere (right to erasure)',
  description:
    'Deletes every item that names the lead (profile, events, campaign sends, purchases, help-desk requester ids, consent records, alerts, links); the address stays suppressed as a salted hash. Fifteen minutes later a sweep deletes what work under way for the lead wrote under its id meanwhile. Running it again finishes an interrupted erasure.',
  request: { params: LeadIdParams },
  responses: {
    200: {
      description: '`{ erased, erasureId, items }`.',
      schema: z.object({ erased: z.literal(true), erasureId: z.uuid().check(z.describe('Names the erasure in the logs, which never name the lead.')), items: z.int().check(z.gte(0)) }).check(z.meta({ id: 'LeadErased' })),
    },
  },
  errors: { 404: 'No such lead.' },
});

export const leadDataRightsRoutes = [exportLead, eraseLead] as const;
