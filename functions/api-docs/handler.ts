import { Logger } from '@aws-lambda-powertools/logger';
import { openApiDocument } from '../../src/api/openapi';
import { routesHandler } from '../../src/http/routes';
import { apiDocsRoutes } from './routes';

const logger = new Logger();
// Generated once per cold start: the document only changes with a deployment.
const body = JSON.stringify(openApiDocument());

export const handler = routesHandler({ logger }, apiDocsRoutes, {
  getOpenApiDocument: async () => ({
    statusCode: 200,
    headers: { 'content-type': 'application/json', 'cache-control': 'public, max-age=300' },
    body,
  }),
});
