import { timingSafeEqual } from 'node:crypto';
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { EDGE_ORIGIN_HEADER } from '../../manifest/environment';
import { HttpError } from './errors';

const sameSecret = (given: string, expected: string) => {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
};

/** `198.51.100.7:46532` or `2001:db8::7:46532`: the address is everything before the last colon. */
const viewerAddress = (header: string | undefined) => {
  const colon = header?.lastIndexOf(':') ?? -1;
  return header !== undefined && colon > 0 ? header.slice(0, colon) : undefined;
};

/**
 * With the edge option on (`secret` given), a public route answers only requests CloudFront forwarded,
 * which carry the secret in the edge header; anyone calling the execute-api URL directly, around
 * AWS WAF, gets 403. The viewer's address CloudFront saw then becomes `sourceIp`, so consent records
 * name the subscriber rather than an edge server. Without a secret (local mode, edge off) it does nothing.
 * Header names must already be lower-case (http-header-normalizer runs first).
 */
export function requireEdgeOrigin(secret: string | undefined): MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2> {
  // An empty value would let through every request that sends an empty header: refuse to start.
  if (secret === '') throw new Error('EDGE_ORIGIN_SECRET is set but empty');
  return {
    before: ({ event }) => {
      if (secret === undefined) return;
      if (!sameSecret(event.headers[EDGE_ORIGIN_HEADER] ?? '', secret)) throw new HttpError(403, 'Forbidden');
      const viewer = viewerAddress(event.headers['cloudfront-viewer-address']);
      if (viewer) event.requestContext.http.sourceIp = viewer;
    },
  };
}
