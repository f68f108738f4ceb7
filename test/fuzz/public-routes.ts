import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { type DynamoDBClient, paginateScan } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { onRunDynamoDb } from '../run-dynamodb';
import { openApiDocument } from '../../src/api/openapi';
import { signToken, type TokenPurpose } from '../../src/domain/consent/signed-token';
import { manifest } from '../../manifest/manifest';
import { isHttpFunction, type HttpFunctionSpec, type HttpTrigger, type Manifest } from '../../manifest/types';
import { hostileRequests, type FuzzRequest, type JsonSchema, type RouteShape, type SeedHints } from './hostile-requests';

/**
 * The hostile-input fuzzer: every public route of the manifest, on the local stack, with requests
 * from `hostileRequests`. What must hold for every request: no 5xx; a refusal says what is wrong (a
 * JSON 4xx names the field or the body in `issues`, a page is a whole HTML page); and a refused
 * request leaves the table exactly as it was.
 */

export interface RouteReport {
  readonly route: string;
  readonly inputs: number;
  readonly statuses: Readonly<Record<number, number>>;
  /** Refused requests after which the table had changed: must be 0. */
  readonly storeChanges: number;
  readonly failures: readonly string[];
}

type OpenApiOperation = {
  parameters?: { name: string; in: string; schema: JsonSchema }[];
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
};

/** Every public route of the manifest, with what its OpenAPI operation says it takes. */
export function publicRoutes(from: Manifest = manifest): RouteShape[] {
  return routesOf(from, (fn, _route) => fn.trigger.audience === 'public');
}

/**
 * Admin routes fuzzed too, signed in (the dev token): the list sorted by score and the score band
 * backfill, whose cursors and filters are input a caller shapes.
 */
export const FUZZED_ADMIN_ROUTES = ['GET /v1/admin/leads', 'POST /v1/admin/score-bands/backfill'];

export function fuzzedAdminRoutes(from: Manifest = manifest, every = false): RouteShape[] {
  return routesOf(from, (fn, route) => fn.trigger.audience === 'admin' && (every || FUZZED_ADMIN_ROUTES.includes(`${route.method} ${route.path}`)));
}

function routesOf(from: Manifest, chosen: (fn: HttpFunctionSpec, route: HttpTrigger['routes'][number]) => boolean): RouteShape[] {
  const document = openApiDocument() as unknown as { paths: Record<string, Record<string, OpenApiOperation>> };
  return from.functions.filter(isHttpFunction).flatMap((fn) =>
    fn.trigger.routes.filter((route) => chosen(fn, route)).map((route) => {
      const operation = document.paths[route.path]?.[route.method.toLowerCase()] ?? {};
      const parameters = (place: string) => Object.fromEntries((operation.parameters ?? []).filter((parameter) => parameter.in === place).map((parameter) => [parameter.name, parameter.schema]));
      const pathNames = [...route.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1] ?? '');
      const declaredPath = parameters('path');
      return {
        method: route.method,
        path: route.path,
        pathParameters: Object.fromEntries(pathNames.map((name) => [name, declaredPath[name] ?? { type: 'string' }])),
        queryParameters: parameters('query'),
        headerParameters: parameters('header'),
        body: Object.fromEntries(Object.entries(operation.requestBody?.content ?? {}).map(([mediaType, content]) => [mediaType, content.schema])),
      };
    }),
  );
}

export const components = () => (openApiDocument() as unknown as { components: { schemas: Record<string, JsonSchema> } }).components.schemas;

const UNTHROTTLED = 1_000_000;

/**
 * The local stack with only the HTTP functions (no consumer writes behind the fuzzer's back) and no
 * throttling: a 429 would stop an input before it reaches the function under test.
 */
export async function startFuzzStack(): Promise<LocalStack> {
  return startLocalStack(await onRunDynamoDb({
    manifest: {
      ...manifest,
      http: { ...manifest.http, throttleRatePerSecond: UNTHROTTLED, throttleBurst: UNTHROTTLED },
      functions: manifest.functions.filter(isHttpFunction),
    },
    perClientLimit: { ratePerSecond: UNTHROTTLED, burst: UNTHROTTLED },
    log: () => undefined,
  }));
}

/** The form id whose definition `linkHints` stores: hosted pages render it, and its submissions are checked against it. */
export const FUZZ_FORM_ID = 'fuzz';

/** A form with everything a definition checks; fuzzed posts carry no render time (so are read) or a forged one (so are dropped). */
const FUZZ_FORM = {
  title: { en: 'Fuzz', id: 'Fuzz' },
  fields: [
    { name: 'email', type: 'email', label: { en: 'Email', id: 'Email' }, required: true },
    { name: 'firstName', type: 'text', label: { en: 'First name', id: 'Nama depan' }, validation: { maxLength: 50 } },
    { name: 'attributes.plan', type: 'select', label: { en: 'Plan', id: 'Paket' }, options: [{ value: 'pro', label: { en: 'Pro', id: 'Pro' } }] },
  ],
  consents: [
    { subscription: 'newsletter', text: { en: 'Newsletter', id: 'Buletin' } },
    { subscription: 'events', text: { en: 'Events', id: 'Acara' } },
  ],
  hidden: ['utm_source', 'pageUrl'],
  success: { kind: 'message', message: { en: 'Thanks', id: 'Terima kasih' } },
  unknownFields: 'keep',
  spam: { minSecondsToSubmit: 3 },
};

/**
 * Signed links for a real lead, so the fuzzer gets past the signature to what lies behind it; a stored
 * form definition, so the hosted page and embed script render a form rather than their 404; a chat
 * source, so chat webhook calls reach its signature check rather than a 404; and a source's write key,
 * so collector calls get past the key to what lies behind it.
 */
export async function linkHints(stack: LocalStack): Promise<SeedHints> {
  const saved = await fetch(`${stack.apiUrl}/v1/admin/forms/${FUZZ_FORM_ID}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${stack.devToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(FUZZ_FORM),
  });
  if (saved.status !== 200) throw new Error(`Storing the fuzz form answered ${saved.status}: ${await saved.text()}`);
  const chatSource = await fetch(`${stack.apiUrl}/v1/admin/chat-sources`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.devToken}` },
    body: JSON.stringify({ id: 'fuzz-chat', kind: 'generic', mapping: { conversationId: 'conversation.id', messageText: 'text' } }),
  });
  if (chatSource.status !== 201) throw new Error(`Adding the fuzz chat source answered ${chatSource.status}`);
  const response = await fetch(`${stack.apiUrl}/v1/forms/fuzz/submissions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'fuzz-seed@example.com', firstName: 'Seed', consent: ['newsletter', 'events'] }),
  });
  const { leadId } = (await response.json()) as { leadId: string };
  // A write key for the collector's routes, bound to one of the origins the fuzzer sends.
  const source = await fetch(`${stack.apiUrl}/v1/admin/sources`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.devToken}` },
    body: JSON.stringify({ name: 'fuzz', origins: ['https://example.com'] }),
  });
  const { writeKey } = (await source.json()) as { writeKey: string };
  const purposes: Record<string, TokenPurpose> = { '/v1/unsubscribe': 'unsubscribe', '/v1/preferences': 'preferences', '/v1/subscriptions/confirm': 'confirmation' };
  return {
    formId: (route) => (route.path.startsWith('/f/') ? FUZZ_FORM_ID : undefined),
    sourceId: (route) => (route.path === '/v1/chat/{sourceId}' ? 'fuzz-chat' : undefined),
    writeKey: () => writeKey,
    token: (route) => {
      const purpose = purposes[route.path];
      return purpose ? signToken(stack.signingKeys, purpose, { leadId, subscription: 'newsletter', expiresAt: Math.floor(Date.now() / 1000) + 3600 }) : undefined;
    },
  };
}

/** A digest of every item in the table: equal digests, same table. */
export async function tableDigest(stack: LocalStack, client: DynamoDBClient): Promise<string> {
  const hash = createHash('sha256');
  const items: string[] = [];
  for await (const page of paginateScan({ client }, { TableName: stack.settings.tableName, ConsistentRead: true })) {
    for (const item of page.Items ?? []) items.push(JSON.stringify(Object.entries(item).sort(([a], [b]) => a.localeCompare(b))));
  }
  for (const item of items.sort()) hash.update(item);
  return hash.digest('hex');
}

export interface Answer {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

/** Sends the request exactly as built: the raw target on the request line, the raw body bytes. */
export function send(apiUrl: string, fuzz: FuzzRequest): Promise<Answer> {
  const url = new URL(apiUrl);
  return new Promise((resolve, reject) => {
    const outgoing = request(
      // A connection per request: a kept-alive socket the server closes as the next request leaves
      // would read as a reset that says nothing about the input.
      { host: url.hostname, port: url.port, method: fuzz.method, path: fuzz.target, agent: false, headers: { ...fuzz.headers, ...(fuzz.body ? { 'content-length': String(fuzz.body.length) } : {}) } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, contentType: String(response.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(fuzz.body);
  });
}

/** Default zod texts say nothing a caller can act on. */
const VAGUE = /^(Invalid input|Invalid request|Required|Invalid)$/i;

/** Why an answer breaks the promise, or undefined when it keeps it. */
export function answerProblem(answer: Answer): string | undefined {
  if (answer.status >= 500) return `answered ${answer.status}`;
  if (answer.status < 400) return undefined;
  if (answer.contentType.startsWith('text/html')) return /<html[\s>][\s\S]*<title>[^<]+<\/title>[\s\S]*<\/html>/i.test(answer.body) ? undefined : 'a refusal page that is not a whole HTML page';
  let parsed: { message?: unknown; issues?: { field?: unknown; message?: unknown }[] };
  try {
    parsed = JSON.parse(answer.body) as typeof parsed;
  } catch {
    return `a ${answer.status} whose body is neither JSON nor a page`;
  }
  if (typeof parsed.message !== 'string' || parsed.message.trim() === '') return `a ${answer.status} without a message`;
  // API Gateway's own refusals (no route, malformed path, too large, throttled) carry only a message.
  if (answer.status !== 400 && answer.status !== 409 && answer.status !== 422) return undefined;
  if (parsed.message === 'Bad Request') return undefined;
  const issues = parsed.issues ?? [];
  if (!issues.length) return `a ${answer.status} that names no field: ${parsed.message}`;
  const vague = issues.find((issue) => typeof issue.field !== 'string' || issue.field === '' || typeof issue.message !== 'string' || VAGUE.test(issue.message.trim()));
  return vague ? `a vague issue: ${JSON.stringify(vague)}` : undefined;
}

/**
 * What the fuzzer runs: every public route with the seed hints, the submission route once more
 * aimed at the stored form, whose definition reshapes what a post may carry, and the admin routes
 * above (every admin route with `everyAdminRoute`), signed in.
 */
export function fuzzTargets(hints: SeedHints, everyAdminRoute = false): { readonly label: string; readonly route: RouteShape; readonly hints: SeedHints; readonly admin?: boolean }[] {
  const routes = publicRoutes();
  const submissions = routes.find((route) => route.method === 'POST' && route.path === '/v1/forms/{formId}/submissions');
  return [
    ...routes.map((route) => ({ label: `${route.method} ${route.path}`, route, hints })),
    ...(submissions ? [{ label: `POST /v1/forms/${FUZZ_FORM_ID}/submissions (defined form)`, route: submissions, hints: { ...hints, formId: () => FUZZ_FORM_ID } }] : []),
    ...fuzzedAdminRoutes(manifest, everyAdminRoute).map((route) => ({ label: `${route.method} ${route.path} (admin)`, route, hints, admin: true })),
  ];
}

/**
 * Fuzzes one route with `runs` requests, each checked as it comes back; every broken promise is
 * listed with the exact request, so it can be replayed by hand. `seed` repeats a run.
 */
export async function fuzzRoute(stack: LocalStack, client: DynamoDBClient, route: RouteShape, hints: SeedHints, runs: number, seed?: number, label = `${route.method} ${route.path}`, admin = false): Promise<RouteReport> {
  const statuses: Record<number, number> = {};
  const failures: string[] = [];
  let storeChanges = 0;
  let before = await tableDigest(stack, client);
  for (const hostile of fc.sample(hostileRequests(route, components(), hints), { numRuns: runs, ...(seed === undefined ? {} : { seed }) })) {
    const fuzz = admin ? { ...hostile, headers: { ...hostile.headers, authorization: `Bearer ${stack.devToken}` } } : hostile;
    // A dropped connection is no answer at all: as broken a promise as a 5xx (tried twice, so a reset
    // of the machine's own loopback is not blamed on the input).
    const answer = await send(stack.apiUrl, fuzz)
      .catch(() => send(stack.apiUrl, fuzz))
      .catch((error: unknown): Answer => ({ status: 599, contentType: '', body: `no answer: ${String(error)}` }));
    statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
    const after = await tableDigest(stack, client);
    const changed = answer.status >= 400 && after !== before;
    if (changed) storeChanges += 1;
    before = after;
    const problem = answerProblem(answer) ?? (changed ? `a ${answer.status} changed the table` : undefined);
    if (problem) failures.push(`${problem} — ${fuzz.method} ${fuzz.target.slice(0, 200)} (${fuzz.note}; content-type ${fuzz.headers['content-type'] ?? 'none'}) -> ${answer.body.slice(0, 300)}`);
  }
  return { route: label, inputs: runs, statuses, storeChanges, failures };
}
