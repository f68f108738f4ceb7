import { randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { CONSOLE_PATH, serveConsole } from './console';
import { closeServer, listenOn } from './services';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { routeKey, type HttpApiSettings, type HttpFunctionSpec } from '../manifest/types';
import { lambdaContext, type Invoke } from './lambda';
import { clientTokenBuckets, tokenBucket } from './token-buckets';

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

const tokensMatch = (given: string, expected: string) => {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
};

/**
 * The HTTP API on localhost, as API Gateway (HTTP API, payload 2.0) presents it to the functions:
 * routes from the manifest, CORS preflight for public routes, stage throttling, IAM stand-in for
 * admin routes (a bearer development token), 400 for a malformed path or query, 404 for unknown
 * routes and a plain 500 when a handler throws. Public routes also limit each client (source
 * address) on top of the route's own limit: 429 with Retry-After, as the edge option's WAF rule answers.
 */
export async function startHttpApi(options: {
  port: number;
  routes: readonly HttpRoute[];
  settings: HttpApiSettings;
  allowedOrigins: readonly string[];
  devToken: string;
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

    const candidates = table.filter((route) => route.regex.test(target.path));
    const origin = request.headers.origin;
    // A function answering CORS itself (the collector) allows any origin's preflight and sets its own
    // headers. The most specific route decides: `/v1/events` is not the collector's `/v1/{call}`.
    const corsByFunction = candidates[0]?.fn.trigger.cors === 'by-function';
    const corsHeaders: Record<string, string> =
      !corsByFunction && candidates.some((route) => route.fn.trigger.audience === 'public') && originAllowed(origin)
        ? { 'access-control-allow-origin': options.allowedOrigins.includes('*') ? '*' : (origin ?? ''), vary: 'origin' }
        : {};
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
    if (route.fn.trigger.audience === 'admin') {
      const authorization = request.headers.authorization ?? '';
      if (!authorization.startsWith('Bearer ') || !tokensMatch(authorization.slice(7), options.devToken)) return message(403, 'Forbidden');
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
      },
    };

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
    send(result.statusCode ?? 200, { ...resultHeaders, ...corsHeaders }, body);
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
  await listenOn(server, options.port);
  return {
    url: `http://127.0.0.1:${options.port}`,
    stop: () => closeServer(server),
  };
}
