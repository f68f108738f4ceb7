import * as z from 'zod/mini';
import { AudiencePreview } from '../../src/api/responses';
import { SegmentDefinition, SegmentPreviewRequest, SegmentRule, SegmentUpdate } from '../../src/domain/segments/segment';
import { SubscriptionTypeId } from '../../src/domain/subscriptions';
import { PageQuery, pageOf } from '../../src/http/page-query';
import { defineRoute } from '../../src/http/routes';
import { MARKETING } from '../../src/domain/roles';

const SegmentIdParams = z.object({ segmentId: z.uuid('must be a segment id (UUID)') });

const Segment = z
  .object({
    ...SegmentRule.shape,
    id: z.uuid(),
    name: z.string(),
    description: z.optional(z.string()),
    tracked: z.optional(z.boolean()).check(z.describe('Membership kept per lead as leads change, with entered and left events; the lead list filters by tracked segments only.')),
    version: z.int().check(z.gte(1)),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  }).check(z.meta({ id: 'Segment' }));

const audienceAnswer =
  '`{ count, sample: [{ leadId, email }], complete, leadsScanned }`: members counted among at most 50,000 leads or 20 s of reading (`complete: false` when it stopped early).';
const noSegment = { 404: 'No such segment.' } as const;

export const createSegment = defineRoute({
  operationId: 'createSegment',
  method: 'POST',
  path: '/v1/admin/segments',
  roles: MARKETING,
  summary: 'Save a segment',
  description:
    'A `where` condition over `{ lead, score, activity, purchases }` in the product\'s pattern language and `history` conditions over recorded events ("visited the pricing page at least once in the last 14 days", "downloaded X but did not register for the webinar"). Conditions that can never match are refused with their path.',
  request: { body: { schema: SegmentDefinition } },
  responses: { 201: { description: 'The segment, version 1.', schema: Segment } },
});

export const listSegments = defineRoute({
  operationId: 'listSegments',
  method: 'GET',
  path: '/v1/admin/segments',
  roles: MARKETING,
  summary: 'List saved segments, newest first',
  request: { query: PageQuery },
  responses: { 200: { description: '`{ items, nextCursor? }`: a page of segments.', schema: pageOf(Segment).check(z.meta({ id: 'SegmentList' })) } },
});

export const previewSegmentDefinition = defineRoute({
  operationId: 'previewSegmentDefinition',
  method: 'POST',
  path: '/v1/admin/segments/preview',
  roles: MARKETING,
  summary: 'Preview a segment definition before saving it',
  request: { body: { schema: SegmentPreviewRequest } },
  responses: { 200: { description: audienceAnswer, schema: z.object({ audience: AudiencePreview }).check(z.meta({ id: 'SegmentDefinitionPreview' })) } },
});

export const getSegment = defineRoute({
  operationId: 'getSegment',
  method: 'GET',
  path: '/v1/admin/segments/{segmentId}',
  roles: MARKETING,
  summary: 'Read a segment',
  request: { params: SegmentIdParams },
  responses: { 200: { description: 'The segment and its version.', schema: Segment } },
  errors: noSegment,
});

export const updateSegment = defineRoute({
  operationId: 'updateSegment',
  method: 'PUT',
  path: '/v1/admin/segments/{segmentId}',
  roles: MARKETING,
  summary: 'Save a new version of a segment (none when nothing changed)',
  description: 'Campaigns already created keep the version they were created with. With `expectedVersion`, refused (409) if someone saved another version since.',
  request: { params: SegmentIdParams, body: { schema: SegmentUpdate } },
  responses: {
    200: {
      description: 'The segment at its new version (`created: true`), or as it was when the definition is the same as the latest version\'s (`created: false`: no version made).',
      schema: z.extend(Segment, { created: z.boolean() }).check(z.meta({ id: 'SegmentSaved' })),
    },
  },
  errors: { ...noSegment, 409: 'Changed since `expectedVersion`.' },
});

export const deleteSegment = defineRoute({
  operationId: 'deleteSegment',
  method: 'DELETE',
  path: '/v1/admin/segments/{segmentId}',
  roles: MARKETING,
  summary: 'Delete a segment (campaigns made from it keep their copy)',
  request: { params: SegmentIdParams },
  responses: { 204: { description: 'Deleted.' } },
  errors: noSegment,
});

export const previewSegment = defineRoute({
  operationId: 'previewSegment',
  method: 'GET',
  path: '/v1/admin/segments/{segmentId}/preview',
  roles: MARKETING,
  summary: 'Who is in a segment now: count and sample',
  request: {
    params: SegmentIdParams,
    query: z.object({
      subscription: z.optional(SubscriptionTypeId).check(z.describe('Count only leads opted in to this type and not suppressed (a type no lead has counts nobody).')),
    }),
  },
  responses: {
    200: { description: audienceAnswer, schema: z.object({ segmentId: z.uuid(), version: z.int(), audience: AudiencePreview }).check(z.meta({ id: 'SegmentPreview' })) },
  },
  errors: noSegment,
});

export const manageSegmentsRoutes = [createSegment, listSegments, previewSegmentDefinition, getSegment, updateSegment, deleteSegment, previewSegment] as const;
