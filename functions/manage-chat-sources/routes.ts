import * as z from 'zod/mini';
import { CHAT_SOURCE_KINDS, ChatSecretRotation, ChatSourceId, ChatSourceRequest, GenericMapping } from '../../src/domain/chat/sources';
import { PageQuery, pageOf } from '../../src/http/page-query';
import { defineRoute } from '../../src/http/routes';
import { MARKETING } from '../../src/domain/roles';

const SourceIdParams = z.object({ sourceId: ChatSourceId });

const ChatSourceView = z
  .object({
    id: z.string(),
    kind: z.enum(CHAT_SOURCE_KINDS),
    description: z.optional(z.string()),
    mapping: z.optional(GenericMapping),
    createdAt: z.iso.datetime(),
  }).check(z.meta({ id: 'ChatSource' }));

const WebhookPath = z.string().check(z.describe('The path to give the chat tool as its webhook URL, after the API base URL: /v1/chat/{id}.'));
const Secret = z.string().check(z.describe('A generic source\'s new `whsec_` secret, shown in this answer only (a tool\'s own secret is never shown back).'));

export const createChatSource = defineRoute({
  operationId: 'createChatSource',
  method: 'POST',
  path: '/v1/admin/chat-sources',
  roles: MARKETING,
  summary: 'Add a chat source',
  description:
    "A chat tool posting to its own signed webhook URL: `intercom` or `tawkto` with the signing secret the tool shows, or `generic` with a `mapping` of JSON paths (and a Standard Webhooks `whsec_` secret, made for it when none is given and shown this once). The secret is kept sealed under the signing-key ring, never in clear.",
  request: { body: { schema: ChatSourceRequest, required: true } },
  responses: { 201: { description: 'The source, its webhook path, and a generated secret.', schema: z.extend(ChatSourceView, { webhookPath: WebhookPath, secret: z.optional(Secret) }).check(z.meta({ id: 'ChatSourceCreated' })) } },
  errors: { 409: 'A source with this id exists.' },
});

export const listChatSources = defineRoute({
  operationId: 'listChatSources',
  method: 'GET',
  path: '/v1/admin/chat-sources',
  roles: MARKETING,
  summary: 'List chat sources (without secrets)',
  request: { query: PageQuery },
  responses: {
    200: {
      description: '`{ items, nextCursor? }`: a page of sources, with `previousSecretUntil` while a rotated-out secret still verifies.',
      schema: pageOf(z.extend(ChatSourceView, { previousSecretUntil: z.optional(z.iso.datetime()) })).check(z.meta({ id: 'ChatSourceList' })),
    },
  },
});

export const rotateChatSourceSecret = defineRoute({
  operationId: 'rotateChatSourceSecret',
  method: 'POST',
  path: '/v1/admin/chat-sources/{sourceId}/secret',
  roles: MARKETING,
  summary: "Rotate a chat source's secret",
  description:
    "The tool's new `secret` (a generic source without one gets a new `whsec_` secret, shown this once). For `overlapHours` (default 24, at most 168; 0 for none) calls signed with the old secret still verify, while the tool switches over.",
  request: { params: SourceIdParams, body: { schema: ChatSecretRotation, emptyIsObject: true } },
  responses: {
    200: {
      description: '`{ id, secret?, previousSecretUntil? }`.',
      schema: z.object({ id: z.string(), secret: z.optional(Secret), previousSecretUntil: z.optional(z.iso.datetime()) }).check(z.meta({ id: 'ChatSecretRotated' })),
    },
  },
  errors: { 404: 'No such chat source.', 409: 'The source got a new secret meanwhile (a concurrent rotation).' },
});

export const deleteChatSource = defineRoute({
  operationId: 'deleteChatSource',
  method: 'DELETE',
  path: '/v1/admin/chat-sources/{sourceId}',
  roles: MARKETING,
  summary: 'Remove a chat source',
  request: { params: SourceIdParams },
  responses: { 204: { description: 'Removed; its webhook URL answers 404 from now on.' } },
  errors: { 404: 'No such chat source.' },
});

export const manageChatSourcesRoutes = [createChatSource, listChatSources, rotateChatSourceSecret, deleteChatSource] as const;
