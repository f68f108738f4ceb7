import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getRouting, manageRoutingRoutes, replaceRouting } from '../../functions/manage-routing/routes';
import { deleteWebhook, listWebhooks, manageWebhooksRoutes } from '../../functions/manage-webhooks/routes';
import { ApiError, apiClient, bearerToken, type Fetch } from '../../src/api/client';
import type { RouteDeclaration } from '../../src/http/routes';
import { context, httpEvent, setHandlerEnvironment } from './fixtures';
import { TableFake } from './table-fake';

setHandlerEnvironment();
const dynamo = mockClient(DynamoDBDocumentClient);
type Handler = (event: APIGatewayProxyEventV2, context: typeof import('./fixtures').context) => Promise<APIGatewayProxyStructuredResultV2>;
let functions: { routes: readonly RouteDeclaration[]; handler: Handler }[];

beforeAll(async () => {
  functions = [
    { routes: manageRoutingRoutes, handler: (await import('../../functions/manage-routing/handler')).handler },
    { routes: manageWebhooksRoutes, handler: (await import('../../functions/manage-webhooks/handler')).manageWebhooks({ resolve: async () => [] }) },
  ];
});

beforeEach(() => {
  dynamo.reset();
  new TableFake().attach(dynamo);
});

/** The pattern of a route's path, its `{param}` placeholders capturing one segment each. */
const matcher = (path: string) => new RegExp(`^${path.replace(/\{([^}]+)\}/g, '(?<$1>[^/]+)')}$`);

/** A fetch that hands each request to the function serving its route, as API Gateway would, and records what it sent. */
function inProcessFetch(sent: Request[]): Fetch {
  return async (input, init) => {
    const request = new Request(input, init);
    sent.push(request.clone());
    const url = new URL(request.url);
    for (const { routes, handler } of functions) {
      for (const route of routes) {
        const match = route.method === request.method ? matcher(route.path).exec(url.pathname) : null;
        if (!match) continue;
        const body = await request.text();
        const event = httpEvent({
          method: request.method,
          path: url.pathname,
          route: route.path,
          pathParameters: { ...match.groups },
          headers: Object.fromEntries(request.headers),
          ...(body ? { body } : {}),
        });
        const result = await handler({ ...event, queryStringParameters: Object.fromEntries(url.searchParams) }, context);
        return new Response(result.statusCode === 204 ? null : (result.body ?? null), { status: result.statusCode ?? 200, headers: result.headers as Record<string, string> });
      }
    }
    return new Response(JSON.stringify({ message: 'Not Found' }), { status: 404 });
  };
}

const routing = {
  teams: [{ id: 'apac', name: 'APAC', inbox: 'apac@example.com', reps: [{ id: 'ana', name: 'Ana', email: 'ana@example.com', capacity: 10 }] }],
  rules: [{ when: { lead: { country: ['ID'] } }, team: 'apac' }],
  defaultTeam: 'apac',
};

describe('the API client', () => {
  it('sends a body as its declaration says, authorised, and reads the answer with the declared schema', async () => {
    const sent: Request[] = [];
    const client = apiClient({ baseUrl: 'https://api.example.com/', fetch: inProcessFetch(sent), authorise: bearerToken('dev-token') });
    const saved = await client.call(replaceRouting, { body: routing });
    expect(saved).toMatchObject({ ...routing, version: 1 });
    const read = await client.call(getRouting, {});
    expect(read.version).toBe(1);
    expect(read.teams[0]?.reps[0]?.capacity).toBe(10);
    expect(sent.map((request) => [request.method, new URL(request.url).pathname, request.headers.get('authorization')])).toEqual([
      ['PUT', '/v1/admin/routing', 'Bearer dev-token'],
      ['GET', '/v1/admin/routing', 'Bearer dev-token'],
    ]);
    expect(sent[0]?.headers.get('content-type')).toBe('application/json');
    expect(await client.call(listWebhooks, {})).toEqual({ items: [] });
  });

  it('turns an error answer into an ApiError naming the field at fault', async () => {
    const client = apiClient({ baseUrl: 'https://api.example.com', fetch: inProcessFetch([]) });
    const invalid = await client.call(replaceRouting, { body: { ...routing, rules: [{ when: { lead: { country: ['ID'] } }, team: 'emea' }] } }).catch((error: unknown) => error);
    expect(invalid).toBeInstanceOf(ApiError);
    expect(invalid).toMatchObject({ operationId: 'replaceRouting', status: 400, field: 'rules[0].team' });
    const badId = await client.call(deleteWebhook, { params: { webhookId: 'not-a-uuid' } }).catch((error: unknown) => error);
    expect(badId).toMatchObject({ status: 400, field: 'webhookId', message: 'Invalid request: webhookId must be a webhook id (UUID)' });
    const missing = await client.call(getRouting, {}).catch((error: unknown) => error);
    expect(missing).toMatchObject({ status: 404, message: 'No routing configured: MQL alerts go to the sales inbox' });
  });

  it('refuses an answer its declaration does not allow, naming the field', async () => {
    const lying: Fetch = async () => new Response(JSON.stringify({ items: [{ id: 'x' }] }), { status: 200 });
    const error = await apiClient({ baseUrl: 'https://api.example.com', fetch: lying }).call(listWebhooks, {}).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).field).toBe('items[0].id');
  });
});
