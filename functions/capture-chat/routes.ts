import * as z from 'zod/mini';
import { ChatSourceId } from '../../src/domain/chat/sources';
import { defineRoute } from '../../src/http/routes';

const headerValue = (description: string) => z.optional(z.string().check(z.maxLength(2048))).check(z.describe(description));

const ChatTaken = z
  .object({
    status: z.enum(['accepted', 'ignored']),
    reason: z.optional(z.string()).check(z.describe('Why nothing was recorded, for an ignored delivery.')),
    events: z.optional(z.array(z.object({ id: z.string(), status: z.enum(['accepted', 'duplicate']) }))),
    identified: z.optional(z.boolean()).check(z.describe('Whether an email left in the chat identified the lead.')),
    leadId: z.optional(z.string()).check(z.describe('The lead of the email left in the chat.')),
  }).check(z.meta({ id: 'ChatTaken' }));

export const captureChat = defineRoute({
  operationId: 'captureChat',
  method: 'POST',
  path: '/v1/chat/{sourceId}',
  summary: "Take a chat tool's signed webhook call",
  description:
    'The webhook URL a chat tool posts conversations to, one per chat source (see `leadflow chat-sources`). The call must be signed the way its source ' +
    'kind is: Intercom `X-Hub-Signature`, tawk.to `X-Tawk-Signature`, or Standard Webhooks headers for a generic source. Visitor messages become ' +
    '`chat_message` events; an email left in the chat identifies the lead. A delivery taken before is answered 200 `duplicate` and changes nothing.',
  request: {
    params: z.object({ sourceId: ChatSourceId }),
    headers: z.object({
      'x-hub-signature': headerValue('Intercom: `sha1=` and the hex HMAC-SHA1 of the body under the app client secret.'),
      'x-tawk-signature': headerValue('tawk.to: the hex HMAC-SHA1 of the body under the webhook secret key.'),
      'webhook-id': headerValue('Standard Webhooks: the message id.'),
      'webhook-timestamp': headerValue('Standard Webhooks: Unix seconds, within 5 minutes of now.'),
      'webhook-signature': headerValue('Standard Webhooks: `v1,<base64 HMAC-SHA256 of id.timestamp.body>`, space-separated.'),
    }),
    // The signature covers the raw bytes: the handler checks it before it reads the body.
    body: { schema: z.record(z.string(), z.unknown()).check(z.describe("The tool's webhook payload.")), required: true, checkedByHandler: true },
  },
  responses: {
    200: { description: 'This delivery was taken before: nothing changed.', schema: z.object({ status: z.literal('duplicate') }).check(z.meta({ id: 'ChatDuplicate' })) },
    202: { description: 'Taken: its messages are stored and scoring follows, or it carried none (`ignored`).', schema: ChatTaken },
  },
  errors: {
    401: 'The call is not signed with the source secret, or its time is outside the window: it could be a forgery or a replay.',
    404: 'No such chat source.',
    409: 'A message id was already used for a different event.',
    503: 'Stored but not yet processed, or the same delivery is being taken now; send it again.',
  },
});

export const captureChatRoutes = [captureChat] as const;
