import * as z from 'zod/mini';
import { RenderedEmail } from '../../src/api/responses';
import { Email } from '../../src/api/schemas';
import { TemplateId, TemplatePreviewRequest, TemplateRequest, TemplateVersionParameter, TemplateVersionNumber } from '../../src/domain/campaigns/template-versions';
import { PageQuery, pageOf } from '../../src/http/page-query';
import { defineRoute } from '../../src/http/routes';
import { MARKETING } from '../../src/domain/roles';
import { SubscriptionTypeId } from '../../src/domain/subscriptions';

const TemplateIdParams = z.object({ templateId: TemplateId });

/** A test send: up to 5 addresses, one lead's data to personalise with, a version (the latest when none), the subscription whose footer it carries. */
export const TemplateTestRequest = z
  .strictObject({
    to: z.array(Email).check(z.minLength(1, 'must name at least one address'), z.maxLength(5, 'must name at most 5 addresses')),
    leadId: z.optional(z.uuid('must be a lead id (UUID)')),
    version: z.optional(TemplateVersionNumber),
    subscription: z._default(SubscriptionTypeId, 'newsletter'),
  }).check(z.meta({ id: 'TemplateTestRequest' }));

const content = { subject: z.string(), html: z.string(), text: z.optional(z.string()) };
const TemplateVersion = z
  .object({ templateId: z.uuid(), name: z.string(), version: z.int().check(z.gte(1)), ...content, createdAt: z.iso.datetime() }).check(z.meta({ id: 'TemplateVersion' }));
const TemplateSummary = z
  .object({ templateId: z.uuid(), name: z.string(), latestVersion: z.int().check(z.gte(1)), createdAt: z.iso.datetime(), updatedAt: z.iso.datetime() }).check(z.meta({ id: 'TemplateSummary' }));

const templateErrors = {
  400: 'A field is invalid, or the template names an unknown field, has an unclosed `{{` or a badly quoted fallback; `issues` name the part (`subject`, `html`, `text`) and list the known fields.',
} as const;
const noTemplate = { 404: 'No such template (or version).' } as const;

export const createTemplate = defineRoute({
  operationId: 'createTemplate',
  method: 'POST',
  path: '/v1/admin/templates',
  roles: MARKETING,
  summary: 'Create an email template (version 1)',
  description:
    'Placeholders are `{{ lead.<field> | "fallback" }}` with the profile fields (firstName, lastName, company, email, phone, role, industry, country, teamSize, annualRevenue, budget, preferredChannel) or `lead.attributes.<name>`. Values are HTML-escaped in the HTML part.',
  request: { body: { schema: TemplateRequest } },
  responses: {
    201: { description: '`{ templateId, name, version: 1, latestVersion, subject, html, text?, createdAt }`.', schema: z.extend(TemplateVersion, { latestVersion: z.int(), updatedAt: z.iso.datetime() }).check(z.meta({ id: 'TemplateCreated' })) },
  },
  errors: templateErrors,
});

export const listTemplates = defineRoute({
  operationId: 'listTemplates',
  method: 'GET',
  path: '/v1/admin/templates',
  roles: MARKETING,
  summary: 'List templates, most recently changed first',
  request: { query: PageQuery },
  responses: { 200: { description: '`{ items: [{ templateId, name, latestVersion, createdAt, updatedAt }], nextCursor? }`: a page of templates.', schema: pageOf(TemplateSummary).check(z.meta({ id: 'TemplateList' })) } },
});

export const getTemplate = defineRoute({
  operationId: 'getTemplate',
  method: 'GET',
  path: '/v1/admin/templates/{templateId}',
  roles: MARKETING,
  summary: 'A template: its latest content and every version',
  request: { params: TemplateIdParams },
  responses: {
    200: {
      description: "The latest version's subject, HTML and text, and `versions: [{ version, createdAt }]`.",
      schema: z.extend(TemplateSummary, { ...content, version: z.int(), versions: z.array(z.object({ version: z.int(), createdAt: z.iso.datetime() })) }).check(z.meta({ id: 'Template' })),
    },
  },
  errors: noTemplate,
});

export const updateTemplate = defineRoute({
  operationId: 'updateTemplate',
  method: 'PUT',
  path: '/v1/admin/templates/{templateId}',
  roles: MARKETING,
  summary: 'Save a new version of a template',
  description:
    'Versions never change: new content becomes the next version (`created: true`). Content identical to the latest version makes no version (`created: false`, with a message); a changed name alone renames the template.',
  request: { params: TemplateIdParams, body: { schema: TemplateRequest } },
  responses: {
    200: {
      description: 'The new version, or the latest one when nothing changed.',
      schema: z
        .union([
          z.extend(TemplateVersion, { created: z.literal(true) }),
          z.object({ templateId: z.uuid(), name: z.string(), version: z.int(), created: z.literal(false), message: z.string() }),
        ]).check(z.meta({ id: 'TemplateSaved' })),
    },
  },
  errors: { ...templateErrors, ...noTemplate, 409: 'Another edit saved a version meanwhile; read it and try again.' },
});

export const getTemplateVersion = defineRoute({
  operationId: 'getTemplateVersion',
  method: 'GET',
  path: '/v1/admin/templates/{templateId}/versions/{version}',
  roles: MARKETING,
  summary: 'One version of a template',
  request: { params: z.object({ templateId: TemplateId, version: TemplateVersionParameter }) },
  responses: { 200: { description: '`{ templateId, name, version, subject, html, text?, createdAt }`.', schema: TemplateVersion } },
  errors: noTemplate,
});

export const previewTemplate = defineRoute({
  operationId: 'previewTemplate',
  method: 'POST',
  path: '/v1/admin/templates/{templateId}/preview',
  roles: MARKETING,
  summary: 'Render a template (or unsaved edits of it) for a lead, or with its fallbacks',
  description:
    'The rendered subject, HTML and text (the latest version unless `version` is given; or `draft`, unsaved content checked as a save would check it), ending with the subscriber footer as campaign emails do; its links are placeholders, as each recipient gets signed links at send time.',
  request: { params: TemplateIdParams, body: { schema: TemplatePreviewRequest, emptyIsObject: true } },
  responses: {
    200: {
      description: '`{ templateId, version?, draft?, leadId?, rendered: { subject, html, text } }`: `version` for a stored version, `draft: true` for unsaved content.',
      schema: z
        .object({ templateId: z.uuid(), version: z.optional(z.int()), draft: z.optional(z.literal(true)), leadId: z.optional(z.uuid()), rendered: RenderedEmail }).check(z.meta({ id: 'TemplatePreview' })),
    },
  },
  errors: {
    400: 'A field is invalid, `draft` names an unknown field or has an unsafe placeholder (`issues` name `draft.subject`, `draft.html` or `draft.text`), or both `draft` and `version` are given.',
    404: 'No such template, version or lead.',
  },
});

export const testTemplate = defineRoute({
  operationId: 'testTemplate',
  method: 'POST',
  path: '/v1/admin/templates/{templateId}/test',
  roles: MARKETING,
  summary: 'Test-send a template to named addresses',
  description:
    'As a campaign test send: subject marked [Test]; personalised with the named lead or the fallbacks; the latest version unless `version` is given; under the footer of `subscription` (newsletter unless given); not recorded, not tracked; its unsubscribe link changes nothing; suppressed addresses are skipped.',
  request: { params: TemplateIdParams, body: { schema: TemplateTestRequest } },
  responses: { 202: { description: 'Queued.', schema: z.object({ templateId: z.uuid(), version: z.int(), to: z.array(z.string()) }).check(z.meta({ id: 'TemplateTestQueued' })) } },
  errors: { 404: 'No such template, version or lead.' },
});

export const manageTemplatesRoutes = [createTemplate, listTemplates, getTemplate, updateTemplate, getTemplateVersion, previewTemplate, testTemplate] as const;
