import { Logger } from '@aws-lambda-powertools/logger';
import { openApiDocument } from '../../src/api/openapi';
import { httpHandler } from '../../src/http/handler';

const logger = new Logger();
// Generated once per cold start: the document only changes with a deployment.
const body = JSON.stringify(openApiDocument());

export const handler = httpHandler(logger, async () => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json', 'cache-control': 'public, max-age=300' },
  body,
}));
