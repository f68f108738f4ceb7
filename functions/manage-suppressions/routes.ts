import * as z from 'zod/mini';
import type { SuppressionReason } from '../../src/domain/consent/suppression';
import { PageQuery, pageOf } from '../../src/http/page-query';
import { defineRoute } from '../../src/http/routes';
import { ADMIN_ONLY } from '../../src/domain/roles';

/** Lifting a suppression needs a reason, kept with the audit record. */
export const LiftRequest = z
  .strictObject({ reason: z.string().check(z.trim(), z.minLength(3, 'must say why (3 characters or more)'), z.maxLength(500)) }).check(z.meta({ id: 'LiftSuppressionRequest' }));

/** The address as the path carries it; the handler decodes `%40` when the gateway did not, then checks it. */
const SuppressedEmail = z.object({ email: z.string().check(z.describe('The address, URL-encoded (`%40` for @).')) });

const Suppression = z
  .object({
    hash: z.string().check(z.describe('The salted hash of the address.')),
    email: z.optional(z.string()).check(z.describe('Absent once the lead behind the address was erased.')),
    reason: z.enum(['hard_bounce', 'complaint', 'repeated_soft_bounce', 'erased'] as const satisfies readonly SuppressionReason[]),
    detail: z.string(),
    at: z.iso.datetime(),
  }).check(z.meta({ id: 'Suppression' }));

export const listSuppressions = defineRoute({
  operationId: 'listSuppressions',
  method: 'GET',
  path: '/v1/admin/suppressions',
  roles: ADMIN_ONLY,
  summary: 'List suppressed addresses, newest first',
  request: { query: PageQuery },
  responses: { 200: { description: '`{ items, nextCursor? }`: a page of suppressions, each with its address (absent once erased), reason, detail and time.', schema: pageOf(Suppression).check(z.meta({ id: 'SuppressionList' })) } },
});

export const getSuppression = defineRoute({
  operationId: 'getSuppression',
  method: 'GET',
  path: '/v1/admin/suppressions/{email}',
  roles: ADMIN_ONLY,
  summary: 'Is this address suppressed?',
  request: { params: SuppressedEmail },
  responses: { 200: { description: 'The suppression.', schema: Suppression } },
  errors: { 404: 'Not suppressed.' },
});

export const liftSuppression = defineRoute({
  operationId: 'liftSuppression',
  method: 'POST',
  path: '/v1/admin/suppressions/{email}/lift',
  roles: ADMIN_ONLY,
  summary: 'Lift a suppression, with a reason',
  request: { params: SuppressedEmail, body: { schema: LiftRequest, emptyIsObject: true } },
  responses: {
    200: {
      description: 'Lifted; the reason is kept in an audit record.',
      schema: z.object({ email: z.string(), lifted: z.literal(true), reason: z.string() }).check(z.meta({ id: 'SuppressionLifted' })),
    },
  },
  errors: { 404: 'Not suppressed.' },
});

export const manageSuppressionsRoutes = [listSuppressions, getSuppression, liftSuppression] as const;
