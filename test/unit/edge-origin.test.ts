import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defineRoute, routesHandler } from '../../src/http/routes';
import { context, httpEvent } from '../handlers/fixtures';

const logger = new Logger({ logLevel: 'SILENT' });
const SECRET = 'b3Jp9ZlQw7mXkT2vR8sN4yH6cF1dG5eA';
const route = defineRoute({ operationId: 'echo', method: 'POST', path: '/v1/events', summary: 'Echoes the source address', request: {}, responses: { 202: { description: 'The address.' } } });

/** A public function on the shared plumbing, built as its module would be, under the given environment. */
function publicFunction(secret: string | undefined) {
  const saved = process.env.EDGE_ORIGIN_SECRET;
  if (secret === undefined) delete process.env.EDGE_ORIGIN_SECRET;
  else process.env.EDGE_ORIGIN_SECRET = secret;
  const seen: APIGatewayProxyEventV2[] = [];
  try {
    const handler = routesHandler({ logger, unavailable: () => undefined }, [route], {
      echo: async (_input, event) => {
        seen.push(event);
        return { statusCode: 202, body: JSON.stringify({ sourceIp: event.requestContext.http.sourceIp }) };
      },
    });
    return { seen, call: (headers: Record<string, string>) => handler(httpEvent({ path: '/v1/events', headers }), context) };
  } finally {
    if (saved === undefined) delete process.env.EDGE_ORIGIN_SECRET;
    else process.env.EDGE_ORIGIN_SECRET = saved;
  }
}

describe('edge origin check on public functions', () => {
  it('changes nothing when the edge is off: no header needed, and a viewer-address header from the caller is not believed', async () => {
    const fn = publicFunction(undefined);
    const response = await fn.call({ 'cloudfront-viewer-address': '198.51.100.7:443' });
    expect(response.statusCode).toBe(202);
    expect(JSON.parse(response.body ?? '{}')).toEqual({ sourceIp: '203.0.113.9' });
  });

  it('refuses a request without the edge header (a caller of the execute-api URL) with 403, before the function runs', async () => {
    const fn = publicFunction(SECRET);
    const response = await fn.call({ 'content-type': 'application/json' });
    expect(response.statusCode).toBe(403);
    expect(JSON.parse(response.body ?? '{}')).toEqual({ message: 'Forbidden' });
    expect(fn.seen).toEqual([]);
  });

  it('refuses any other header value, however close', async () => {
    const fn = publicFunction(SECRET);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string(), fc.constant(SECRET.slice(0, -1)), fc.constant(`${SECRET} `), fc.constant(SECRET.toLowerCase())).filter((value) => value !== SECRET),
        async (value) => {
          expect((await fn.call({ 'x-leadflow-edge': value })).statusCode).toBe(403);
        },
      ),
    );
    expect(fn.seen).toEqual([]);
  });

  it('refuses to start with an empty secret, which an empty header would match', () => {
    expect(() => publicFunction('')).toThrow(/empty/);
    expect(process.env.EDGE_ORIGIN_SECRET).toBeUndefined();
  });

  it.each([
    ['198.51.100.7:46532', '198.51.100.7'],
    ['2001:db8::7:46532', '2001:db8::7'],
  ])('lets a request from CloudFront through, with the viewer address %s as its source %s', async (viewer, sourceIp) => {
    const fn = publicFunction(SECRET);
    const response = await fn.call({ 'X-Leadflow-Edge': SECRET, 'CloudFront-Viewer-Address': viewer });
    expect(response.statusCode).toBe(202);
    expect(JSON.parse(response.body ?? '{}')).toEqual({ sourceIp });
  });
});
