import * as z from 'zod/mini';
import { WEBHOOK_EVENT_TYPES } from '../../src/domain/events';
import { WebhookRequest, WebhookRotationRequest } from '../../src/domain/handoff/webhook-requests';
import { PageQuery, pageOf } from '../../src/http/page-query';
import { defineRoute } from '../../src/http/routes';
import { ADMIN_ONLY, MARKETING } from '../../src/domain/roles';

const WebhookIdParams = z.object({ webhookId: z.uuid('must be a webhook id (UUID)') });

const WebhookEndpoint = z
  .object({
    id: z.uuid(),
    url: z.string(),
    eventTypes: z.array(z.enum(WEBHOOK_EVENT_TYPES)),
    description: z.optional(z.string()),
    createdAt: z.iso.datetime(),
  }).check(z.meta({ id: 'WebhookEndpoint' }));

const Secret = z.string().check(z.describe('The signing secret (`whsec_…`), shown in this answer only.'));

export const createWebhook = defineRoute({
  operationId: 'createWebhook',
  method: 'POST',
  path: '/v1/admin/webhooks',
  roles: ADMIN_ONLY,
  summary: 'Register a webhook endpoint',
  description:
    'An https `url` leading to a public address (not loopback, private or link-local, nor a name resolving to one) and the `eventTypes` it wants. The answer holds the signing `secret`, shown this once. Deliveries are signed POSTs; see the README, section Webhooks.',
  // Checked by the handler: local mode lets a receiver listen on a loopback address, which the documented schema refuses.
  request: { body: { schema: WebhookRequest, checkedByHandler: true } },
  responses: { 201: { description: 'The endpoint with its `secret`.', schema: z.extend(WebhookEndpoint, { secret: Secret }).check(z.meta({ id: 'WebhookCreated' })) } },
  errors: { 503: 'The host name could not be resolved now; retry.' },
});

export const listWebhooks = defineRoute({
  operationId: 'listWebhooks',
  method: 'GET',
  path: '/v1/admin/webhooks',
  roles: ADMIN_ONLY,
  summary: 'List webhook endpoints (without secrets)',
  request: { query: PageQuery },
  responses: {
    200: {
      description: '`{ items, nextCursor? }`: a page of endpoints, each with id, url, eventTypes, description, createdAt, and `previousSecretUntil` while a rotated-out secret still signs.',
      schema: pageOf(z.extend(WebhookEndpoint, { previousSecretUntil: z.optional(z.iso.datetime()) })).check(z.meta({ id: 'WebhookList' })),
    },
  },
});

/** An endpoint as a journey's webhook step picks it: its URL may carry a token in its path or query, so only its host is shown. */
const WebhookChoice = z
  .object({
    id: z.uuid(),
    host: z.string().check(z.describe("The URL's host name (and port): enough to tell endpoints apart, never the path or query a token may hide in.")),
    eventTypes: z.array(z.enum(WEBHOOK_EVENT_TYPES)),
    description: z.optional(z.string()),
  }).check(z.meta({ id: 'WebhookChoice' }));

export const listWebhookChoices = defineRoute({
  operationId: 'listWebhookChoices',
  method: 'GET',
  path: '/v1/admin/webhook-choices',
  roles: MARKETING,
  summary: "List webhook endpoints for a journey's webhook step to name: id, host, event types and description",
  description: 'What a marketer needs to pick an endpoint; the full URL and the secrets stay with the admins (`listWebhooks`).',
  request: { query: PageQuery },
  responses: { 200: { description: '`{ items, nextCursor? }`: a page of endpoints, oldest first.', schema: pageOf(WebhookChoice).check(z.meta({ id: 'WebhookChoiceList' })) } },
});

export const rotateWebhookSecret = defineRoute({
  operationId: 'rotateWebhookSecret',
  method: 'POST',
  path: '/v1/admin/webhooks/{webhookId}/secret',
  roles: ADMIN_ONLY,
  summary: "Rotate a webhook endpoint's signing secret",
  description:
    'A new secret, shown this once. For `overlapHours` (default 24, at most 168; 0 for none) deliveries carry a signature under the old secret beside the new one, so the receiver can switch without missing one.',
  request: { params: WebhookIdParams, body: { schema: WebhookRotationRequest, emptyIsObject: true } },
  responses: {
    200: {
      description: '`{ id, secret, previousSecretUntil? }`.',
      schema: z.object({ id: z.uuid(), secret: Secret, previousSecretUntil: z.optional(z.iso.datetime()) }).check(z.meta({ id: 'WebhookSecretRotated' })),
    },
  },
  errors: { 404: 'No such webhook.', 409: 'The endpoint got a new secret meanwhile (a concurrent rotation).' },
});

export const deleteWebhook = defineRoute({
  operationId: 'deleteWebhook',
  method: 'DELETE',
  path: '/v1/admin/webhooks/{webhookId}',
  roles: ADMIN_ONLY,
  summary: 'Delete a webhook endpoint',
  request: { params: WebhookIdParams },
  responses: { 204: { description: 'Deleted; nothing more is delivered to it.' } },
  errors: { 404: 'No such webhook.' },
});

export const manageWebhooksRoutes = [createWebhook, listWebhooks, listWebhookChoices, rotateWebhookSecret, deleteWebhook] as const;
