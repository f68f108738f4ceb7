import middy from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { errorResponses, limitBodySize, parseBody, type ParsedBodyEvent } from './middleware';

type Handler<E> = (event: E, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

/** The plumbing every HTTP function shares: header names lower-cased, request context in logs, errors mapped. */
export function httpHandler(logger: Logger, handler: Handler<APIGatewayProxyEventV2>) {
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(httpHeaderNormalizer())
    .use(injectLambdaContext(logger))
    .use(errorResponses(logger))
    .handler(handler);
}

/** As `httpHandler`, for routes with a body: size checked first (413), then JSON or form fields parsed. */
export function httpBodyHandler(logger: Logger, maxBodyBytes: number, handler: Handler<ParsedBodyEvent>) {
  return middy<ParsedBodyEvent, APIGatewayProxyStructuredResultV2>()
    .use(httpHeaderNormalizer())
    .use(injectLambdaContext(logger))
    .use(errorResponses(logger))
    .use(limitBodySize(maxBodyBytes))
    .use(parseBody())
    .handler(handler);
}
