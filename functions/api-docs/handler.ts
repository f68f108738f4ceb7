import { Logger } from '@aws-lambda-powertools/logger';
import { openApiDocument } from '../../src/api/openapi';
import { routesHandler } from '../../src/http/routes';
import { apiDocsRoutes } from './routes';

const logger = new Logger();
// Generated on the first request, once per container: the document only changes with a deployment,
// and building it (about 80 ms) is kept out of the cold import.
let body: string | undefined;

/** It calls no service (the document is built in memory), so nothing it meets is a refusal: and its bundle, which carries every route declaration, has no room for the list of refusals. */
const callsNoService = () => undefined;

export const handler = routesHandler({ logger, unavailable: callsNoService }, apiDocsRoutes, {
  getOpenApiDocument: async () => ({
    statusCode: 200,
    headers: { 'content-type': 'application/json', 'cache-control': 'public, max-age=300' },
    body: (body ??= JSON.stringify(openApiDocument())),
  }),
});
