import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { Logger } from '@aws-lambda-powertools/logger';
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
 * Parses JSON and application/x-www-form-urlencoded bodies (a plain HTML form posting cross-origin)
 * into `event.parsedBody`. Repeated form fields become arrays, as checkboxes need. Other content types
 * get 415 naming the ones accepted.
 */
export interface ParsedBodyEvent extends APIGatewayProxyEventV2 {
  parsedBody?: unknown;
}

/** Parses JSON or form bodies into `parsedBody`; with `optional`, a request without a body passes unparsed. */
export const parseBody = (options: { optional?: boolean } = {}): MiddlewareObj<ParsedBodyEvent, APIGatewayProxyStructuredResultV2> => ({
  before: ({ event }) => {
    const raw = event.body === undefined ? '' : event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
    if (options.optional && raw === '') return;
    const mediaType = (event.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (mediaType === 'application/json') {
      try {
        event.parsedBody = JSON.parse(raw);
      } catch {
        throw new HttpError(400, 'Request body is not valid JSON', [{ field: '(body)', message: 'is not valid JSON' }]);
      }
      return;
    }
    if (mediaType === 'application/x-www-form-urlencoded') {
      // Gathered in a Map and turned into own properties: a field named `__proto__` or `constructor`
      // stays a field (refused by name later) instead of reaching Object.prototype.
      const fields = new Map<string, string | string[]>();
      for (const [key, value] of new URLSearchParams(raw)) {
        const existing = fields.get(key);
        fields.set(key, existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value]);
      }
      event.parsedBody = Object.fromEntries(fields);
      return;
    }
    if (mediaType === 'multipart/form-data') {
      event.parsedBody = multipartFields(raw, event.headers['content-type'] ?? '');
      return;
    }
    throw new HttpError(415, 'Content-Type must be application/json, application/x-www-form-urlencoded or multipart/form-data');
  },
});

/**
 * The text fields of a multipart/form-data body (RFC 7578), as a mailbox provider's one-click
 * unsubscribe may send them. File parts are ignored: no route takes uploads.
 */
function multipartFields(raw: string, contentType: string): Record<string, string> {
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  if (!boundary) throw new HttpError(400, 'multipart/form-data without a boundary', [{ field: '(body)', message: 'needs a boundary' }]);
  const fields = new Map<string, string>();
  for (const part of raw.split(`--${boundary}`).slice(1)) {
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd < 0) continue;
    const disposition = /content-disposition:[^\r\n]*/i.exec(part.slice(0, headerEnd))?.[0] ?? '';
    const name = /\bname="([^"]*)"/i.exec(disposition)?.[1];
    if (!name || /\bfilename=/i.test(disposition)) continue;
    fields.set(name, part.slice(headerEnd + 4).replace(/\r\n$/, ''));
  }
  return Object.fromEntries(fields);
}

const json = (statusCode: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

/**
 * Maps errors to responses: an HttpError is shown to the caller as it is; anything else is logged
 * (without the request body, which holds personal data) and becomes a plain 500 with no internals.
 */
export const errorResponses = (logger: Logger): HttpMiddleware => ({
  onError: (request) => {
    const { error } = request;
    if (error instanceof HttpError) {
      request.response = json(
        error.statusCode,
        { message: error.message, ...(error.issues ? { issues: error.issues } : {}) },
        error.headers,
      );
      return;
    }
    logger.error('Unhandled error', { error: error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : String(error) });
    request.response = json(500, { message: 'Internal Server Error' });
  },
});

export { json };
