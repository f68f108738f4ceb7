import { randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { CONSOLE_PATH, serveConsole } from './console';
import { closeServer, listenOn } from './services';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { routeKey, type HttpApiSettings, type HttpFunctionSpec } from '../manifest/types';
import { lambdaContext, type Invoke } from './lambda';
import { clientTokenBuckets, tokenBucket } from './token-buckets';
import { DevSessionRequest, jwtAuthorizerOf, SEEDED_USERS, signDevSession, verifyDevSession, type DevUser } from './dev-sessions';

export interface HttpRoute {
  readonly fn: HttpFunctionSpec;
  readonly handler: Invoke<APIGatewayProxyEventV2, APIGatewayProxyResultV2>;
}

/** API Gateway's own payload limit; the functions enforce their smaller one. */
const API_GATEWAY_MAX_BODY = 10 * 1024 * 1024;
const TEXT_TYPES = /^(text\/|application\/(json|x-www-form-urlencoded|xml|.*\+json))/;
/** A charset other than UTF-8 (a form from a page in windows-1252): the function gets the bytes, not text. */
const LEGACY_CHARSET = /;\s*charset\s*=\s*"?(?!utf-?8\b)[^";\s]+/i;
/** Whether API Gateway passes a body of this content type as text; anything else arrives base64-encoded. */
const isTextBody = (contentType: string) => TEXT_TYPES.test(contentType) && !LEGACY_CHARSET.test(contentType);

function compileRoute(path: string): { regex: RegExp; names: string[] } {
  const names: string[] = [];
  const source = path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { regex: new RegExp(`^${source}$`), names };
}

/** `decodeURIComponent`, or undefined for a malformed escape (`%`, `%E0%A4%A`: not hex, or not UTF-8). */
function decoded(component: string): string | undefined {
  try {
    return decodeURIComponent(component);
  } catch {
    return undefined;
  }
}

interface RequestTarget {
  /** Still percent-encoded, as API Gateway's `rawPath`. */
  readonly path: string;
  readonly rawQuery: string;
  readonly query: Readonly<Record<string, string>>;
}

/**
 * The path and query of a request line as API Gateway reads them, or undefined when they are
 * malformed: API Gateway answers 400 for a malformed percent-escape in the path or in the query
 * before any function runs (where URLSearchParams would quietly keep `%` or substitute U+FFFD).
 */
function requestTarget(target: string): RequestTarget | undefined {
  if (!target.startsWith('/')) return undefined;
  const mark = target.indexOf('?');
  const path = mark < 0 ? target : target.slice(0, mark);
  const rawQuery = mark < 0 ? '' : target.slice(mark + 1);
  if (path.split('/').some((segment) => decoded(segment) === undefined)) return undefined;
  // Payload 2.0 joins a repeated parameter's values with commas. A Map, so `__proto__` is just a name.
  const query = new Map<string, string>();
  for (const pair of rawQuery.split('&').filter(Boolean)) {
    const equals = pair.indexOf('=');
    const name = decoded((equals < 0 ? pair : pair.slice(0, equals)).replaceAll('+', ' '));
    const value = decoded((equals < 0 ? '' : pair.slice(equals + 1)).replaceAll('+', ' '));
    if (name === undefined || value === undefined) return undefined;
    const earlier = query.get(name);
    query.set(name, earlier === undefined ? value : `${earlier},${value}`);
  }
  return { path, rawQuery, query: Object.fromEntries(query) };
}

/** One client to the per-client limit: its source address, an IPv4 one the same on either socket family. */
const clientAddress = (request: IncomingMessage) => (request.socket.remoteAddress ?? '').replace(/^::ffff:/, '');

/** Per-client buckets held at most; more clients than this (a flood from many addresses) evicts the least recent. */
const MAX_TRACKED_CLIENTS = 10_000;

/** A CORS preflight answer for the console: its origin (when on this machine), the methods, the bearer token header. */
const consolePreflight = (cors: Record<string, string>, methods: readonly string[]): Record<string, string> =>
  cors['access-control-allow-origin']
    ? { ...cors, 'access-control-allow-methods': [...new Set(methods)].join(','), 'access-control-allow-headers': 'authorization,content-type', 'access-control-max-age': '3600' }
    : {};

const tokensMatch = (given: string, expected: string) => {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
};

/** Pages served from this machine (the console under `npm start`, on whatever port): they may call admin routes. */
const LOOPBACK_ORIGIN = /^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/;
const DEV_USERS_PATH = '/v1/dev/users';
const DEV_SESSIONS_PATH = '/v1/dev/sessions';
const MAX_DEV_SESSION_BODY = 1024;

/**
 * The HTTP API on localhost, as API Gateway (HTTP API, payload 2.0) presents it to the functions:
 * routes from the manifest, CORS preflight for public routes, stage throttling, IAM stand-in for
 * admin routes (a bearer development token), the console's JWT authorizer stand-in (a development
 * session token from `POST /v1/dev/sessions`, whose users `GET /v1/dev/users` lists; local only, with
 * CORS for pages on this machine), 400 for a malformed path or query, 404 for unknown
 * routes and a plain 500 when a handler throws. Public routes also limit each client (source
 * address) on top of the route's own limit: 429 with Retry-After, as the edge option's WAF rule answers.
 */
export async function startHttpApi(options: {
  port: number;
  routes: readonly HttpRoute[];
  settings: HttpApiSettings;
  allowedOrigins: readonly string[];
  devToken: string;
  /** The users development sign-in offers, read when asked (the sales users follow the stored routing); default the seeded admin and marketer. */
  developmentUsers?: () => Promise<readonly DevUser[]>;
  log: (line: string) => void;
}): Promise<{ url: string; stop(): Promise<void> }> {
  // Routes without parameters first, so `/rulesets/validate` wins over `/rulesets/{version}` as in API Gateway.
  const table = options.routes
    .flatMap((route) =>
      route.fn.trigger.routes.map((apiRoute) => ({
        ...route,
        ...apiRoute,
        ...compileRoute(apiRoute.path),
        admit: tokenBucket({ ratePerSecond: options.settings.throttleRatePerSecond, burst: options.settings.throttleBurst }),
      })),
    )
    .sort((a, b) => a.names.length - b.names.length);
  const clients = clientTokenBuckets(options.settings.perClient, { maxClients: MAX_TRACKED_CLIENTS });
  const originAllowed = (origin: string | undefined) =>
    origin !== undefined && (options.allowedOrigins.includes('*') || options.allowedOrigins.includes(origin));

  async function handle(request: IncomingMessage, response: ServerResponse) {
    const started = Date.now();
    const method = request.method ?? 'GET';
    const target = requestTarget(request.url ?? '/');
    const send = (status: number, headers: Record<string, string>, body: string | Buffer = '') => {
      response.writeHead(status, headers);
      response.end(body);
      options.log(`${method} ${target?.path ?? '(malformed path)'} ${status} ${Date.now() - started} ms`);
    };
    const message = (status: number, text: string, headers: Record<string, string> = {}) =>
      send(status, { 'content-type': 'application/json', ...headers }, JSON.stringify({ message: text }));
    if (!target) {
      request.resume();
      return message(400, 'Bad Request');
    }

    // The console beside the API, as CloudFront serves it beside the API in AWS.
    if (target.path === CONSOLE_PATH.slice(0, -1) || target.path.startsWith(CONSOLE_PATH)) {
      request.resume();
      await serveConsole(request, response, target.path);
      options.log(`${method} ${target.path} ${response.statusCode} ${Date.now() - started} ms`);
      return;
    }
    const origin = request.headers.origin;
    const consoleCors: Record<string, string> = origin && LOOPBACK_ORIGIN.test(origin) ? { 'access-control-allow-origin': origin, vary: 'origin' } : {};
    if (target.path === DEV_USERS_PATH || target.path === DEV_SESSIONS_PATH) return developmentSignIn(request, target.path, method, consoleCors, send);

    const candidates = table.filter((route) => route.regex.test(target.path));
    // A function answering CORS itself (the collector) allows any origin's preflight and sets its own
    // headers. The most specific route decides: `/v1/events` is not the collector's `/v1/{call}`.
    const corsByFunction = candidates[0]?.fn.trigger.cors === 'by-function';
    const corsHeaders: Record<string, string> =
      !corsByFunction && candidates.some((route) => route.fn.trigger.audience === 'public') && originAllowed(origin)
        ? { 'access-control-allow-origin': options.allowedOrigins.includes('*') ? '*' : (origin ?? ''), vary: 'origin' }
        : {};
    const adminRoute = candidates.length > 0 && candidates.every((route) => route.fn.trigger.audience === 'admin');
    if (method === 'OPTIONS' && adminRoute) {
      send(204, consolePreflight(consoleCors, candidates.map((route) => route.method)));
      return;
    }
    if (method === 'OPTIONS' && candidates.length) {
      const preflightOrigin = corsByFunction && origin ? origin : corsHeaders['access-control-allow-origin'];
      send(204, {
        ...(preflightOrigin
          ? {
              'access-control-allow-origin': preflightOrigin,
              vary: 'origin',
              'access-control-allow-methods': [...new Set(candidates.map((route) => route.method))].join(','),
              'access-control-allow-headers': corsByFunction ? 'content-type,authorization,x-retry-count' : 'content-type,idempotency-key',
              'access-control-max-age': '3600',
            }
          : {}),
      });
      return;
    }
    const route = candidates.find((candidate) => candidate.method === method);
    if (!route) return message(404, 'Not Found');
    let authorizer: Record<string, unknown> | undefined;
    if (route.fn.trigger.audience === 'admin') {
      authorizer = adminAuthorizer(request.headers.authorization ?? '');
      if (!authorizer) return message(403, 'Forbidden', consoleCors);
    }
    // The client's own limit first: a request it refuses takes no token from the route's bucket.
    if (route.fn.trigger.audience === 'public') {
      const client = clients.admit(clientAddress(request));
      if (!client.admitted) return message(429, 'Too Many Requests', { 'retry-after': String(client.retryAfterSeconds) });
    }
    if (!route.admit().admitted) return message(429, 'Too Many Requests');

    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of request) {
      size += (chunk as Buffer).length;
      if (size > API_GATEWAY_MAX_BODY) return message(413, 'Request Entity Too Large');
      chunks.push(chunk as Buffer);
    }
    const raw = Buffer.concat(chunks);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
    }
    const isText = isTextBody(headers['content-type'] ?? 'text/plain');
    const match = route.regex.exec(target.path);
    const pathParameters = Object.fromEntries(route.names.map((name, index) => [name, decoded(match?.[index + 1] ?? '') ?? '']));
    const now = new Date();
    const key = routeKey(route);
    const event: APIGatewayProxyEventV2 = {
      version: '2.0',
      routeKey: key,
      rawPath: target.path,
      rawQueryString: target.rawQuery,
      headers,
      ...(headers.cookie ? { cookies: headers.cookie.split(/;\s*/) } : {}),
      ...(Object.keys(target.query).length ? { queryStringParameters: target.query } : {}),
      ...(route.names.length ? { pathParameters } : {}),
      ...(raw.length ? { body: isText ? raw.toString('utf8') : raw.toString('base64') } : {}),
      isBase64Encoded: raw.length > 0 && !isText,
      requestContext: {
        accountId: '000000000000',
        apiId: 'local',
        domainName: headers.host ?? 'localhost',
        domainPrefix: 'localhost',
        http: { method, path: target.path, protocol: `HTTP/${request.httpVersion}`, sourceIp: request.socket.remoteAddress ?? '127.0.0.1', userAgent: headers['user-agent'] ?? '' },
        requestId: randomUUID(),
        routeKey: key,
        stage: '$default',
        time: now.toUTCString(),
        timeEpoch: now.getTime(),
        ...(authorizer ? { authorizer } : {}),
      },
    } as APIGatewayProxyEventV2;

    let result: APIGatewayProxyResultV2;
    try {
      result = await route.handler(event, lambdaContext(route.fn));
    } catch (error) {
      options.log(`${route.fn.name}: handler threw: ${(error as Error).stack ?? String(error)}`);
      return message(500, 'Internal Server Error');
    }
    if (typeof result === 'string' || result === undefined) {
      send(200, { 'content-type': 'application/json', ...corsHeaders }, typeof result === 'string' ? result : '');
      return;
    }
    const resultHeaders = Object.fromEntries(Object.entries(result.headers ?? {}).map(([name, value]) => [name, String(value)]));
    const body = result.body === undefined ? '' : result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body;
    if (result.cookies?.length) response.setHeader('set-cookie', result.cookies);
    send(result.statusCode ?? 200, { ...resultHeaders, ...corsHeaders, ...(route.fn.trigger.audience === 'admin' ? consoleCors : {}) }, body);
  }

  /**
   * Who an admin request comes from, as API Gateway's authorizers would say: the development token is
   * the IAM stand-in (a service, full access), a development session token the JWT authorizer's
   * (a console user with a role). Undefined: neither, refused.
   */
  function adminAuthorizer(authorization: string): Record<string, unknown> | undefined {
    if (!authorization.startsWith('Bearer ')) return undefined;
    const token = authorization.slice(7);
    if (tokensMatch(token, options.devToken)) return { iam: { accountId: '000000000000', userId: 'development-token' } };
    const user = verifyDevSession(options.devToken, token);
    return user ? jwtAuthorizerOf(user) : undefined;
  }

  /**
   * `GET /v1/dev/users` and `POST /v1/dev/sessions { user }`: development sign-in, for callers on this
   * machine only (the server answers no request addressed to another host: local/this-machine-only.ts).
   */
  async function developmentSignIn(
    request: IncomingMessage,
    path: string,
    method: string,
    cors: Record<string, string>,
    send: (status: number, headers: Record<string, string>, body?: string) => void,
  ) {
    const answer = (status: number, body: unknown) => send(status, { 'content-type': 'application/json', ...cors }, JSON.stringify(body));
    const allowed = path === DEV_USERS_PATH ? 'GET' : 'POST';
    if (method === 'OPTIONS') {
      request.resume();
      return send(204, consolePreflight(cors, [allowed]));
    }
    if (method !== allowed) {
      request.resume();
      return answer(405, { message: `${path} takes ${allowed}` });
    }
    const developmentUsers = options.developmentUsers ?? (async () => SEEDED_USERS);
    if (path === DEV_USERS_PATH) return answer(200, { users: await developmentUsers() });
    // JSON only: a page elsewhere cannot send it without a preflight, which only pages on this machine pass.
    if ((request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() !== 'application/json') {
      request.resume();
      return answer(415, { message: 'Content-Type must be application/json' });
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of request) {
      size += (chunk as Buffer).length;
      if (size > MAX_DEV_SESSION_BODY) return answer(413, { message: `Request body is larger than ${MAX_DEV_SESSION_BODY} bytes` });
      chunks.push(chunk as Buffer);
    }
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return answer(400, { message: 'Request body is not valid JSON', issues: [{ field: '(body)', message: 'is not valid JSON' }] });
    }
    const parsed = DevSessionRequest.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path.length ? issue.path.join('.') : '(body)';
      return answer(400, { message: `Invalid request: ${field} ${issue?.message ?? 'is invalid'}`, issues: [{ field, message: issue?.message ?? 'is invalid' }] });
    }
    const users = await developmentUsers();
    const user = users.find((candidate) => candidate.user === parsed.data.user);
    if (!user) {
      const message = `is not a development user; one of ${users.map((candidate) => candidate.user).join(', ')}`;
      return answer(400, { message: `Invalid request: user ${message}`, issues: [{ field: 'user', message }] });
    }
    return answer(201, signDevSession(options.devToken, user));
  }

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      options.log(`http api: ${(error as Error).message}`);
      if (!response.headersSent) {
        response.writeHead(500, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ message: 'Internal Server Error' }));
      }
    });
  });
  // Websites' forms and snippets call the public routes from their own pages; CORS says which pages read answers.
  await listenOn(server, options.port, 'any-page');
  return {
    url: `http://127.0.0.1:${options.port}`,
    stop: () => closeServer(server),
  };
}
