import * as z from 'zod/mini';
import { FormSubmission, SubmissionAccepted } from '../../src/api/schemas';
import { FormId } from '../../src/domain/forms/definition';
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

export const captureFormRoutes = [submitForm] as const;
