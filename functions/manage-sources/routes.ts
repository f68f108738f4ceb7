import * as z from 'zod/mini';
import { RotationRequest, SourceRequest } from '../../src/domain/tracking/sources';
import { PageQuery, pageOf } from '../../src/http/page-query';
import { defineRoute } from '../../src/http/routes';
import { MARKETING } from '../../src/domain/roles';

const SourceIdParams = z.object({ sourceId: z.uuid('must be a source id (UUID)') });

const TrackingSource = z
  .object({
    id: z.uuid(),
    name: z.string(),
    origins: z.array(z.string()),
    createdAt: z.iso.datetime(),
    writeKey: z.optional(z.string()).check(z.describe('The current key, for the snippet; absent once every key is revoked.')),
    keys: z.array(
      z.object({ writeKey: z.string(), createdAt: z.iso.datetime(), validUntil: z.optional(z.iso.datetime()), revokedAt: z.optional(z.iso.datetime()), valid: z.boolean() }),
    ),
  }).check(z.meta({ id: 'TrackingSource' }));

export const createSource = defineRoute({
  operationId: 'createSource',
  method: 'POST',
  path: '/v1/admin/sources',
  roles: MARKETING,
  summary: 'Add a tracking source (a website) with its write key',
  description: 'A `name` and the browser `origins` whose pages may send with its keys. The answer holds the public write key for the snippet.',
  request: { body: { schema: SourceRequest, required: true } },
  responses: { 201: { description: 'The source and its write key.', schema: TrackingSource } },
});

export const listSources = defineRoute({
  operationId: 'listSources',
  method: 'GET',
  path: '/v1/admin/sources',
  roles: MARKETING,
  summary: 'List tracking sources and their keys',
  request: { query: PageQuery },
  responses: { 200: { description: '`{ items, nextCursor? }`: a page of sources, oldest first.', schema: pageOf(TrackingSource).check(z.meta({ id: 'TrackingSourceList' })) } },
});

export const updateSource = defineRoute({
  operationId: 'updateSource',
  method: 'PUT',
  path: '/v1/admin/sources/{sourceId}',
  roles: MARKETING,
  summary: 'Rename a tracking source and replace its origins',
  description:
    'The `name` and the browser `origins` whose pages may send with its keys, as when it was added; its keys and snippet stay. A page of an origin taken out is refused from its next call (the collector reads a key’s grant at each call).',
  request: { params: SourceIdParams, body: { schema: SourceRequest, required: true } },
  responses: { 200: { description: 'The source as changed.', schema: TrackingSource } },
  errors: { 404: 'No such source.', 409: 'The source changed meanwhile (a concurrent change, rotation or revocation).' },
});

export const rotateSourceKey = defineRoute({
  operationId: 'rotateSourceKey',
  method: 'POST',
  path: '/v1/admin/sources/{sourceId}/keys',
  roles: MARKETING,
  summary: "Rotate a source's write key",
  description: 'A new write key, valid at once. The keys valid until now keep working for `graceHours` (default 24, at most 720; 0 ends them at once) so pages cached with the old snippet still send, unless revoked before.',
  request: { params: SourceIdParams, body: { schema: RotationRequest, emptyIsObject: true } },
  responses: { 200: { description: 'The source with its new key.', schema: TrackingSource } },
  errors: { 404: 'No such source.', 409: "The source's keys changed meanwhile (a concurrent rotation or revocation)." },
});

export const revokeSourceKeys = defineRoute({
  operationId: 'revokeSourceKeys',
  method: 'POST',
  path: '/v1/admin/sources/{sourceId}/revocations',
  roles: MARKETING,
  summary: "Revoke one write key of a source, or all of them",
  description: 'Calls with a revoked key get 401 and are not stored, from the next request on.',
  request: { params: SourceIdParams, body: { schema: z.strictObject({ writeKey: z.optional(z.string().check(z.minLength(1), z.maxLength(100))) }), emptyIsObject: true } },
  responses: { 200: { description: 'The source with its keys.', schema: TrackingSource } },
  errors: { 404: 'No such source, or no such key of it.', 409: "The source's keys changed meanwhile (a concurrent rotation or revocation)." },
});

export const manageSourcesRoutes = [createSource, listSources, updateSource, rotateSourceKey, revokeSourceKeys] as const;
