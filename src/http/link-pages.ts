import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { languageFor } from '../domain/consent/pages';
import type { Language } from '../domain/subscriptions';
import type { ParsedBodyEvent } from './middleware';

/**
 * The pages reached from signed email links (preference centre, survey answers) carry a token in their
 * URL: no caching, no referrer leaking it, nothing loaded from elsewhere.
 */
export const linkPage = (statusCode: number, body: string): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
  },
  body,
});

/** The fields of a posted form (or JSON body); none when there is no body. */
export const formFields = (event: ParsedBodyEvent): Record<string, unknown> =>
  typeof event.parsedBody === 'object' && event.parsedBody !== null ? (event.parsedBody as Record<string, unknown>) : {};

export const text = (value: unknown) => (typeof value === 'string' ? value : undefined);

/** The page's language: the form's or the link's `lang`, else the browser's. */
export const pageLanguage = (event: ParsedBodyEvent): Language =>
  languageFor(text(formFields(event).lang) ?? event.queryStringParameters?.lang, event.headers['accept-language']);
