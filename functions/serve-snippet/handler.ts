import { gzipSync } from 'node:zlib';
import { Logger } from '@aws-lambda-powertools/logger';
import { routesHandler } from '../../src/http/routes';
import { LEADFLOW_JS } from '../../web/leadflow-js/built';
import { serveSnippetRoutes } from './routes';
import { throttlingRefusal } from '../../src/adapters/throttling';

const logger = new Logger();
// Compressed once per cold start: API Gateway's HTTP API does not compress answers itself.
const gzipped = gzipSync(LEADFLOW_JS, { level: 9 }).toString('base64');
const headers = {
  'content-type': 'text/javascript; charset=utf-8',
  // The path is versioned (routes.ts): what it serves never changes under it.
  'cache-control': 'public, max-age=31536000, immutable',
  vary: 'accept-encoding',
  'x-content-type-options': 'nosniff',
  // Sites that isolate themselves (Cross-Origin-Embedder-Policy) may still load it.
  'cross-origin-resource-policy': 'cross-origin',
};

/** Whether an Accept-Encoding header takes gzip: named (or `*`) without `q=0`. */
function acceptsGzip(acceptEncoding: string | undefined): boolean {
  return (acceptEncoding ?? '').split(',').some((entry) => {
    const [coding, ...parameters] = entry.split(';').map((part) => part.trim().toLowerCase());
    const quality = parameters.find((parameter) => parameter.startsWith('q='));
    return (coding === 'gzip' || coding === '*') && !(quality && Number(quality.slice(2)) === 0);
  });
}

export const handler = routesHandler({ logger, unavailable: throttlingRefusal }, serveSnippetRoutes, {
  getLeadflowJs: async (_input, event) =>
    acceptsGzip(event.headers['accept-encoding'])
      ? { statusCode: 200, headers: { ...headers, 'content-encoding': 'gzip' }, body: gzipped, isBase64Encoded: true }
      : { statusCode: 200, headers, body: LEADFLOW_JS },
});
