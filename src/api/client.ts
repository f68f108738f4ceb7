import type * as z from 'zod/mini';
import type { ResponseDeclaration, RouteDeclaration, RouteOutput, RouteRequest } from '../http/routes';
import { fieldPath } from '../http/errors';
import { ErrorBody } from './schemas';

export type Fetch = typeof fetch;

/** A request as it will be sent, for an authorisation hook to sign or add credentials to. */
export interface OutgoingRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

/** Returns the headers to send: the given ones with credentials added (a bearer token, a SigV4 signature). */
export type Authorise = (request: OutgoingRequest) => Promise<Record<string, string>>;

export interface ApiClientOptions {
  /** The API's base URL: the stage URL in AWS, the local stack's URL under `npm start`. */
  readonly baseUrl: string;
  readonly fetch?: Fetch;
  /** Admin routes need one: SigV4 in AWS, the development token locally. */
  readonly authorise?: Authorise;
}

/** An answer the caller has to act on: the API's error (its message and the fields at fault), or an answer not matching its declaration. */
export class ApiError extends Error {
  constructor(
    readonly operationId: string,
    readonly status: number,
    message: string,
    readonly issues: NonNullable<ErrorBody['issues']> = [],
    /** The whole body as received, for errors that say more (a refused stage change lists the allowed ones). */
    readonly body: unknown = undefined,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The first field at fault, when the API named one. */
  get field(): string | undefined {
    return this.issues[0]?.field;
  }
}

export interface ApiResponse<Route extends RouteDeclaration> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: RouteOutput<Route>;
}

/** Adds `Authorization: Bearer <token>`, as the local stack expects of admin routes. */
export const bearerToken =
  (token: string): Authorise =>
  async (request) => ({ ...request.headers, authorization: `Bearer ${token}` });

type Parts = { params?: Readonly<Record<string, unknown>>; query?: Readonly<Record<string, unknown>>; headers?: Readonly<Record<string, unknown>>; body?: unknown };

/** The route's path with its parameters filled in, each encoded as one path segment. */
function pathOf(route: RouteDeclaration, params: Parts['params'] = {}): string {
  return route.path.replace(/\{([^}]+)\}/g, (_placeholder, name: string) => {
    const value = params[name];
    if (value === undefined) throw new TypeError(`${route.operationId} needs the path parameter ${name}`);
    return encodeURIComponent(String(value));
  });
}

function encodedBody(route: RouteDeclaration, body: unknown): { contentType: string; payload: string } | undefined {
  if (body === undefined || !route.request.body) return undefined;
  const contentType = route.request.body.contentTypes?.[0] ?? 'application/json';
  if (contentType === 'application/json') return { contentType, payload: JSON.stringify(body) };
  const form = new URLSearchParams();
  for (const [name, value] of Object.entries(body as Record<string, unknown>)) {
    for (const item of Array.isArray(value) ? value : [value]) if (item !== undefined) form.append(name, String(item));
  }
  return { contentType: 'application/x-www-form-urlencoded', payload: form.toString() };
}

const defined = (values: Parts['query'] = {}) =>
  Object.entries(values).flatMap(([name, value]) => (value === undefined ? [] : [[name, String(value)] as const]));

function issuesOf(error: z.core.$ZodError) {
  return error.issues.map((issue) => ({ field: fieldPath(issue.path) || '(body)', message: issue.message }));
}

/**
 * A client of the HTTP API derived from its route declarations: `call(createCampaign, { body })` builds
 * the request from the declaration (path parameters, query, headers, body), has it authorised, and
 * reads the answer with the declared schema of its status, so the result has the declared type. An
 * error answer becomes an ApiError with the API's message and the fields it names.
 */
export function apiClient(options: ApiClientOptions) {
  const fetchImpl = options.fetch ?? fetch;

  async function send<Route extends RouteDeclaration>(route: Route, request: RouteRequest<Route>): Promise<ApiResponse<Route>> {
    const parts = request as Parts;
    const url = new URL(pathOf(route, parts.params), options.baseUrl);
    for (const [name, value] of defined(parts.query)) url.searchParams.append(name, value);
    const body = encodedBody(route, parts.body);
    const headers: Record<string, string> = {
      accept: 'application/json',
      ...Object.fromEntries(defined(parts.headers)),
      ...(body ? { 'content-type': body.contentType } : {}),
    };
    const outgoing: OutgoingRequest = { method: route.method, url, headers, ...(body ? { body: body.payload } : {}) };
    const authorised = options.authorise ? await options.authorise(outgoing) : headers;
    const response = await fetchImpl(url, { method: route.method, headers: authorised, ...(body ? { body: body.payload } : {}) });
    const text = await response.text();
    const declared: ResponseDeclaration | undefined = route.responses[response.status as keyof Route['responses']];
    if (!response.ok || !declared) throw errorOf(route, response.status, text);
    return { status: response.status, headers: response.headers, body: readBody(route, response.status, declared, text) as RouteOutput<Route> };
  }

  return {
    /** The answer's body, read with the route's declared schema. */
    call: async <Route extends RouteDeclaration>(route: Route, request: RouteRequest<Route>): Promise<RouteOutput<Route>> => (await send(route, request)).body,
    /** The whole answer: status, headers (a download's file name) and body. */
    send,
  };
}

export type ApiClient = ReturnType<typeof apiClient>;

function readBody(route: RouteDeclaration, status: number, declared: ResponseDeclaration, text: string): unknown {
  if (!declared.schema) return undefined;
  if ((declared.contentType ?? 'application/json') !== 'application/json') return declared.schema.parse(text);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ApiError(route.operationId, status, `${route.operationId} answered ${status} with a body that is not JSON`);
  }
  const parsed = declared.schema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issues = issuesOf(parsed.error);
  throw new ApiError(route.operationId, status, `${route.operationId} answered ${status} with a body its declaration does not allow: ${issues[0]?.field} ${issues[0]?.message}`, issues, json);
}

/** An error answer as an ApiError: the API's message and issues when it sent an error body, else the status and text. */
function errorOf(route: RouteDeclaration, status: number, text: string): ApiError {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return new ApiError(route.operationId, status, `${route.operationId} answered ${status}${text ? `: ${text.slice(0, 200)}` : ''}`, [], text);
  }
  const error = ErrorBody.safeParse(json);
  if (!error.success) return new ApiError(route.operationId, status, `${route.operationId} answered ${status}`, [], json);
  return new ApiError(route.operationId, status, error.data.message, error.data.issues, json);
}
