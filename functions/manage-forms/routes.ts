import * as z from 'zod/mini';
import { FormDefinition, FormId } from '../../src/domain/forms/definition';
import { PageQuery, pageOf } from '../../src/http/page-query';
import { defineRoute } from '../../src/http/routes';
import { MARKETING } from '../../src/domain/roles';

const FormParams = z.object({ formId: FormId });
const VersionParameter = z.coerce.number('must be a version number').check(z.int('must be a whole version number'), z.gte(1, 'must be 1 or more'), z.lte(999_999, 'must be at most 999999'));

const FormSummary = z
  .object({ formId: z.string(), title: z.string(), latestVersion: z.int().check(z.gte(1)), createdAt: z.iso.datetime(), updatedAt: z.iso.datetime() }).check(z.meta({ id: 'FormSummary' }));
const StoredForm = z.object({ formId: z.string(), version: z.int().check(z.gte(1)), createdAt: z.iso.datetime(), definition: FormDefinition }).check(z.meta({ id: 'StoredForm' }));

const noForm = { 404: 'No such form (or version).' } as const;

export const listForms = defineRoute({
  operationId: 'listForms',
  method: 'GET',
  path: '/v1/admin/forms',
  roles: MARKETING,
  summary: 'List forms, most recently changed first',
  request: { query: PageQuery },
  responses: { 200: { description: '`{ items: [{ formId, title, latestVersion, createdAt, updatedAt }], nextCursor? }`.', schema: pageOf(FormSummary).check(z.meta({ id: 'FormList' })) } },
});

export const getForm = defineRoute({
  operationId: 'getForm',
  method: 'GET',
  path: '/v1/admin/forms/{formId}',
  roles: MARKETING,
  summary: "A form's latest definition",
  request: { params: FormParams },
  responses: { 200: { description: 'The latest version and its definition (defaults filled in).', schema: StoredForm } },
  errors: noForm,
});

export const getFormVersion = defineRoute({
  operationId: 'getFormVersion',
  method: 'GET',
  path: '/v1/admin/forms/{formId}/versions/{version}',
  roles: MARKETING,
  summary: 'One version of a form',
  request: { params: z.object({ formId: FormId, version: VersionParameter }) },
  responses: { 200: { description: 'The version and its definition.', schema: StoredForm } },
  errors: noForm,
});

const FormSaved = z.object({ formId: z.string(), version: z.int().check(z.gte(1)), created: z.boolean() }).check(z.meta({ id: 'FormSaved' }));

export const createForm = defineRoute({
  operationId: 'createForm',
  method: 'POST',
  path: '/v1/admin/forms',
  roles: MARKETING,
  summary: 'Create a form under a new id',
  description:
    'Saves `definition` as version 1 of a new form `formId` (checked as by saveForm, problems named by their path under `definition`). ' +
    'An id already in use is refused with 409 naming `formId`, so creating never adds a version to someone else\'s form; saveForm adds versions.',
  request: { body: { schema: z.strictObject({ formId: FormId, definition: FormDefinition }).check(z.meta({ id: 'NewForm' })) } },
  responses: { 201: { description: '`{ formId, version: 1, created: true }`.', schema: FormSaved } },
  errors: { 409: 'A form with this id exists already.' },
});

export const saveForm = defineRoute({
  operationId: 'saveForm',
  method: 'PUT',
  path: '/v1/admin/forms/{formId}',
  roles: MARKETING,
  summary: 'Save a form definition as its next version',
  description:
    'Creates the form (version 1) or adds a version, which the hosted page, the embed script and submissions use at once. Versions never change; ' +
    'a definition the same as the latest makes none (`created: false`). Fields, consent checkboxes with their exact text, hidden fields, success (a message or a redirect to an allowed origin), ' +
    'unknown fields (`keep` as attributes or `ignore`) and spam checks (minimum seconds to submit, optional Turnstile or hCaptcha) are all checked; a 400 names each problem by its path.',
  request: { params: FormParams, body: { schema: FormDefinition } },
  responses: {
    200: {
      description: '`{ formId, version, created }`.',
      schema: FormSaved,
    },
  },
  errors: { 409: 'Another push saved a version meanwhile; push again.' },
});

export const manageFormsRoutes = [listForms, getForm, getFormVersion, createForm, saveForm] as const;
