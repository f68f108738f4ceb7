import { openApiDocument } from '../../src/api/openapi';

let body: string | undefined;

/**
 * The OpenAPI document as the response body, generated from the sources on its first call (the local
 * runtime, tests). The deployed bundle carries it generated at build time instead: infra/bundle-plugins.ts
 * replaces this module, so the bundle holds neither the manifest, nor the routes' schemas, nor the generator.
 */
export const openApiDocumentBody = (): string => (body ??= JSON.stringify(openApiDocument()));
