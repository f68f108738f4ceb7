import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../../src/api/openapi';
import { manifest } from '../../manifest/manifest';
import { isHttpFunction } from '../../manifest/types';

type Operation = { operationId?: string; security?: unknown[]; responses: Record<string, { description: string; content?: Record<string, { schema?: unknown }> }> };
const document = () => openApiDocument() as unknown as { paths: Record<string, Record<string, Operation>> };
const httpFunctions = manifest.functions.filter(isHttpFunction);

describe('the OpenAPI document', () => {
  it('documents every route of the manifest, admin routes with their auth', () => {
    const { paths } = document();
    for (const spec of httpFunctions) {
      for (const route of spec.trigger.routes) {
        const operation = paths[route.path]?.[route.method.toLowerCase()];
        expect(operation, `${route.method} ${route.path}`).toBeDefined();
        expect(operation?.operationId).toBe(route.operationId);
        if (spec.trigger.audience === 'admin') expect(operation?.security).toEqual([{ adminAuth: [] }]);
        else expect(operation?.security).toBeUndefined();
      }
    }
  });

  it('declares every route of the manifest once, each operation under its own id', () => {
    const routes = httpFunctions.flatMap((spec) => spec.trigger.routes);
    expect(routes.every((route) => route.operationId && route.summary)).toBe(true);
    expect(new Set(routes.map((route) => route.operationId)).size).toBe(routes.length);
    expect(new Set(routes.map((route) => `${route.method} ${route.path}`)).size).toBe(routes.length);
  });

  it('gives every operation a success answer with its schema (204 has no body)', () => {
    const operations = Object.entries(document().paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, operation]) => ({ name: `${method} ${path}`, operation })));
    expect(operations.length).toBe(httpFunctions.flatMap((spec) => spec.trigger.routes).length);
    for (const { name, operation } of operations) {
      const successes = Object.entries(operation.responses).filter(([status]) => status.startsWith('2'));
      expect(successes.length, name).toBeGreaterThan(0);
      for (const [status, response] of successes) {
        if (status === '204') expect(response.content, name).toBeUndefined();
        else expect(Object.values(response.content ?? {}).map((content) => content.schema), `${name} ${status}`).toEqual([expect.anything()]);
      }
    }
  });

  it('documents the errors every route shares: 400 for input, 413 and 415 for bodies, 403 on admin routes, 429 on public ones', () => {
    const { paths } = document();
    const submit = paths['/v1/forms/{formId}/submissions']?.post;
    expect(Object.keys(submit?.responses ?? {})).toEqual(expect.arrayContaining(['202', '400', '413', '415', '429', '503']));
    const lead = paths['/v1/admin/leads/{leadId}']?.get;
    expect(Object.keys(lead?.responses ?? {})).toEqual(expect.arrayContaining(['200', '400', '403', '404']));
    expect(Object.keys(lead?.responses ?? {})).not.toContain('429');
  });

  it('documents 503 with Retry-After on every route of a function that calls a service (a busy table or service), adding to what a route answers 503 for itself', () => {
    const operations = Object.entries(document().paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, operation]) => ({ route: `${method} ${path}`, operation })));
    expect(operations.filter(({ operation }) => !operation.responses['503']?.description.includes('busy')).map(({ route }) => route)).toEqual(['get /v1/openapi.json', 'get /', 'get /js/v1/leadflow.js', 'get /v1/admin/me']);
    const activate = document().paths['/v1/admin/rulesets/{version}/activate']?.post?.responses['503']?.description;
    expect(activate).toMatch(/^Active, but rescoring has not started; repeat the activation\. Or: A service the route needs is busy .*`Retry-After` seconds\.$/);
  });

  // The schemas are zod mini's; src/api/openapi.ts gives the generator what classic zod schemas would answer.
  it('describes formats, bounds, integers and records as the schemas check them', () => {
    const { components } = openApiDocument() as unknown as { components: { schemas: Record<string, { properties: Record<string, unknown> }> } };
    const { EngagementEvent, AudiencePreview, FormSubmission } = components.schemas;
    expect(EngagementEvent?.properties.occurredAt).toEqual({ type: 'string', format: 'date-time' });
    expect(EngagementEvent?.properties.email).toMatchObject({ type: 'string', maxLength: 320, example: 'jane@example.com' });
    expect(AudiencePreview?.properties.count).toEqual({ type: 'integer', minimum: 0 });
    expect(FormSubmission?.properties.attributes).toMatchObject({ type: 'object', additionalProperties: { anyOf: [{ type: 'string', maxLength: 200 }, { type: 'number' }, { type: 'boolean' }] } });
  });
});
