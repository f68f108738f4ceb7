import { openApiDocument } from '../../shared/api/openapi';

// Generated once per cold start: the document only changes with a deployment.
const body = JSON.stringify(openApiDocument());

export const handler = async () => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json', 'cache-control': 'public, max-age=300' },
  body,
});
