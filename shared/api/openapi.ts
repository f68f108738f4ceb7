import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { ErrorBody, EventBatch, EventsAccepted, FormSubmission, SubmissionAccepted } from './schemas';

const errors = {
  400: 'A field is invalid; `issues` names each field at fault.',
  413: 'The body is larger than 16 KB.',
  415: 'The Content-Type is not accepted.',
  429: 'Too many requests; retry later.',
  503: 'Stored but not yet processed; retry the same request.',
} as const;

const errorResponses = (codes: readonly (keyof typeof errors)[]) =>
  Object.fromEntries(codes.map((code) => [code, { description: errors[code], content: { 'application/json': { schema: ErrorBody } } }]));

/** The OpenAPI 3.1 document of the HTTP API, generated from the same zod schemas the handlers enforce. */
export function openApiDocument() {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'adminAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'In AWS admin routes use IAM (SigV4-signed requests); locally, `Authorization: Bearer <dev token>` printed by `npm start`.',
  });

  registry.registerPath({
    method: 'post',
    path: '/v1/forms/{formId}/submissions',
    summary: 'Submit a form',
    description:
      'Creates the lead for the email or updates it, records consent for each ticked subscription and the submission as engagement. ' +
      'A retry with the same Idempotency-Key header (or idempotencyKey field) is the same submission.',
    request: {
      params: z.object({ formId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) }),
      headers: z.object({ 'idempotency-key': z.string().max(128).optional() }),
      body: {
        content: {
          'application/json': { schema: FormSubmission },
          'application/x-www-form-urlencoded': { schema: FormSubmission },
        },
      },
    },
    responses: {
      202: { description: 'Accepted and stored.', content: { 'application/json': { schema: SubmissionAccepted } } },
      ...errorResponses([400, 413, 415, 429, 503]),
    },
  });

  registry.registerPath({
    method: 'post',
    path: '/v1/events',
    summary: 'Send engagement events',
    description: 'Up to 50 events for an email or an anonymous visitor id. Each event id is recorded once; repeats are reported as duplicates.',
    request: { body: { content: { 'application/json': { schema: EventBatch } } } },
    responses: {
      202: { description: 'Stored; scoring follows.', content: { 'application/json': { schema: EventsAccepted } } },
      ...errorResponses([400, 413, 415, 429, 503]),
    },
  });

  registry.registerPath({
    method: 'get',
    path: '/v1/admin/leads/{leadId}',
    summary: 'Get a lead with its score breakdown',
    security: [{ adminAuth: [] }],
    request: { params: z.object({ leadId: z.uuid() }) },
    responses: {
      200: { description: 'The lead, its current scores, grade, stage, per-rule breakdown and recent events.' },
      400: { description: errors[400], content: { 'application/json': { schema: ErrorBody } } },
      403: { description: 'Missing or wrong credentials.' },
      404: { description: 'No such lead.', content: { 'application/json': { schema: ErrorBody } } },
    },
  });

  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'leadflow API',
      version: '1',
      description: 'Capture leads and engagement; read scored leads. Generated from the request schemas.',
    },
  });
}
