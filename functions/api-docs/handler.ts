import { Logger } from '@aws-lambda-powertools/logger';
import { openApiDocument } from '../../src/api/openapi';
import { routesHandler } from '../../src/http/routes';
import { apiDocsRoutes } from './routes';
import { throttlingRefusal } from '../../src/adapters/throttling';

const logger = new Logger();
// Generated on the first request, once per container: the document only changes with a deployment,
// and building it (about 80 ms) is kept out of the cold import.
let body: string | undefined;

export const handler = routesHandler({ logger, unavailable: throttlingRefusal }, apiDocsRoutes, {
  getOpenApiDocument: async () => ({
    statusCode: 200,
    headers: { 'content-type': 'application/json', 'cache-control': 'public, max-age=300' },
    body: (body ??= JSON.stringify(openApiDocument())),
  }),
});
