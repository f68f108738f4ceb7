import * as z from 'zod/mini';
import { TicketsRecorded } from '../../src/api/tickets';
import { HELP_DESK_WEBHOOK_PATH } from '../../src/domain/care/tickets';
import { defineRoute } from '../../src/http/routes';

const headerValue = (description: string) => z.optional(z.string().check(z.maxLength(2048))).check(z.describe(description));

export const receiveHelpDeskTickets = defineRoute({
  operationId: 'receiveHelpDeskTickets',
  method: 'POST',
  path: HELP_DESK_WEBHOOK_PATH,
  summary: "Take the help desk's signed webhook call with tickets",
  description:
    'Connect with `PUT /v1/admin/care/help-desk`. Zendesk (signed with `X-Zendesk-Webhook-Signature`): a webhook attached to a ticket trigger, with the JSON ' +
    'body `leadflow care help-desk` prints, or a webhook subscribed to Zendesk ticket events (`zen:event-type:ticket.*`), whose requester is known by its ' +
    'Zendesk id from an earlier trigger delivery or from `PUT /v1/admin/care/help-desk/requesters`. Freshdesk: an automation rule\'s "Trigger webhook" with ' +
    '"Requires authentication" (HTTP Basic with the secret leadflow made) and either the JSON body `leadflow care help-desk freshdesk` prints (Content Advanced: ' +
    "ordered by Freshdesk's `updated_at`; older than an hour is ignored as a replay) or the fields it names (Content Simple, as JSON or form fields). Any other tool: " +
    'Standard Webhooks headers and `{ "tickets": [...] }` as the admin API takes them. ' +
    "Each ticket is kept once per customer and id, in the help desk's own order: a replay or an older update changes nothing.",
  request: {
    headers: z.object({
      'x-zendesk-webhook-signature': headerValue('Zendesk: base64 HMAC-SHA256 of the signature timestamp followed by the body.'),
      'x-zendesk-webhook-signature-timestamp': headerValue('Zendesk: the signature time (ISO 8601), within an hour of now.'),
      'webhook-id': headerValue('Standard Webhooks: the message id.'),
      'webhook-timestamp': headerValue('Standard Webhooks: Unix seconds, within 5 minutes of now.'),
      'webhook-signature': headerValue('Standard Webhooks: `v1,<base64 HMAC-SHA256 of id.timestamp.body>`.'),
      authorization: headerValue('Freshdesk: `Basic` credentials holding the help desk secret (as the password, or as the username like an API key).'),
    }),
    body: {
      schema: z.record(z.string(), z.unknown()).check(z.describe("The help desk's payload; form fields only from Freshdesk (Content Simple, Encoding X-FORM-URLENCODED).")),
      contentTypes: ['application/json', 'application/x-www-form-urlencoded'],
      required: true,
      checkedByHandler: true,
    },
  },
  responses: {
    200: { description: 'One result per ticket.', schema: TicketsRecorded },
    202: {
      description:
        'Taken and ignored: not a ticket event, a deleted ticket, a Zendesk requester no lead is known as (`unknown_lead`, saying how to map it), or a Freshdesk ' +
        'delivery whose `updated_at` is over an hour old (a replay). Nothing changed.',
      schema: z.extend(TicketsRecorded, { ignored: z.string() }),
    },
  },
  errors: {
    401: 'Not signed with the help desk secret (Freshdesk: no or wrong credentials), or signed too long ago.',
    404: 'No help desk is connected.',
    503: 'The table refused more writes part-way; the help desk retries and recorded tickets report duplicate.',
  },
});

export const receiveHelpDeskTicketsRoutes = [receiveHelpDeskTickets] as const;
