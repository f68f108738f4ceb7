import * as z from 'zod/mini';
import { defineRoute } from '../../src/http/routes';

export const getOpenApiDocument = defineRoute({
  operationId: 'getOpenApiDocument',
  method: 'GET',
  path: '/v1/openapi.json',
  summary: 'This document',
  request: {},
  responses: { 200: { description: 'The OpenAPI 3.1 document of the API.', schema: z.looseObject({ openapi: z.string(), info: z.looseObject({}), paths: z.record(z.string(), z.unknown()) }) } },
});

export const apiDocsRoutes = [getOpenApiDocument] as const;
