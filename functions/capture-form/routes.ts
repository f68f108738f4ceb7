import * as z from 'zod';
import { FormSubmission, SubmissionAccepted, withFormAttributes } from '../../src/api/schemas';
import { defineRoute } from '../../src/http/routes';

export const submitForm = defineRoute({
  operationId: 'submitForm',
  method: 'POST',
  path: '/v1/forms/{formId}/submissions',
  summary: 'Submit a form',
  description:
    'Creates the lead for the email or updates it, records consent for each ticked subscription and the submission as engagement. ' +
    'A retry with the same Idempotency-Key header (or idempotencyKey field) is the same submission.',
  request: {
    params: z.object({ formId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, - or _') }),
    headers: z.object({ 'idempotency-key': z.string().regex(/^[\x21-\x7e]{1,128}$/, 'must be 1-128 visible ASCII characters').optional() }),
    // Form fields named `attributes.<name>` become the submission's attributes.
    body: { schema: FormSubmission, contentTypes: ['application/json', 'application/x-www-form-urlencoded'], required: true, prepare: withFormAttributes },
  },
  responses: { 202: { description: 'Accepted and stored.', schema: SubmissionAccepted } },
  errors: { 409: 'The idempotency key was already used for a different submission of this form and address.', 503: 'Stored but not yet processed; retry the same request.' },
});

export const captureFormRoutes = [submitForm] as const;
