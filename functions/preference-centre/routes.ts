import * as z from 'zod/mini';
import { HtmlPage } from '../../src/api/responses';
import { LANGUAGES } from '../../src/domain/subscriptions';
import { defineRoute, type RouteDeclaration } from '../../src/http/routes';

const SignedLink = z.object({ token: z.string().check(z.describe('The signed link token from the email.')), lang: z.optional(z.enum(LANGUAGES)) });

/**
 * Every answer is a page, errors included: a link that is malformed, tampered with or expired gets a
 * page saying so. The handler reads the token itself, so the schemas here document the request.
 */
const page = { 200: { description: 'An HTML page (no script, no cookie).', schema: HtmlPage, contentType: 'text/html' } } as const;
const invalidLink = { 400: { description: 'The link is malformed, tampered with or expired: an HTML page saying so; nothing changes.', schema: HtmlPage, contentType: 'text/html' } } as const;
const signedLinkQuery = { query: SignedLink, queryCheckedByHandler: true } as const satisfies RouteDeclaration['request'];

export const showPreferences = defineRoute({
  operationId: 'showPreferences',
  method: 'GET',
  path: '/v1/preferences',
  summary: 'Preference centre page',
  request: signedLinkQuery,
  responses: page,
  errors: invalidLink,
});

export const savePreferences = defineRoute({
  operationId: 'savePreferences',
  method: 'POST',
  path: '/v1/preferences',
  summary: 'Save preferences or leave everything',
  description: 'Form fields `token`, `lang`, `subscription.<type>=opted_in|opted_out` for each type of the catalogue (GET /v1/admin/settings/subscription-types; other types are ignored), or `action=leave`. Each change appends a consent record.',
  request: {
    body: {
      schema: z.object({
        token: z.string().check(z.describe('The signed preferences token of the page.')),
        lang: z.optional(z.enum(LANGUAGES)),
        action: z.optional(z.literal('leave')).check(z.describe('Leave everything: every subscription opted out.')),
      }),
      contentTypes: ['application/x-www-form-urlencoded'],
      checkedByHandler: true,
    },
  },
  responses: page,
  errors: invalidLink,
});

export const showConfirmation = defineRoute({
  operationId: 'showConfirmation',
  method: 'GET',
  path: '/v1/subscriptions/confirm',
  summary: 'Double opt-in confirmation page (changes nothing on GET)',
  request: signedLinkQuery,
  responses: page,
  errors: invalidLink,
});

export const confirmSubscription = defineRoute({
  operationId: 'confirmSubscription',
  method: 'POST',
  path: '/v1/subscriptions/confirm',
  summary: 'Confirm a pending subscription; confirming twice is harmless',
  request: signedLinkQuery,
  responses: page,
  errors: invalidLink,
});

export const showUnsubscribe = defineRoute({
  operationId: 'showUnsubscribe',
  method: 'GET',
  path: '/v1/unsubscribe',
  summary: 'Unsubscribe page (changes nothing on GET)',
  request: signedLinkQuery,
  responses: page,
  errors: invalidLink,
});

export const unsubscribe = defineRoute({
  operationId: 'unsubscribe',
  method: 'POST',
  path: '/v1/unsubscribe',
  summary: 'One-click unsubscribe (RFC 8058)',
  description: 'Body `List-Unsubscribe=One-Click`, urlencoded or multipart/form-data; idempotent.',
  request: {
    ...signedLinkQuery,
    body: { schema: z.object({ 'List-Unsubscribe': z.literal('One-Click') }), contentTypes: ['application/x-www-form-urlencoded', 'multipart/form-data'], checkedByHandler: true },
  },
  responses: page,
  errors: invalidLink,
});

export const preferenceCentreRoutes = [showPreferences, savePreferences, showConfirmation, confirmSubscription, showUnsubscribe, unsubscribe] as const;
