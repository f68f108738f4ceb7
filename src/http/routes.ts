import middy from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type * as z from 'zod/mini';
import { routeKey } from '../../manifest/types';
import { Forbidden } from '../domain/errors';
import { mayCall, type Caller } from '../domain/roles';
import { callerOf } from './caller';
import { requireEdgeOrigin } from './edge-origin';
import { HttpError, parameter, validationError } from './errors';
import { errorResponses, limitBodySize, parseBody, type ErrorPage, type ParsedBodyEvent } from './middleware';
import type { RouteDeclaration, RouteInput } from './route-declarations';

export * from './route-declarations';

export type Implementation<Route extends RouteDeclaration> = (
  input: RouteInput<Route>,
  event: ParsedBodyEvent,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

/** One implementation per operation of a function, keyed by operationId. */
export type Implementations<Routes extends readonly RouteDeclaration[]> = {
  readonly [Route in Routes[number] as Route['operationId']]: Implementation<Route>;
};

/** The declared parts of a request parsed, in the order a caller reads them: path, query, headers, body. */
function parsedInput(route: RouteDeclaration, event: ParsedBodyEvent): Readonly<Record<Exclude<keyof RouteInput<RouteDeclaration>, 'caller'>, unknown>> {
  const { request } = route;
  const params = request.params
    ? Object.fromEntries(Object.entries(request.params.shape).map(([name, schema]) => [name, parameter(event.pathParameters?.[name], name, schema as z.ZodMiniType)]))
    : undefined;
  const query = request.queryCheckedByHandler ? (event.queryStringParameters ?? {}) : request.query ? parsed(request.query, event.queryStringParameters ?? {}) : undefined;
  const headers = request.headers ? parsed(request.headers, event.headers) : undefined;
  const { body } = request;
  let parsedBody: unknown = event.parsedBody;
  if (body) {
    if (parsedBody === undefined && body.emptyIsObject) parsedBody = {};
    if (body.prepare) parsedBody = body.prepare(parsedBody);
    if (!body.checkedByHandler) parsedBody = parsed(body.schema, parsedBody);
  }
  return { params, query, headers, body: body ? parsedBody : undefined };
}

function parsed(schema: z.ZodMiniType, value: unknown): unknown {
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(result.error);
  return result.data;
}

/**
 * The caller of a route, refused with 403 unless the route's roles admit them. A route declaring no
 * roles is public; a signed-in person reaching one anyway (a route wired to the console's API without
 * roles) is refused rather than trusted.
 */
function admittedCaller(route: RouteDeclaration, event: ParsedBodyEvent): Caller {
  const caller = callerOf(event);
  const { roles } = route;
  const what = `${route.operationId} (${routeKey(route)})`;
  if (roles === undefined) {
    if (caller.kind === 'user') throw new Forbidden(`${what} is not open to signed-in users`);
    return caller;
  }
  if (!mayCall(caller, roles)) {
    const who = caller.kind === 'user' ? `Role ${caller.role}` : 'A caller without a role';
    throw new Forbidden(`${who} may not call ${what}: it is open to ${roles.join(', ')}`);
  }
  return caller;
}

/** Log fields naming who did something without naming them: their kind, role and opaque subject id, or a service's IAM unique id. */
const auditFieldsOf = (caller: Caller) => {
  if (caller.kind === 'user') return { kind: caller.kind, role: caller.role, subject: caller.subject };
  if (caller.kind === 'service' && caller.principal) return { kind: caller.kind, principal: caller.principal };
  return { kind: caller.kind };
};

/**
 * The handler of an HTTP function from its route declarations and one implementation per operation:
 * header names lower-cased, request context in logs, errors mapped (a throttled call to 503), edge origin checked (when the
 * stack sets EDGE_ORIGIN_SECRET), bodies size-checked (413) and parsed when a route takes one, the
 * operation found by API Gateway's `routeKey`, and its parameters, query, headers and body parsed with
 * the declared schemas (400 naming the field) before the implementation runs.
 */
export function routesHandler<const Routes extends readonly RouteDeclaration[]>(
  {
    logger,
    maxBodyBytes,
    errorPage,
    unavailable,
  }: {
    readonly logger: Logger;
    /** Needed when a route takes a body: larger ones are refused with 413. */
    readonly maxBodyBytes?: number;
    /** Errors as pages for callers that want them (a browser posting a form); JSON otherwise. */
    readonly errorPage?: ErrorPage;
    /**
     * The name of the refusal when an error means a service turned the request away for now, else
     * undefined: `throttlingRefusal` from src/adapters/throttling (which this layer may not import).
     * Required, so no function answers a throttled table with a 500: every route answers 503 with
     * Retry-After.
     */
    readonly unavailable: (error: unknown) => string | undefined;
  },
  routes: Routes,
  implementations: NoInfer<Implementations<Routes>>,
) {
  const byKey = new Map(routes.map((route) => [routeKey(route), route]));
  const only = routes.length === 1 ? routes[0] : undefined;
  // A function with one route serves whatever API Gateway sends it, as it always has.
  const routeOf = (event: APIGatewayProxyEventV2) => only ?? byKey.get(event.routeKey);
  const implementationOf = (route: RouteDeclaration) =>
    (implementations as unknown as Readonly<Record<string, Implementation<RouteDeclaration>>>)[route.operationId];

  const chain = middy<ParsedBodyEvent, APIGatewayProxyStructuredResultV2>()
    .use(httpHeaderNormalizer())
    .use(injectLambdaContext(logger))
    .use(errorResponses(logger, { errorPage, unavailable }))
    .use(requireEdgeOrigin(process.env.EDGE_ORIGIN_SECRET));
  // Functions serving several routes have always size-checked and parsed any body sent.
  if (routes.length > 1 || routes.some((route) => route.request.body)) {
    if (maxBodyBytes === undefined) throw new Error(`${routes.map((route) => route.operationId).join(', ')}: a function taking bodies needs maxBodyBytes`);
    chain.use(limitBodySize(maxBodyBytes)).use(
      parseBody({ optional: (event) => !routeOf(event)?.request.body?.required, textAsJson: (event) => routeOf(event)?.request.body?.contentTypes?.includes('text/plain') === true }),
    );
  }
  return chain.handler(async (event, context) => {
    const route = routeOf(event);
    const implementation = route && implementationOf(route);
    if (!route || !implementation) throw new HttpError(404, `No route ${event.routeKey}`);
    const caller = admittedCaller(route, event);
    // Parsed by the route's own schemas, so the input has the type its implementation declares.
    const response = await implementation({ ...parsedInput(route, event), caller } as RouteInput<RouteDeclaration>, event, context);
    // Every change made through the admin API says who made it; reads are not logged.
    if (route.roles && route.method !== 'GET') {
      logger.info('Admin action', { operationId: route.operationId, caller: auditFieldsOf(caller), statusCode: response.statusCode });
    }
    return response;
  });
}
