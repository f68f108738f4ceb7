import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../../src/api/openapi';
import { manifest } from '../../manifest/manifest';
import { isHttpFunction } from '../../manifest/types';

describe('the OpenAPI document', () => {
  it('documents every route of the manifest, admin routes with their auth', () => {
    const document = openApiDocument() as unknown as { paths: Record<string, Record<string, { security?: unknown[] }>> };
    for (const spec of manifest.functions.filter(isHttpFunction)) {
      for (const route of spec.trigger.routes) {
        const operation = document.paths[route.path]?.[route.method.toLowerCase()];
        expect(operation, `${route.method} ${route.path}`).toBeDefined();
        if (spec.trigger.audience === 'admin') expect(operation?.security).toEqual([{ adminAuth: [] }]);
      }
    }
  });
});
