import * as z from 'zod/mini';
import { HtmlPage } from '../../src/api/responses';
import { FormSubmission, SubmissionAccepted } from '../../src/api/schemas';
import { FormId, HIDDEN_FIELDS } from '../../src/domain/forms/definition';
import { LANGUAGES } from '../../src/domain/subscriptions';
import { defineRoute } from '../../src/http/routes';

const FormParams = z.object({ formId: FormId });

export const submitForm = defineRoute({
  operationId: 'submitForm',
  method: 'POST',
  path: '/v1/forms/{formId}/submissions',
  summary: 'Submit a form',
  description:
    'Creates the lead for the email or updates it, records consent for each ticked subscription and the submission as engagement. ' +
    'A retry with the same Idempotency-Key header (or idempotencyKey field) is the same submission. ' +
    'A form with a definition (PUT /v1/admin/forms/{formId}) is checked against it: its required fields and checks, consent only for the boxes it offers (with the text it showed), ' +
    'fields it does not declare kept as attributes or ignored as it says (never refused), and its spam checks. ' +
    'A post whose signed render time is forged, of another form or too recent (the minimum time to submit) is answered as if accepted and dropped, as a filled honeypot is. ' +
    'A caller that prefers text/html (a browser posting the form) gets a 303 to the form\'s thank-you URL or an HTML thank-you page (200), and its errors as HTML pages naming the fields; JSON callers get JSON.',
  request: {
    params: FormParams,
    headers: z.object({ 'idempotency-key': z.optional(z.string().check(z.regex(/^[\x21-\x7e]{1,128}$/, 'must be 1-128 visible ASCII characters'))) }),
    // Checked in the handler, against the form's definition when it has one; `attributes.<name>` fields become attributes.
    body: { schema: FormSubmission, contentTypes: ['application/json', 'application/x-www-form-urlencoded', 'multipart/form-data'], required: true, checkedByHandler: true },
  },
  responses: { 202: { description: 'Accepted and stored.', schema: SubmissionAccepted } },
  errors: {
    409: 'The idempotency key was already used for a different submission of this form and address.',
    503: 'Stored but not yet processed, or the CAPTCHA provider could not be reached; retry the same request.',
  },
});

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
  description: '`<script src=".../f/{formId}/embed.js" async></script>` puts the form where the tag is and fills its hidden fields from the page (address, referrer, UTM). The form posts like any HTML form.',
  request: { params: FormParams, query: z.object({ lang: z.optional(z.enum(LANGUAGES)) }), queryCheckedByHandler: true },
  responses: { 200: { description: 'JavaScript.', schema: z.string(), contentType: 'text/javascript' } },
  errors: { 404: 'No form with this id.' },
});

export const captureFormRoutes = [submitForm, showForm, formEmbedScript] as const;
