import { TextDecoder } from 'node:util';
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { Logger } from '@aws-lambda-powertools/logger';
import { Conflict, Forbidden, InvalidInput, LeadflowError, NotFound, Unauthenticated, Unavailable } from '../domain/errors';
import { HttpError } from './errors';

type HttpMiddleware = MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>;

const bodyBytes = (event: APIGatewayProxyEventV2) =>
  event.body === undefined ? 0 : event.isBase64Encoded ? Buffer.byteLength(event.body, 'base64') : Buffer.byteLength(event.body);

/** Refuses bodies over `maxBytes` with 413 before anything parses them. */
export const limitBodySize = (maxBytes: number): HttpMiddleware => ({
  before: ({ event }) => {
    if (bodyBytes(event) > maxBytes) {
      throw new HttpError(413, `Request body is larger than ${maxBytes} bytes`);
    }
  },
});

/**
 * Parses JSON, application/x-www-form-urlencoded and multipart/form-data bodies into
 * `event.parsedBody`. Repeated form fields become arrays, as checkboxes need. Other content types get
 * 415 naming the ones accepted.
 */
export interface ParsedBodyEvent extends APIGatewayProxyEventV2 {
  parsedBody?: unknown;
}

/** The `charset` parameter of a content type, lower-cased, or undefined when there is none. */
const charsetOf = (contentType: string) => /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType)?.[1]?.toLowerCase();

/**
 * A decoder for the charset a form declares (`accept-charset` on a page in windows-1252 or
 * ISO-8859-1 makes the browser send its bytes in that charset and say so), UTF-8 when none is
 * declared. Any WHATWG encoding label works; one Node does not know is 415 naming it. UTF-16 is
 * refused too: form syntax (`&`, `=`, `--boundary`) is read byte by byte, which only holds for
 * charsets that keep ASCII as it is, and browsers never send forms in UTF-16.
 */
function formDecoder(charset: string | undefined): TextDecoder {
  try {
    const decoder = new TextDecoder(charset ?? 'utf-8');
    if (!decoder.encoding.startsWith('utf-16')) return decoder;
  } catch {
    // An unknown label, handled below.
  }
  throw new HttpError(415, `charset "${charset ?? ''}" is not supported: send the form in UTF-8 or another ASCII-compatible charset such as windows-1252`);
}

/**
 * Parses JSON or form bodies into `parsedBody`; with `optional` (for every request, or those it answers
 * true for), a request without a body passes unparsed.
 */
export const parseBody = (
  options: {
    optional?: boolean | ((event: ParsedBodyEvent) => boolean);
    /** Reads a text/plain body as JSON, for the requests it answers true for (routes taking tracking calls). */
    textAsJson?: (event: ParsedBodyEvent) => boolean;
  } = {},
): MiddlewareObj<ParsedBodyEvent, APIGatewayProxyStructuredResultV2> => ({
  before: ({ event }) => {
    // Bytes, as the client sent them: a body in a legacy charset reaches the function base64-encoded.
    const bytes = event.body === undefined ? Buffer.alloc(0) : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
    const optional = typeof options.optional === 'function' ? options.optional(event) : options.optional;
    if (optional && bytes.length === 0) return;
    const contentType = event.headers['content-type'] ?? '';
    const mediaType = contentType.split(';')[0]?.trim().toLowerCase();
    if (mediaType === 'application/json' || (mediaType === 'text/plain' && options.textAsJson?.(event))) {
      // JSON is UTF-8 (RFC 8259 defines no charset parameter, and receivers ignore one).
      try {
        event.parsedBody = JSON.parse(bytes.toString('utf8'));
      } catch {
        throw new HttpError(400, 'Request body is not valid JSON', [{ field: '(body)', message: 'is not valid JSON' }]);
      }
      return;
    }
    if (mediaType === 'application/x-www-form-urlencoded') {
      event.parsedBody = urlencodedFields(bytes, formDecoder(charsetOf(contentType)));
      return;
    }
    if (mediaType === 'multipart/form-data') {
      event.parsedBody = multipartFields(bytes, contentType);
      return;
    }
    throw new HttpError(415, 'Content-Type must be application/json, application/x-www-form-urlencoded or multipart/form-data');
  },
});

/** Percent-escapes turned into the bytes they stand for (WHATWG percent-decode: a malformed one stays as it is). */
function percentDecoded(bytes: Buffer): Buffer {
  const hex = (byte: number | undefined) => byte !== undefined && /^[0-9a-f]$/i.test(String.fromCharCode(byte));
  const out: number[] = [];
  for (let index = 0; index < bytes.length; index += 1) {
    const byte = bytes[index] ?? 0;
    if (byte === 0x25 && hex(bytes[index + 1]) && hex(bytes[index + 2])) {
      out.push(parseInt(bytes.subarray(index + 1, index + 3).toString('latin1'), 16));
      index += 2;
    } else {
      out.push(byte === 0x2b ? 0x20 : byte);
    }
  }
  return Buffer.from(out);
}

/**
 * The fields of an application/x-www-form-urlencoded body, read as bytes: escapes stand for bytes in
 * the declared charset (`%E9` is é in windows-1252), which URLSearchParams would read as UTF-8.
 * Gathered in a Map and turned into own properties: a field named `__proto__` or `constructor` stays
 * a field (refused by name later) instead of reaching Object.prototype.
 */
function urlencodedFields(bytes: Buffer, decoder: TextDecoder): Record<string, string | string[]> {
  const fields = new Map<string, string | string[]>();
  for (const pair of bytes.toString('latin1').split('&')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    const [name, value] = [equals < 0 ? pair : pair.slice(0, equals), equals < 0 ? '' : pair.slice(equals + 1)].map((part) =>
      decoder.decode(percentDecoded(Buffer.from(part, 'latin1'))),
    );
    const key = name ?? '';
    const existing = fields.get(key);
    fields.set(key, existing === undefined ? (value ?? '') : [...(Array.isArray(existing) ? existing : [existing]), value ?? '']);
  }
  return Object.fromEntries(fields);
}

/**
 * The text fields of a multipart/form-data body (RFC 7578), as a mailbox provider's one-click
 * unsubscribe or a form with `accept-charset` may send them. Each part is read in its own charset,
 * else the one of a `_charset_` field (RFC 7578 section 4.6), else the content type's, else UTF-8.
 * File parts are ignored: no route takes uploads.
 */
function multipartFields(bytes: Buffer, contentType: string): Record<string, string> {
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  if (!boundary) throw new HttpError(400, 'multipart/form-data without a boundary', [{ field: '(body)', message: 'needs a boundary' }]);
  // Latin-1 maps each byte to one character, so the body splits on its ASCII syntax with every byte kept.
  const parts: { name: string; charset: string | undefined; value: string }[] = [];
  for (const part of bytes.toString('latin1').split(`--${boundary}`).slice(1)) {
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd < 0) continue;
    const headers = part.slice(0, headerEnd);
    const disposition = /content-disposition:[^\r\n]*/i.exec(headers)?.[0] ?? '';
    const name = /\bname="([^"]*)"/i.exec(disposition)?.[1];
    if (!name || /\bfilename=/i.test(disposition)) continue;
    parts.push({ name, charset: charsetOf(/content-type:[^\r\n]*/i.exec(headers)?.[0] ?? ''), value: part.slice(headerEnd + 4).replace(/\r\n$/, '') });
  }
  const declared = parts.find((part) => part.name === '_charset_')?.value.trim().toLowerCase() ?? charsetOf(contentType);
  const fields = new Map<string, string>();
  for (const part of parts) {
    const decoder = formDecoder(part.charset ?? declared);
    fields.set(decoder.decode(Buffer.from(part.name, 'latin1')), decoder.decode(Buffer.from(part.value, 'latin1')));
  }
  return Object.fromEntries(fields);
}

const json = (statusCode: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

/** The status (and headers) each kind of error answers with: the one place errors become HTTP. */
function answerOf(error: LeadflowError): { readonly statusCode: number; readonly headers?: Record<string, string> } | undefined {
  if (error instanceof HttpError) return { statusCode: error.statusCode, ...(error.headers ? { headers: error.headers } : {}) };
  if (error instanceof InvalidInput) return { statusCode: 400 };
  if (error instanceof Unauthenticated) return { statusCode: 401, headers: { 'www-authenticate': 'Basic realm="leadflow"' } };
  if (error instanceof Forbidden) return { statusCode: 403 };
  if (error instanceof NotFound) return { statusCode: 404 };
  if (error instanceof Conflict) return { statusCode: 409 };
  if (error instanceof Unavailable) return { statusCode: 503, ...(error.retryAfterSeconds === undefined ? {} : { headers: { 'retry-after': String(error.retryAfterSeconds) } }) };
  return undefined;
}

/**
 * An error shown as a page instead of JSON, for a caller that asked for one (a browser posting a
 * form); undefined keeps the JSON answer. Given the status the error maps to.
 */
export type ErrorPage = (error: LeadflowError, statusCode: number, event: APIGatewayProxyEventV2) => APIGatewayProxyStructuredResultV2 | undefined;

/** Seconds a caller waits before repeating a request a service turned away for now. */
const BUSY_RETRY_AFTER_SECONDS = 2;

/** How errors become answers: as pages for callers that want them, and which other errors mean "busy, repeat". */
export interface ErrorAnswers {
  /** Errors as pages for callers that want them (a browser posting a form); JSON otherwise. */
  readonly errorPage?: ErrorPage | undefined;
  /**
   * The name of the refusal when an error that is no LeadflowError means a service turned the request
   * away for now (the table's or another service's throttling, after the SDK's own retries), else
   * undefined: such an error is a 503 with Retry-After, which a caller repeats, instead of a 500.
   */
  readonly unavailable?: ((error: unknown) => string | undefined) | undefined;
}

/**
 * Maps errors to responses: a LeadflowError is shown to the caller (its message and issues) with its
 * kind's status; an error `unavailable` names as a refusal is a 503 naming it (its name, never its
 * message, is logged); anything else is logged (without the request body, which holds personal
 * data) and becomes a plain 500 with no internals.
 */
export const errorResponses = (logger: Logger, { errorPage, unavailable }: ErrorAnswers = {}): HttpMiddleware => ({
  onError: (request) => {
    const refusal = request.error instanceof LeadflowError ? undefined : unavailable?.(request.error);
    if (refusal) logger.warn('A service turned the request away for now; answered 503', { refusal });
    const error = refusal ? busyError(refusal) : request.error;
    const answer = error instanceof LeadflowError ? answerOf(error) : undefined;
    if (error instanceof LeadflowError && answer) {
      const page = errorPage?.(error, answer.statusCode, request.event);
      request.response = page
        ? { ...page, headers: { ...answer.headers, ...page.headers } }
        : json(answer.statusCode, { message: error.message, ...(error.issues ? { issues: error.issues } : {}) }, answer.headers);
      return;
    }
    logger.error('Unhandled error', { error: error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : String(error) });
    request.response = json(500, { message: 'Internal Server Error' });
  },
});

/** The 503 for a refusal, named by its error name (ProvisionedThroughputExceededException says the table), never its message. */
const busyError = (refusal: string) => new Unavailable(`A service this request needs is busy (${refusal}); repeat the same request`, BUSY_RETRY_AFTER_SECONDS);

export { json };
