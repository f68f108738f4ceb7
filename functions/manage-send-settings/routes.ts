import * as z from 'zod/mini';
import { SendPolicy } from '../../src/domain/consent/send-policy';
import { SubscriptionTypeId, SubscriptionTypes } from '../../src/domain/subscriptions';
import { defineRoute } from '../../src/http/routes';
import { ADMIN_ONLY, EVERY_ROLE, MARKETING } from '../../src/domain/roles';

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

export const manageSendSettingsRoutes = [getSendPolicy, replaceSendPolicy, getSubscriptionTypes, replaceSubscriptionTypes, deleteSubscriptionType] as const;
