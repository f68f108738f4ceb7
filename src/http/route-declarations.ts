import type * as z from 'zod/mini';
import type { HttpMethod } from '../../manifest/types';
import type { Caller, Role } from '../domain/roles';

/**
 * Route declarations and the types read from them, apart from the Lambda plumbing in routes.ts, so
 * that code outside Lambda (the console in the browser) can import the declarations without it.
 */

/** `text/plain` is read as JSON: tracking snippets send JSON as text/plain so browsers need no CORS preflight. */
export type BodyContentType = 'application/json' | 'application/x-www-form-urlencoded' | 'multipart/form-data' | 'text/plain';

/** What a route accepts as its body. */
export interface BodyDeclaration {
  readonly schema: z.ZodMiniType;
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
  readonly schema?: z.ZodMiniType;
  /** Default `application/json`. */
  readonly contentType?: 'application/json' | 'text/html' | 'text/javascript';
}

/** An error answer: its description (the body is the shared `Error` schema), or a body of its own. */
export type ErrorDeclaration = string | ResponseDeclaration;

type ObjectSchema = z.ZodMiniObject;

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
   * 413 and 415 for bodies, 403 on admin routes, 429 on public ones, 503 when a service it needs is
   * busy) come from the shared table; a route's own 503 says what else it answers 503 for.
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

type Output<Schema> = Schema extends z.ZodMiniType ? z.output<Schema> : undefined;
type Input<Schema> = Schema extends z.ZodMiniType ? z.input<Schema> : undefined;
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
