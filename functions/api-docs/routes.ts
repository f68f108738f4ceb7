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

export const getApiIndex = defineRoute({
  operationId: 'getApiIndex',
  method: 'GET',
  path: '/',
  summary: 'Where to start',
  description: 'The API\'s root, which `cdk deploy` and `npm start` print: it names the API and links its description (every route, the tracking snippet\'s among them), instead of answering Not Found.',
  request: {},
  responses: {
    200: {
      description: 'Paths from the API\'s root.',
      schema: z.object({ name: z.string(), openapi: z.string() }).check(z.meta({ id: 'ApiIndex' })),
    },
  },
});

export const apiDocsRoutes = [getOpenApiDocument, getApiIndex] as const;
