import { Logger } from '@aws-lambda-powertools/logger';
import { positiveInteger, readConfig } from '../../src/config';
import { routesHandler } from '../../src/http/routes';
import { openApiDocumentBody } from './document';
import { apiDocsRoutes, getOpenApiDocument } from './routes';

const logger = new Logger();
const config = readConfig({ MAX_BODY_BYTES: positiveInteger });

/** It calls no service (the document is built with the bundle, or in memory locally), so nothing it meets is a refusal. */
const callsNoService = () => undefined;

// Its routes take no body; one sent anyway is size-checked, as on every function of several routes.
export const handler = routesHandler({ logger, unavailable: callsNoService, maxBodyBytes: config.MAX_BODY_BYTES }, apiDocsRoutes, {
  getOpenApiDocument: async () => ({
    statusCode: 200,
    headers: { 'content-type': 'application/json', 'cache-control': 'public, max-age=300' },
    body: openApiDocumentBody(),
  }),
  getApiIndex: async () => ({
    statusCode: 200,
    headers: { 'content-type': 'application/json', 'cache-control': 'public, max-age=300' },
    body: JSON.stringify({ name: 'leadflow', openapi: getOpenApiDocument.path }),
  }),
});
