import * as z from 'zod/mini';
import { LIFECYCLE_STAGES } from '../../src/domain/handoff/lifecycle';
import { LeadFilter } from '../../src/domain/lead-search';
import { PageQuery, pageOf } from '../../src/http/page-query';
import { defineRoute } from '../../src/http/routes';
import { ADMIN_ONLY, EVERY_ROLE } from '../../src/domain/roles';

const LeadSummary = z
  .object({
    id: z.uuid(),
    email: z.string(),
    firstName: z.optional(z.string()),
    lastName: z.optional(z.string()),
    company: z.optional(z.string()),
    createdAt: z.string(),
    stage: z.enum(LIFECYCLE_STAGES),
    owner: z.optional(z.object({ repId: z.string(), teamId: z.string() })),
    score: z.optional(z.object({ total: z.number(), fit: z.number(), engagement: z.number(), grade: z.string(), qualified: z.boolean(), asOf: z.string() })).check(z.describe('In listing order: as stored at the latest event (engagement decays from `asOf`). Sorted by score: as of `asOf`, the time of the first page.')),
  }).check(z.meta({ id: 'LeadSummary' }));

export const listLeads = defineRoute({
  operationId: 'listLeads',
  method: 'GET',
  path: '/v1/admin/leads',
  roles: EVERY_ROLE,
  summary: 'Find leads by email, name or company, stage, grade and owner; or list them by score',
  description:
    'An exact address is looked up directly. Otherwise the listing is walked with the filter, reading at most 1,000 leads per request: a filter few leads match may answer fewer items than `limit` (even none) with a `nextCursor`; keep asking until there is none. ' +
    'With `sort=score`: scored leads by their current score, highest first (equal scores by id), every page scored as of the first page\'s time; `q`, `stage`, `grade` (the current grade) and `owner` combine with it, `segment` does not (400 naming `segment`). `approximate: true` says the order may be off: leads scored before the score index existed are missing until `POST /v1/admin/score-bands/backfill` has run, a lead\'s profile changed since its score was written, or the cursor is more than a day old (the list lowers the score bands of leads whose scores have decayed as it reads them). Each request also files stale leads it read under lower score bands, so repeated requests read fewer leads.',
  request: {
    query: z.extend(z.extend(PageQuery, LeadFilter.shape), {
      sort: z.optional(z.enum(['score'], 'must be score (or left out for listing order)')).check(z.meta({ description: '`score`: highest current score first.' })),
    }),
  },
  responses: {
    200: {
      description: '`{ items, nextCursor?, scanned, approximate? }`: matching leads in listing order (or by score), how many leads this request read, and with `sort=score` whether the order may be approximate.',
      schema: z.extend(pageOf(LeadSummary), { scanned: z.int(), approximate: z.optional(z.boolean()) }).check(z.meta({ id: 'LeadList' })),
    },
  },
});

export const backfillScoreBands = defineRoute({
  operationId: 'backfillScoreBands',
  method: 'POST',
  path: '/v1/admin/score-bands/backfill',
  roles: ADMIN_ONLY,
  summary: 'Give leads scored before the score index existed their score band, a page at a time',
  description:
    'Reads 200 leads of the listing per call and files each scored lead without a band under its band (as its next scoring would). Idempotent: a lead already filed is left alone. Call again with `nextCursor` until there is none; the last call marks the index filled, and the list sorted by score stops answering `approximate: true`.',
  request: { body: { schema: z.object({ cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(2048))) }), emptyIsObject: true } },
  responses: {
    200: {
      description: '`{ scanned, filed, nextCursor? }`: leads read, leads filed by this call, and where the next call starts.',
      schema: z.object({ scanned: z.int(), filed: z.int(), nextCursor: z.optional(z.string()) }).check(z.meta({ id: 'ScoreBandBackfill' })),
    },
  },
});

export const backfillConsentIndex = defineRoute({
  operationId: 'backfillConsentIndex',
  method: 'POST',
  path: '/v1/admin/consent-index/backfill',
  roles: ADMIN_ONLY,
  summary: 'Index older consent records by subscription type, a page at a time',
  description:
    'Reads 200 leads per call and indexes their consent records the index lacks. Idempotent. Repeat with `nextCursor` until there is none; the last call marks the index filled, so a type saved before it can be deleted once no record names it.',
  request: { body: { schema: z.object({ cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(2048))) }), emptyIsObject: true } },
  responses: {
    200: {
      description: '`{ scanned, indexed, nextCursor? }`: leads read, records indexed.',
      schema: z.object({ scanned: z.int(), indexed: z.int(), nextCursor: z.optional(z.string()) }).check(z.meta({ id: 'ConsentIndexBackfill' })),
    },
  },
  errors: { 503: 'The table is busy: repeat the request after `Retry-After` seconds.' },
});

export const listLeadsRoutes = [listLeads, backfillScoreBands, backfillConsentIndex] as const;
