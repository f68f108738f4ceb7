import { randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { closeServer, listenOn } from './services';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import { routeKey, type HttpApiSettings, type HttpFunctionSpec } from '../../shared/manifest/types';
import { lambdaContext, type Invoke } from './lambda';

export interface HttpRoute {
  readonly fn: HttpFunctionSpec;
  readonly handler: Invoke<APIGatewayProxyEventV2, APIGatewayProxyResultV2>;
}

/** API Gateway's own payload limit; the functions enforce their smaller one. */
const API_GATEWAY_MAX_BODY = 10 * 1024 * 1024;
const TEXT_TYPES = /^(text\/|application\/(json|x-www-form-urlencoded|xml|.*\+json))/;

function compileRoute(path: string): { regex: RegExp; names: string[] } {
  const names: string[] = [];
  const source = path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { regex: new RegExp(`^${source}$`), names };
}

/** API Gateway stage throttling: a token bucket per route. */
function tokenBucket(ratePerSecond: number, burst: number) {
  let tokens = burst;
  let refilledAt = Date.now();
  return () => {
    const now = Date.now();
    tokens = Math.min(burst, tokens + ((now - refilledAt) / 1000) * ratePerSecond);
    refilledAt = now;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };
}

const tokensMatch = (given: string, expected: string) => {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
};

/**
 * The HTTP API on localhost, as API Gateway (HTTP API, payload 2.0) presents it to the functions:
 * routes from the manifest, CORS preflight for public routes, stage throttling, IAM stand-in for
 * admin routes (a bearer development token), 404 for unknown routes and a plain 500 when a handler throws.
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
        admit: tokenBucket(options.settings.throttleRatePerSecond, options.settings.throttleBurst),
      })),
    )
    .sort((a, b) => a.names.length - b.names.length);
  const originAllowed = (origin: string | undefined) =>
    origin !== undefined && (options.allowedOrigins.includes('*') || options.allowedOrigins.includes(origin));

  async function handle(request: IncomingMessage, response: ServerResponse) {
    const started = Date.now();
    const url = new URL(request.url ?? '/', 'http://localhost');
    const method = request.method ?? 'GET';
    const send = (status: number, headers: Record<string, string>, body: string | Buffer = '') => {
      response.writeHead(status, headers);
      response.end(body);
      options.log(`${method} ${url.pathname} ${status} ${Date.now() - started} ms`);
    };
    const message = (status: number, text: string) => send(status, { 'content-type': 'application/json' }, JSON.stringify({ message: text }));

    const candidates = table.filter((route) => route.regex.test(url.pathname));
    const origin = request.headers.origin;
    const corsHeaders: Record<string, string> =
      candidates.some((route) => route.fn.trigger.audience === 'public') && originAllowed(origin)
        ? { 'access-control-allow-origin': options.allowedOrigins.includes('*') ? '*' : (origin ?? ''), vary: 'origin' }
        : {};
    if (method === 'OPTIONS' && candidates.length) {
      send(204, {
        ...corsHeaders,
        ...(corsHeaders['access-control-allow-origin']
          ? {
              'access-control-allow-methods': [...new Set(candidates.map((route) => route.method))].join(','),
              'access-control-allow-headers': 'content-type,idempotency-key',
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
    if (!route.admit()) return message(429, 'Too Many Requests');

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
    const isText = TEXT_TYPES.test(headers['content-type'] ?? 'text/plain');
    const match = route.regex.exec(url.pathname);
    const pathParameters = Object.fromEntries(route.names.map((name, index) => [name, decodeURIComponent(match?.[index + 1] ?? '')]));
    const now = new Date();
    const key = routeKey(route);
    const event: APIGatewayProxyEventV2 = {
      version: '2.0',
      routeKey: key,
      rawPath: url.pathname,
      rawQueryString: url.search.slice(1),
      headers,
      ...(headers.cookie ? { cookies: headers.cookie.split(/;\s*/) } : {}),
      ...(url.search ? { queryStringParameters: Object.fromEntries(url.searchParams) } : {}),
      ...(route.names.length ? { pathParameters } : {}),
      ...(raw.length ? { body: isText ? raw.toString('utf8') : raw.toString('base64') } : {}),
      isBase64Encoded: raw.length > 0 && !isText,
      requestContext: {
        accountId: '000000000000',
        apiId: 'local',
        domainName: headers.host ?? 'localhost',
        domainPrefix: 'localhost',
        http: { method, path: url.pathname, protocol: `HTTP/${request.httpVersion}`, sourceIp: request.socket.remoteAddress ?? '127.0.0.1', userAgent: headers['user-agent'] ?? '' },
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
