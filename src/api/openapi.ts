import { OpenAPIRegistry, OpenApiGeneratorV31, type ResponseConfig, type RouteConfig, type ZodMediaTypeObject } from '@asteasolutions/zod-to-openapi';
import * as z from 'zod/mini';
import { manifest } from '../../manifest/manifest';
import { isHttpFunction, type HttpFunctionSpec, type HttpMethod } from '../../manifest/types';
import type { ErrorDeclaration, ResponseDeclaration, RouteDeclaration } from '../http/routes';
import { ErrorBody } from './schemas';

/** The error answers routes share; a route's own `errors` add to them or say more. */
const sharedErrors = {
  400: 'A field is invalid; `issues` names each field at fault.',
  403: 'Missing or wrong credentials, or a signed-in role that may not call this route.',
  415: 'The Content-Type is not accepted.',
  429: 'Too many requests; retry later.',
  503: 'A service the route needs is busy (the table or another AWS service refused the call for rate or capacity): repeat the same request after `Retry-After` seconds.',
} as const;

/** A route's own 503, which every route may also answer when a service it needs is busy. */
const orBusy = (declaration: ErrorDeclaration): ErrorDeclaration => (typeof declaration === 'string' ? `${declaration} Or: ${sharedErrors[503]}` : declaration);

/**
 * zod-to-openapi is written for classic zod: it asks every schema for its metadata with `.meta()`, every
 * nullable for its inner type with `.unwrap()`, strings and numbers for their `format`, strings for
 * `minLength`/`maxLength` and records for `keyType`/`valueType`, which zod mini's schemas leave out (their metadata is in zod's global
 * registry, the rest in `def` and the bag their checks fill). Each schema the document reaches,
 * nested ones included, gets the two, so the generator reads leadflow's schemas as it reads classic ones.
 */
function forGenerator(schema: z.core.$ZodType): z.core.$ZodType {
  readableByGenerator(schema, new WeakSet());
  return schema;
}

type CheckDefinition = { check?: string; format?: string; minimum?: number; maximum?: number };

/**
 * A string's or number's format and length bounds, as classic zod's `format`, `minLength` and
 * `maxLength` give them: from the schema itself (a format such as `z.iso.datetime()` or `z.int()` is
 * its own first check) and its checks, the tightest bound winning.
 */
function checksOf(schema: z.core.$ZodType) {
  const own = schema._zod.def as CheckDefinition & { checks?: readonly { _zod: { def: CheckDefinition } }[] };
  const checks = [...('check' in own ? [own] : []), ...(own.checks ?? []).map((check) => check._zod.def)];
  let format: string | null = null;
  let minLength: number | null = null;
  let maxLength: number | null = null;
  for (const check of checks) {
    if ((check.check === 'string_format' || check.check === 'number_format') && check.format !== 'regex') format ??= check.format ?? null;
    if (check.check === 'min_length' && check.minimum !== undefined) minLength = Math.max(minLength ?? check.minimum, check.minimum);
    if (check.check === 'max_length' && check.maximum !== undefined) maxLength = Math.min(maxLength ?? check.maximum, check.maximum);
  }
  return { format, minLength, maxLength };
}

const isSchema = (value: unknown): value is z.core.$ZodType => typeof value === 'object' && value !== null && '_zod' in value;

function readableByGenerator(schema: z.core.$ZodType, seen: WeakSet<object>): void {
  if (seen.has(schema)) return;
  seen.add(schema);
  if (!('meta' in schema)) Object.defineProperty(schema, 'meta', { value: () => z.globalRegistry.get(schema) });
  if (!('unwrap' in schema)) Object.defineProperty(schema, 'unwrap', { value: () => (schema._zod.def as { innerType?: unknown }).innerType });
  const type = schema._zod.def.type;
  if (type === 'record' && !('valueType' in schema)) {
    const { keyType, valueType } = schema._zod.def as { keyType?: unknown; valueType?: unknown };
    Object.defineProperties(schema, { keyType: { value: keyType }, valueType: { value: valueType } });
  }
  if ((type === 'string' || type === 'number') && !('format' in schema)) {
    const { format, minLength, maxLength } = checksOf(schema);
    Object.defineProperties(schema, { format: { value: format }, ...(type === 'string' ? { minLength: { value: minLength }, maxLength: { value: maxLength } } : {}) });
  }
  for (const value of Object.values(schema._zod.def)) {
    const nested = Array.isArray(value) ? value : isSchema(value) ? [value] : typeof value === 'object' && value !== null ? Object.values(value) : [];
    for (const candidate of nested) if (isSchema(candidate)) readableByGenerator(candidate, seen);
  }
}

const generatorObject = (schema: z.core.$ZodType) => forGenerator(schema) as unknown as NonNullable<NonNullable<RouteConfig['request']>['params']>;

/** A schema as the generator's types name it (classic zod); at run time forGenerator made it readable. */
const generatorSchema = (schema: z.core.$ZodType) => forGenerator(schema) as unknown as NonNullable<ZodMediaTypeObject['schema']>;

const errorBody = { 'application/json': { schema: generatorSchema(ErrorBody) } };

function responseOf(declaration: ResponseDeclaration | string): ResponseConfig {
  if (typeof declaration === 'string') return { description: declaration, content: errorBody };
  const { description, schema, contentType = 'application/json' } = declaration;
  return schema ? { description, content: { [contentType]: { schema: generatorSchema(schema) } } } : { description };
}

/** A route as an OpenAPI operation: its own answers, then the errors its function's audience and body limit add. */
function operationOf(route: RouteDeclaration, fn: HttpFunctionSpec, maxBodyBytes: number): RouteConfig {
  const { params, query, headers, body } = route.request;
  const takesInput = Boolean(params ?? query ?? headers ?? body);
  const admin = fn.trigger.audience === 'admin';
  type Answer = readonly [number, ResponseConfig];
  const shared: Answer[] = [
    ...(takesInput ? [[400, responseOf(sharedErrors[400])] as Answer] : []),
    ...(admin ? [[403, { description: `${sharedErrors[403]} Open to the roles ${(route.roles ?? []).join(', ')} (and to IAM and the development token).` }] as Answer] : []),
    ...(body ? [[413, responseOf(`The body is larger than ${maxBodyBytes / 1024} KB.`)] as Answer, [415, responseOf(sharedErrors[415])] as Answer] : []),
    ...(admin ? [] : [[429, responseOf(sharedErrors[429])] as Answer]),
    // A function granted no service and no table (the document, the snippet, who-am-i) meets no refusal.
    ...(fn.access.length > 0 || fn.table ? [[503, responseOf(sharedErrors[503])] as Answer] : []),
  ];
  const own = Object.entries(route.errors ?? {}).map(([status, declaration]) => [status, responseOf(status === '503' ? orBusy(declaration) : declaration)]);
  const errors = { ...Object.fromEntries(shared), ...Object.fromEntries(own) };
  return {
    operationId: route.operationId,
    method: route.method.toLowerCase() as Lowercase<HttpMethod>,
    path: route.path,
    tags: [fn.name],
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    ...(admin ? { security: [{ adminAuth: [] }] } : {}),
    request: {
      ...(params ? { params: generatorObject(params) } : {}),
      ...(query ? { query: generatorObject(query) } : {}),
      ...(headers ? { headers: generatorObject(headers) } : {}),
      ...(body ? { body: { content: Object.fromEntries((body.contentTypes ?? ['application/json']).map((type) => [type, { schema: generatorSchema(body.schema) }])) } } : {}),
    },
    responses: {
      ...Object.fromEntries(Object.entries(route.responses).map(([status, declaration]) => [status, responseOf(declaration)])),
      ...errors,
    },
  };
}

/** The OpenAPI 3.1 document of the HTTP API, generated from the route declarations of the manifest's functions. */
export function openApiDocument() {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'adminAuth', {
    type: 'http',
    scheme: 'bearer',
    description:
      'In AWS admin routes take IAM (SigV4-signed requests, the CLI) on the main API, and Cognito tokens (`Authorization: Bearer <token>`, the console) on the console API; locally, `Authorization: Bearer <dev token>` printed by `npm start`, or a development session token. Each route says which roles of signed-in people may call it.',
  });
  for (const fn of manifest.functions.filter(isHttpFunction)) {
    for (const route of fn.trigger.routes) {
      registry.registerPath(operationOf(route, fn, fn.maxBodyBytes ?? manifest.http.maxBodyBytes));
    }
  }

  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'leadflow API',
      version: '1',
      description: 'Capture leads and engagement; read scored leads; manage scoring rulesets. Generated from the request schemas.',
    },
  });
}
