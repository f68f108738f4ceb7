import { gunzipSync } from 'node:zlib';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { LEADFLOW_JS } from '../../web/leadflow-js/built';
import { context, httpEvent, setHandlerEnvironment } from './fixtures';

setHandlerEnvironment();
let handler: (typeof import('../../functions/serve-snippet/handler'))['handler'];

beforeAll(async () => {
  ({ handler } = await import('../../functions/serve-snippet/handler'));
});

const get = async (headers: Record<string, string> = {}) =>
  (await handler(httpEvent({ method: 'GET', path: '/js/v1/leadflow.js', headers }), context)) as APIGatewayProxyStructuredResultV2;

describe('serving leadflow.js', () => {
  it('serves the built script as JavaScript that browsers and CDNs keep for a year', async () => {
    const answer = await get();
    expect(answer.statusCode).toBe(200);
    expect(answer.body).toBe(LEADFLOW_JS);
    expect(answer.isBase64Encoded).toBeFalsy();
    expect(answer.headers).toMatchObject({
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': 'public, max-age=31536000, immutable',
      vary: 'accept-encoding',
      'x-content-type-options': 'nosniff',
    });
    expect(answer.headers?.['content-encoding']).toBeUndefined();
  });

  it('gzips it for a browser that accepts gzip, and not for one that refuses it with q=0', async () => {
    const gzipped = await get({ 'accept-encoding': 'br, gzip, deflate' });
    expect(gzipped.headers?.['content-encoding']).toBe('gzip');
    expect(gzipped.isBase64Encoded).toBe(true);
    expect(gunzipSync(Buffer.from(gzipped.body ?? '', 'base64')).toString('utf8')).toBe(LEADFLOW_JS);
    expect((await get({ 'Accept-Encoding': 'GZIP;q=0.5' })).headers?.['content-encoding']).toBe('gzip');
    for (const refusing of ['gzip;q=0', 'identity', 'br', 'gzip;q=0.000, *;q=0', '']) {
      const plain = await get({ 'accept-encoding': refusing });
      expect(plain.body, refusing).toBe(LEADFLOW_JS);
      expect(plain.headers?.['content-encoding'], refusing).toBeUndefined();
    }
  });
});
