import middy from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { requireEdgeOrigin } from './edge-origin';
import { HttpError } from './errors';
import { errorResponses, limitBodySize, parseBody, type ParsedBodyEvent } from './middleware';

type Handler<E> = (event: E, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

/**
 * The plumbing every HTTP function shares: header names lower-cased, request context in logs, errors
 * mapped, and, when the stack sets EDGE_ORIGIN_SECRET (public functions behind the edge option),
 * requests that did not come through CloudFront refused.
 */
export function httpHandler(logger: Logger, handler: Handler<APIGatewayProxyEventV2>) {
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(httpHeaderNormalizer())
    .use(injectLambdaContext(logger))
    .use(errorResponses(logger))
    .use(requireEdgeOrigin(process.env.EDGE_ORIGIN_SECRET))
    .handler(handler);
}

/** As `httpHandler`, for routes with a body: size checked first (413), then JSON or form fields parsed. */
export function httpBodyHandler(logger: Logger, maxBodyBytes: number, handler: Handler<ParsedBodyEvent>) {
  return middy<ParsedBodyEvent, APIGatewayProxyStructuredResultV2>()
    .use(httpHeaderNormalizer())
    .use(injectLambdaContext(logger))
    .use(errorResponses(logger))
    .use(requireEdgeOrigin(process.env.EDGE_ORIGIN_SECRET))
    .use(limitBodySize(maxBodyBytes))
    .use(parseBody())
    .handler(handler);
}

/**
 * One function serving several routes, told apart by API Gateway's `routeKey`
 * (`GET /v1/admin/rulesets/{version}`); bodies, when sent, are size-checked and parsed as JSON or form fields.
 */
export function httpRoutesHandler(logger: Logger, maxBodyBytes: number, routes: Readonly<Record<string, Handler<ParsedBodyEvent>>>) {
  return middy<ParsedBodyEvent, APIGatewayProxyStructuredResultV2>()
    .use(httpHeaderNormalizer())
    .use(injectLambdaContext(logger))
    .use(errorResponses(logger))
    .use(requireEdgeOrigin(process.env.EDGE_ORIGIN_SECRET))
    .use(limitBodySize(maxBodyBytes))
    .use(parseBody({ optional: true }))
    .handler(async (event, context) => {
      const route = routes[event.routeKey];
      if (!route) throw new HttpError(404, `No route ${event.routeKey}`);
      return route(event, context);
    });
}
