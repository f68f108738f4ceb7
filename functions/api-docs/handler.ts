import { Logger } from '@aws-lambda-powertools/logger';
import { routesHandler } from '../../src/http/routes';
import { openApiDocumentBody } from './document';
import { apiDocsRoutes } from './routes';

const logger = new Logger();

/** It calls no service (the document is built with the bundle, or in memory locally), so nothing it meets is a refusal. */
const callsNoService = () => undefined;

export const handler = routesHandler({ logger, unavailable: callsNoService }, apiDocsRoutes, {
  getOpenApiDocument: async () => ({
    statusCode: 200,
    headers: { 'content-type': 'application/json', 'cache-control': 'public, max-age=300' },
    body: openApiDocumentBody(),
  }),
});
