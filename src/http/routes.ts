import middy from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { z } from 'zod';
import { routeKey, type HttpMethod } from '../../manifest/types';
import { Forbidden } from '../domain/errors';
import { mayCall, type Caller, type Role } from '../domain/roles';
import { callerOf } from './caller';
import { requireEdgeOrigin } from './edge-origin';
import { HttpError, parameter, validationError } from './errors';
import { errorResponses, limitBodySize, parseBody, type ErrorPage, type ParsedBodyEvent } from './middleware';

/** `text/plain` is read as JSON: tracking snippets send JSON as text/plain so browsers need no CORS preflight. */
export type BodyContentType = 'application/json' | 'application/x-www-form-urlencoded' | 'multipart/form-data' | 'text/plain';

/** What a route accepts as its body. */
export interface BodyDeclaration {
  readonly schema: z.ZodType;
  /** Default: JSON only. Forms are parsed into the same fields (repeated fields become arrays). */
  readonly contentTypes?: readonly BodyContentType[];
  /**
   * An empty body is refused by the parser (415 without a content type, 400 for empty JSON), as for
   * routes whose body is their whole point; otherwise an empty body reaches the schema as `undefined`.
   */
  readonly required?: boolean;
  /** An empty body is read as `{}`: every field of the schema is optional. */
  readonly emptyIsObject?: boolean;
  /** Turns the parsed body into what the schema reads (form field names such as `attributes.plan`). */
  readonly prepare?: (body: unknown) => unknown;
  /**
   * The handler checks the body itself (its errors say more than the schema could, or are not JSON):
   * the schema only documents it and the handler receives the body as parsed.
   */
  readonly checkedByHandler?: boolean;
}

export interface ResponseDeclaration {
  readonly description: string;
  /** The body; absent only for a response without one (204). */
  readonly schema?: z.ZodType;
  /** Default `application/json`. */
  readonly contentType?: 'application/json' | 'text/html' | 'text/javascript';
}

/** An error answer: its description (the body is the shared `Error` schema), or a body of its own. */
export type ErrorDeclaration = string | ResponseDeclaration;

type ObjectSchema = z.ZodObject;

export interface RequestDeclaration {
  /** Path parameters, each checked with its own schema: a bad one is a 400 naming it. */
  readonly params?: ObjectSchema;
  readonly query?: ObjectSchema;
  /** Header names in lower case, as the handler sees them. */
  readonly headers?: ObjectSchema;
  readonly body?: BodyDeclaration;
  /** The handler checks the query itself (its errors are pages, not JSON): the schema only documents it. */
  readonly queryCheckedByHandler?: boolean;
}

/**
 * One HTTP operation, declared once: the router parses requests with it, the OpenAPI document and
 * the typed client are derived from it, and the manifest routes API Gateway by its method and path.
 * Whether it is public or admin belongs to the function serving it, in the manifest; on admin routes,
 * which roles may call it belongs to the route.
 */
export interface RouteDeclaration {
  readonly operationId: string;
  readonly method: HttpMethod;
  /** API Gateway route path, with `{param}` placeholders. */
  readonly path: string;
  readonly summary: string;
  readonly description?: string;
  readonly request: RequestDeclaration;
  /** Success answers by status; every one with a body names its schema. */
  readonly responses: Readonly<Partial<Record<SuccessStatus, ResponseDeclaration>>>;
  /**
   * Error answers particular to this route. Those every route shares (400 for a bad parameter or body,
   * 413 and 415 for bodies, 403 on admin routes, 429 on public ones) come from the shared table.
   */
  readonly errors?: Readonly<Partial<Record<ErrorStatus, ErrorDeclaration>>>;
  /**
   * Admin routes: the roles of signed-in people who may call it (services, IAM and the development
   * token, may call every route). Others get 403 naming their role and the route. Public routes have none.
   */
  readonly roles?: readonly Role[];
}

export type SuccessStatus = 200 | 201 | 202 | 204;
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 503;

/** A route declaration, with its schemas' types kept for the router and the client. */
export const defineRoute = <const Route extends RouteDeclaration>(route: Route): Route => route;

type Output<Schema> = Schema extends z.ZodType ? z.output<Schema> : undefined;
type Input<Schema> = Schema extends z.ZodType ? z.input<Schema> : undefined;
type RequestOf<Route extends RouteDeclaration> = Route['request'];
type BodyOf<Route extends RouteDeclaration> = RequestOf<Route>['body'];

/** What the router hands an implementation: the request's parts, parsed with the declared schemas. */
export interface RouteInput<Route extends RouteDeclaration> {
  readonly params: Output<RequestOf<Route>['params']>;
  readonly query: RequestOf<Route>['queryCheckedByHandler'] extends true ? Readonly<Record<string, string | undefined>> : Output<RequestOf<Route>['query']>;
  readonly headers: Output<RequestOf<Route>['headers']>;
  readonly body: BodyOf<Route> extends { readonly checkedByHandler: true } ? unknown : BodyOf<Route> extends BodyDeclaration ? Output<BodyOf<Route>['schema']> : undefined;
  /** Who sent it, already allowed by the route's roles. */
  readonly caller: Caller;
}

/** What a caller sends: the request's parts before parsing (the client's view of the same schemas); a part with nothing required may be left out. */
export type RouteRequest<Route extends RouteDeclaration> = Sendable<{
  params: Input<RequestOf<Route>['params']>;
  query: Input<RequestOf<Route>['query']>;
  headers: Input<RequestOf<Route>['headers']>;
  body: BodyOf<Route> extends BodyDeclaration ? Input<BodyOf<Route>['schema']> : undefined;
}>;

/** An object with nothing in it: a part every one of whose fields is optional accepts it. */
type Nothing = Record<never, never>;
type Sendable<Parts> = { [Part in keyof Parts as Parts[Part] extends undefined ? never : Nothing extends Parts[Part] ? never : Part]: Parts[Part] } & {
  [Part in keyof Parts as Parts[Part] extends undefined ? never : Nothing extends Parts[Part] ? Part : never]?: Parts[Part];
};

/** The body of a route's success answer, as its schema reads it. */
export type RouteOutput<Route extends RouteDeclaration> = {
  [Status in keyof Route['responses']]: Route['responses'][Status] extends { readonly schema: infer Schema } ? Output<Schema> : undefined;
}[keyof Route['responses']];

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
    ? Object.fromEntries(Object.entries(request.params.shape).map(([name, schema]) => [name, parameter(event.pathParameters?.[name], name, schema as z.ZodType)]))
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

/** Log fields naming who did something without naming them: their kind, role and opaque subject id. */
const auditFieldsOf = (caller: Caller) =>
  caller.kind === 'user' ? { kind: caller.kind, role: caller.role, subject: caller.subject } : { kind: caller.kind };

function parsed(schema: z.ZodType, value: unknown): unknown {
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(result.error);
  return result.data;
}

/**
 * The handler of an HTTP function from its route declarations and one implementation per operation:
 * header names lower-cased, request context in logs, errors mapped, edge origin checked (when the
 * stack sets EDGE_ORIGIN_SECRET), bodies size-checked (413) and parsed when a route takes one, the
 * operation found by API Gateway's `routeKey`, and its parameters, query, headers and body parsed with
 * the declared schemas (400 naming the field) before the implementation runs.
 */
export function routesHandler<const Routes extends readonly RouteDeclaration[]>(
  {
    logger,
    maxBodyBytes,
    errorPage,
  }: {
    readonly logger: Logger;
    /** Needed when a route takes a body: larger ones are refused with 413. */
    readonly maxBodyBytes?: number;
    /** Errors as pages for callers that want them (a browser posting a form); JSON otherwise. */
    readonly errorPage?: ErrorPage;
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
    .use(errorResponses(logger, errorPage))
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
