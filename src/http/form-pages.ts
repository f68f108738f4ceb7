import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { FormDefinition } from '../domain/forms/definition';
import { captchaOrigins } from '../domain/forms/pages';

/**
 * A page of a form (the hosted form, a thank-you, the form again with its errors): nothing a cache
 * should keep (a render time, a visitor's answers), nothing loaded from elsewhere but the form's
 * CAPTCHA widget, framed only by the form's own sites, posting only to the API and those sites.
 */
export function formPage(statusCode: number, body: string, definition?: FormDefinition): APIGatewayProxyStructuredResultV2 {
  const widget = definition ? captchaOrigins(definition) : [];
  const origins = definition?.allowedOrigins ?? [];
  const policy = [
    "default-src 'none'",
    "style-src 'unsafe-inline'",
    `form-action 'self'${origins.map((origin) => ` ${origin}`).join('')}`,
    `frame-ancestors ${origins.length ? origins.join(' ') : "'none'"}`,
    "base-uri 'none'",
    ...(widget.length ? [`script-src ${widget.join(' ')}`, `frame-src ${widget.join(' ')}`, `connect-src ${widget.join(' ')}`] : []),
  ].join('; ');
  return {
    statusCode,
    headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'content-security-policy': policy },
    body,
  };
}
