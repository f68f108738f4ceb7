import fc from 'fast-check';

/**
 * Hostile HTTP requests for one route, built from what the OpenAPI document says the route takes:
 * a plausible request (so the fuzzer reaches past the first check) with one part made hostile, or
 * something that was never a request body at all. Nothing here knows a route by name: a new public
 * route is fuzzed the moment the manifest and the OpenAPI document list it.
 */

export type JsonSchema = {
  readonly type?: string | readonly string[];
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly items?: JsonSchema;
  readonly enum?: readonly unknown[];
  readonly format?: string;
  readonly pattern?: string;
  readonly minimum?: number;
  readonly example?: unknown;
  readonly default?: unknown;
  readonly anyOf?: readonly JsonSchema[];
  readonly oneOf?: readonly JsonSchema[];
  readonly $ref?: string;
};

export interface RouteShape {
  readonly method: string;
  /** API Gateway path with `{param}` placeholders. */
  readonly path: string;
  readonly pathParameters: Readonly<Record<string, JsonSchema>>;
  readonly queryParameters: Readonly<Record<string, JsonSchema>>;
  readonly headerParameters: Readonly<Record<string, JsonSchema>>;
  /** Request body schemas by media type, as the OpenAPI document gives them. */
  readonly body: Readonly<Record<string, JsonSchema>>;
}

/** Values a harness knows to be valid for a parameter (a signed link token), so fuzzing gets past it. */
export type SeedHints = Readonly<Record<string, (route: RouteShape) => string | undefined>>;

export interface FuzzRequest {
  readonly method: string;
  /** The raw path and query, exactly as sent on the request line. */
  readonly target: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Buffer;
  /** What was made hostile, for the report of a failing case. */
  readonly note: string;
}

const PROTOTYPE_KEYS = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'prototype', 'isPrototypeOf', '__defineGetter__'];

/** Text a careless or hostile client sends where a value is expected. */
const hostileText = fc.oneof(
  fc.constantFrom(
    ...PROTOTYPE_KEYS,
    '0x10', '1e3', ' 12 ', '12abc', 'Infinity', 'NaN', '-0', '-1', '1.5', '9007199254740993', '1e400',
    'javascript:alert(1)', ' JaVaScRiPt:alert(1)', 'data:text/html,<script>alert(1)</script>', 'vbscript:msgbox(1)', '//evil.example',
    '0000-01-01T00:00:00Z', '2026-02-30T10:00:00Z', '2026-13-45T25:61:00Z', '+275760-09-13T00:00:00.001Z', '9999-12-31T23:59:59Z', '1970-01-01',
    '\u0000', 'Jane\r\nBcc: victim@example.com', '\u202eevil', '\ud800', '\uffff', '%E0%A4%A', '%zz', '<script>alert(1)</script>',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a Log4Shell probe, sent as written
    "' OR '1'='1", '../../etc/passwd', '${jndi:ldap://x}', '{{ lead.email }}', 'a'.repeat(2001), '', ' ', 'true', 'null',
    'not-an-email', 'a@b', 'jane@example.com\r\n', 'JANE@EXAMPLE.COM', 'jane@[127.0.0.1]', '"a b"@example.com',
  ),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: fc.integer({ min: 0, max: 0x1f }).map((code) => String.fromCharCode(code)), maxLength: 8 }),
);

/** Numbers at and past what JavaScript and DynamoDB hold exactly. */
const hostileNumber = fc.oneof(
  fc.constantFrom(2 ** 53, 2 ** 53 + 2, -(2 ** 53) - 2, 1e21, 1e38, 1e125, 9.99e125, 1e126, 1e308, -1e308, 5e-324, 1e-130, -0, 0.1 + 0.2, -1, 0.5),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
);

/** JSON number literals that `JSON.stringify` cannot produce but a hand-written body can. */
const RAW_NUMBERS = ['1e400', '-1e400', '123456789012345678901234567890', '-0.0', '1E+2', '0.0000000000000000000000001'] as const;
const RAW = '\u0000raw:';

const deepValue = fc.integer({ min: 20, max: 2000 }).map((depth) => {
  let value: unknown = 'x';
  for (let level = 0; level < depth; level += 1) value = level % 2 ? [value] : { a: value };
  return value;
});

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileText },
  { weight: 3, arbitrary: hostileNumber },
  { weight: 1, arbitrary: fc.constantFrom(...RAW_NUMBERS).map((literal) => `${RAW}${literal}`) },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, [], {}, [[]], ['a', 'b']) },
  { weight: 1, arbitrary: fc.dictionary(fc.constantFrom(...PROTOTYPE_KEYS, 'a', 'url'), hostileText, { maxKeys: 3 }) },
  { weight: 1, arbitrary: deepValue },
  { weight: 1, arbitrary: fc.array(hostileText, { minLength: 21, maxLength: 60 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

const hostileKey = fc.oneof(
  fc.constantFrom(...PROTOTYPE_KEYS, 'attributes.__proto__', 'attributes.constructor', 'attributes.toString', '', 'a.b', '$where', 'a'.repeat(300), 'x\u0000y', 'website'),
  fc.string({ maxLength: 20 }),
);

function resolve(schema: JsonSchema, components: Readonly<Record<string, JsonSchema>>): JsonSchema {
  if (!schema.$ref) return schema;
  const target = components[schema.$ref.replace('#/components/schemas/', '')];
  return target ? resolve(target, components) : {};
}

/** A value the schema would accept (as far as a schema alone can say), drawn with fast-check. */
export function plausibleValue(schema: JsonSchema, components: Readonly<Record<string, JsonSchema>>, hinted: (name: string) => string | undefined = () => undefined): fc.Arbitrary<unknown> {
  const resolved = resolve(schema, components);
  if (resolved.example !== undefined) return fc.constant(resolved.example);
  if (resolved.enum?.length) return fc.constantFrom(...resolved.enum);
  const alternatives = resolved.anyOf ?? resolved.oneOf;
  if (alternatives?.length) return fc.oneof(...alternatives.map((alternative) => plausibleValue(alternative, components, hinted)));
  const type = Array.isArray(resolved.type) ? resolved.type.find((candidate) => candidate !== 'null') : resolved.type;
  switch (type) {
    case 'string':
      if (resolved.format === 'email') return fc.uuid().map((id) => `fuzz-${id.slice(0, 8)}@example.com`);
      if (resolved.format === 'date-time') return fc.constant(new Date(Date.now() - 60_000).toISOString());
      if (resolved.format === 'uri') return fc.constant('https://example.com/pricing');
      if (resolved.pattern) return fc.stringMatching(new RegExp(resolved.pattern));
      return fc.string({ minLength: 1, maxLength: 12 }).filter((text) => text.trim() !== '');
    case 'integer':
      return fc.integer({ min: resolved.minimum ?? 0, max: (resolved.minimum ?? 0) + 500 });
    case 'number':
      return fc.integer({ min: 0, max: 500 });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return resolved.items ? fc.array(plausibleValue(resolved.items, components, hinted), { minLength: 1, maxLength: 2 }) : fc.constant([]);
    case 'object': {
      const properties = Object.entries(resolved.properties ?? {});
      const required = new Set(resolved.required ?? []);
      if (!properties.length) return fc.constant(resolved.default ?? {});
      // A honeypot-like optional field filled would make every request a no-op: optional fields come and go.
      return fc.record(
        Object.fromEntries(properties.map(([name, property]) => {
          const hint = hinted(name);
          return [name, hint === undefined ? plausibleValue(property, components, hinted) : fc.constant(hint)];
        })),
        { requiredKeys: [...required] },
      );
    }
    default:
      return fc.constant('x');
  }
}

type Path = readonly (string | number)[];

function pathsOf(value: unknown, prefix: Path = []): Path[] {
  if (Array.isArray(value)) return [prefix, ...value.flatMap((item, index) => pathsOf(item, [...prefix, index]))];
  if (typeof value === 'object' && value !== null) return [prefix, ...Object.entries(value).flatMap(([key, item]) => pathsOf(item, [...prefix, key]))];
  return [prefix];
}

type Mutation = { readonly kind: 'keep' | 'replace' | 'remove' | 'add-key'; readonly pick: number; readonly value: unknown; readonly key: string };

/** The seed with one place changed; built with own properties only, so a `__proto__` key stays a key. */
function mutate(seed: unknown, mutation: Mutation): { value: unknown; note: string } {
  // Some plausible requests go through as they are: stored data between refusals makes the
  // "a refusal changes nothing" check meaningful on a table that is not empty.
  if (mutation.kind === 'keep') return { value: seed, note: 'plausible as generated' };
  const paths = pathsOf(seed);
  const path = paths[mutation.pick % paths.length] ?? [];
  const apply = (node: unknown, rest: Path): unknown => {
    if (rest.length === 0) {
      if (mutation.kind === 'replace') return mutation.value;
      if (mutation.kind === 'add-key' && typeof node === 'object' && node !== null && !Array.isArray(node)) {
        return Object.fromEntries([...Object.entries(node), [mutation.key, mutation.value]]);
      }
      return node;
    }
    const [head, ...tail] = rest;
    if (Array.isArray(node)) {
      return mutation.kind === 'remove' && tail.length === 0 ? node.filter((_, index) => index !== head) : node.map((item, index) => (index === head ? apply(item, tail) : item));
    }
    if (typeof node === 'object' && node !== null) {
      const entries = Object.entries(node);
      if (mutation.kind === 'remove' && tail.length === 0) return Object.fromEntries(entries.filter(([key]) => key !== head));
      return Object.fromEntries(entries.map(([key, item]) => [key, key === head ? apply(item, tail) : item]));
    }
    return node;
  };
  const where = path.join('.') || '(body)';
  return { value: apply(seed, path), note: `${mutation.kind} ${where}${mutation.kind === 'add-key' ? ` key ${JSON.stringify(mutation.key)}` : ''}` };
}

const toJson = (value: unknown) =>
  JSON.stringify(value).replace(new RegExp(`"${RAW.replace('\u0000', '\\\\u0000')}([^"]*)"`, 'g'), (_, literal: string) => literal);

const asText = (value: unknown) => (typeof value === 'string' ? value.replace(RAW, '') : (JSON.stringify(value) ?? 'undefined'));

/** Form fields as an HTML form would send them: nested objects flattened to `a.b`, arrays repeated. */
function toFormFields(value: unknown): [string, string][] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [['value', asText(value)]];
  return Object.entries(value).flatMap(([key, item]): [string, string][] => {
    if (Array.isArray(item)) return item.map((element) => [key, asText(element)]);
    if (typeof item === 'object' && item !== null) return Object.entries(item).map(([inner, element]) => [`${key}.${inner}`, asText(element)]);
    return [[key, asText(item)]];
  });
}

const urlencoded = (fields: readonly [string, string][]) => new URLSearchParams(fields).toString();

function multipart(fields: readonly [string, string][], boundary: string): string {
  return `${fields.map(([name, value]) => `--${boundary}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`).join('')}--${boundary}--\r\n`;
}

/** Bodies no well-behaved client sends: not JSON, broken encodings, wrong framing. */
const garbageBody = fc.oneof(
  fc.constantFrom(
    '', '{', '}', 'null', '[]', '"text"', '1e400', '{"a":', '{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{"polluted":1}}}',
    'List-Unsubscribe=One-Click', 'List-Unsubscribe=%zz', '%', 'a=%E0%A4%A&b=1', '\u0000\u0001\u0002', '\ufeff{}',
  ),
  fc.string({ maxLength: 200 }),
  fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
  fc.integer({ min: 17 * 1024, max: 40 * 1024 }).map((size) => `{"email":"${'a'.repeat(size)}@example.com"}`),
);

const CONTENT_TYPES = [
  'application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=fuzz',
  'multipart/form-data', 'text/plain', 'text/plain;charset=UTF-8', 'application/xml', 'application/json; charset=utf-7', '', 'application/jsonx', '*/*',
] as const;

/** A header value Node can send: Latin-1, no CR/LF; the hostile part is what it means, not how it is framed. */
const headerSafe = (text: string) => text.replace(/[^\t\x20-\x7e\x80-\xff]/g, '?');

const hostileParameter = fc.oneof(
  hostileText.map((text) => encodeURIComponent(text.replace(/[\ud800-\udfff]/g, '?'))),
  fc.constantFrom('%E0%A4%A', '%', '%zz', '%00', '%2F..%2F', '..', '%C0%AE', 'a%', '%%', '%u0041', ...PROTOTYPE_KEYS),
);

/** Every hostile request the fuzzer may send to one route. */
export function hostileRequests(route: RouteShape, components: Readonly<Record<string, JsonSchema>>, hints: SeedHints): fc.Arbitrary<FuzzRequest> {
  const parameterSeed = (name: string, schema: JsonSchema) => {
    const hinted = hints[name]?.(route);
    return hinted !== undefined ? fc.constant(encodeURIComponent(hinted)) : plausibleValue(schema, components).map((value) => encodeURIComponent(String(value)));
  };
  const pathNames = Object.keys(route.pathParameters);
  const queryNames = Object.keys(route.queryParameters);
  const pathValues = fc.record(Object.fromEntries(pathNames.map((name) => [name, fc.oneof({ weight: 3, arbitrary: parameterSeed(name, route.pathParameters[name] ?? {}) }, { weight: 1, arbitrary: hostileParameter })])));
  const queryValues = fc.record(
    Object.fromEntries(queryNames.map((name) => [name, fc.oneof({ weight: 3, arbitrary: parameterSeed(name, route.queryParameters[name] ?? {}) }, { weight: 1, arbitrary: hostileParameter }, { weight: 1, arbitrary: fc.constant(undefined) })])),
  );
  const extraQuery = fc.oneof({ weight: 4, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.constantFrom('&__proto__=1', '&constructor=x', '&token=a&token=b', '&lang=%zz', '&%zz=1', '&a[b]=c', '&lang=constructor') });

  const mediaTypes = Object.keys(route.body);
  const seedBody = mediaTypes.length
    ? fc.constantFrom(...mediaTypes).chain((mediaType) => plausibleValue(route.body[mediaType] ?? {}, components, (name) => hints[name]?.(route)).map((value) => ({ mediaType, value })))
    : fc.constant(undefined);
  const mutation = fc.record({
    kind: fc.constantFrom('keep', 'replace', 'replace', 'replace', 'remove', 'add-key') as fc.Arbitrary<Mutation['kind']>,
    pick: fc.nat(),
    value: hostileValue,
    key: hostileKey,
  });
  const body = fc.oneof(
    { weight: 6, arbitrary: fc.tuple(seedBody, mutation, fc.constantFrom('as-declared', 'json', 'form', 'multipart')).map(([seed, change, encoding]) => {
      if (!seed) return { contentType: 'application/json', text: toJson(change.value), note: 'unexpected body' };
      const { value, note } = mutate(seed.value, change);
      const declared = encoding === 'as-declared' ? seed.mediaType : encoding === 'json' ? 'application/json' : encoding === 'form' ? 'application/x-www-form-urlencoded' : 'multipart/form-data';
      if (declared.startsWith('application/x-www-form-urlencoded')) return { contentType: 'application/x-www-form-urlencoded', text: urlencoded(toFormFields(value)), note };
      if (declared.startsWith('multipart/form-data')) return { contentType: 'multipart/form-data; boundary=fuzz', text: multipart(toFormFields(value), 'fuzz'), note };
      return { contentType: 'application/json', text: toJson(value), note };
    }) },
    { weight: 2, arbitrary: fc.tuple(garbageBody, fc.constantFrom(...CONTENT_TYPES)).map(([text, contentType]) => ({ contentType, text, note: `garbage ${contentType || '(no type)'}` })) },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
  const headers = fc.record(
    {
      'idempotency-key': fc.oneof(hostileText, fc.uuid(), fc.constant('same-key')).map(headerSafe),
      'accept-language': hostileText.map(headerSafe),
      // A browser's Accept gets pages instead of JSON: its refusals must name the field at fault too.
      accept: fc.constantFrom('application/json', '*/*', 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 'text/html;q=0.1, application/json'),
      origin: fc.constantFrom('https://example.com', 'null', 'https://evil.example'),
      'user-agent': hostileText.map(headerSafe),
    },
    { requiredKeys: [] },
  );

  return fc.record({ pathValues, queryValues, extraQuery, body, headers }).map(({ pathValues, queryValues, extraQuery, body, headers }) => {
    const path = route.path.replace(/\{(\w+)\}/g, (_, name: string) => String(pathValues[name] ?? 'x'));
    const query = Object.entries(queryValues).filter((entry): entry is [string, string] => entry[1] !== undefined).map(([name, value]) => `${name}=${value}`).join('&') + extraQuery;
    const requestHeaders: Record<string, string> = { ...headers };
    if (body?.contentType) requestHeaders['content-type'] = body.contentType;
    return {
      method: route.method,
      target: `${path}${query ? `?${query.replace(/^&/, '')}` : ''}`,
      headers: requestHeaders,
      ...(body ? { body: Buffer.from(body.text, 'utf8') } : {}),
      note: body?.note ?? 'no body',
    };
  });
}
