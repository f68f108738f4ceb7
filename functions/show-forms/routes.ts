import * as z from 'zod/mini';
import { HtmlPage } from '../../src/api/responses';
import { FormId, HIDDEN_FIELDS } from '../../src/domain/forms/definition';
import { LANGUAGES } from '../../src/domain/subscriptions';
import { defineRoute } from '../../src/http/routes';

const FormParams = z.object({ formId: FormId });

const htmlPage = (description: string) => ({ description, schema: HtmlPage, contentType: 'text/html' }) as const;

export const showForm = defineRoute({
  operationId: 'showForm',
  method: 'GET',
  path: '/f/{formId}',
  summary: 'Hosted form page',
  description: 'The form as a plain HTML page that works without JavaScript, in English or Indonesian (`lang`, else the browser\'s language). UTM parameters in the query fill the form\'s hidden fields.',
  request: {
    params: FormParams,
    query: z.object({ lang: z.optional(z.enum(LANGUAGES)), ...Object.fromEntries(HIDDEN_FIELDS.map((name) => [name, z.optional(z.string())])) }),
    queryCheckedByHandler: true,
  },
  responses: { 200: htmlPage('The form page.') },
  errors: { 404: htmlPage('No form with this id: a page saying so.') },
});

export const formEmbedScript = defineRoute({
  operationId: 'formEmbedScript',
  method: 'GET',
  path: '/f/{formId}/embed.js',
  summary: 'Script that embeds the form in any page',
  description: '`<script src=".../f/{formId}/embed.js" async></script>` puts the form where the tag is and fills its hidden fields from the page (address, referrer, UTM). It sends the form in place (the form\'s message or its thank-you URL, errors beside their fields), falling back to a plain HTML post with the same idempotency key when the page may not read the API\'s answer.',
  request: { params: FormParams, query: z.object({ lang: z.optional(z.enum(LANGUAGES)) }), queryCheckedByHandler: true },
  responses: { 200: { description: 'JavaScript.', schema: z.string(), contentType: 'text/javascript' } },
  errors: { 404: 'No form with this id.' },
});

export const showFormsRoutes = [showForm, formEmbedScript] as const;
