import { createHmac, timingSafeEqual } from 'node:crypto';
import * as z from 'zod/mini';
import { signatureProblem, type Headers, type SignatureProblem } from '../chat/signatures';
import { checkEmail } from '../email';
import { TICKET_PRIORITIES, type HelpDeskKind, type Ticket, type TicketPriority, type TicketStatus } from './tickets';

/**
 * The signed inbound webhook of a help desk. Two kinds:
 * - `zendesk`: a Zendesk webhook connected to a trigger, signed as Zendesk documents
 *   (`X-Zendesk-Webhook-Signature` = base64 HMAC-SHA256 over the signature timestamp followed by the
 *   body, under the webhook's signing secret), with the JSON body `ZENDESK_TRIGGER_BODY` built from
 *   Zendesk placeholders;
 * - `generic`: any tool that signs Standard Webhooks (`webhook-id`, `webhook-timestamp`,
 *   `webhook-signature`) and posts `{ tickets: [...] }` in leadflow's own shape.
 * A replayed delivery is harmless: a ticket only moves forward in the help desk's time.
 */
export { HELP_DESK_KINDS, HELP_DESK_WEBHOOK_PATH, type HelpDeskKind } from './tickets';

export const ZENDESK_HEADERS = { signature: 'x-zendesk-webhook-signature', timestamp: 'x-zendesk-webhook-signature-timestamp' } as const;

/** The body to paste into the Zendesk webhook's trigger ("Notify webhook"), with Zendesk's placeholders. */
export const ZENDESK_TRIGGER_BODY = {
  ticket: {
    id: '{{ticket.id}}',
    status: '{{ticket.status}}',
    priority: '{{ticket.priority}}',
    type: '{{ticket.ticket_type}}',
    tags: '{{ticket.tags}}',
    created_at: '{{ticket.created_at_with_timestamp}}',
    updated_at: '{{ticket.updated_at_with_timestamp}}',
    requester: { email: '{{ticket.requester.email}}' },
  },
} as const;

/** How old a Zendesk signature timestamp may be: Zendesk retries failed deliveries for a while. */
export const ZENDESK_REPLAY_WINDOW_SECONDS = 3600;

const equalBytes = (a: Buffer, b: Buffer) => a.length === b.length && timingSafeEqual(a, b);

/** Checks a delivery against the help desk's secrets (current, and one in its rotation overlap), in constant time. */
export function helpDeskSignatureProblem(kind: HelpDeskKind, secrets: readonly string[], headers: Headers, rawBody: string, now: number): SignatureProblem | undefined {
  if (kind === 'generic') return signatureProblem('generic', secrets, headers, rawBody);
  const signature = headers[ZENDESK_HEADERS.signature];
  const timestamp = headers[ZENDESK_HEADERS.timestamp];
  if (!signature) return { field: ZENDESK_HEADERS.signature, message: 'is missing: the call is not signed' };
  if (!timestamp) return { field: ZENDESK_HEADERS.timestamp, message: 'is missing: the call is not signed' };
  const given = Buffer.from(signature, 'base64');
  const matches = secrets.some((secret) => equalBytes(createHmac('sha256', secret).update(timestamp + rawBody).digest(), given));
  if (!matches) return { field: ZENDESK_HEADERS.signature, message: 'does not match the timestamp and body under the webhook signing secret' };
  const sentAt = Date.parse(timestamp);
  if (Number.isNaN(sentAt)) return { field: ZENDESK_HEADERS.timestamp, message: 'must be an ISO 8601 time' };
  if (Math.abs(now - sentAt) > ZENDESK_REPLAY_WINDOW_SECONDS * 1000) return { field: ZENDESK_HEADERS.timestamp, message: 'is more than an hour from now: a replayed or long-delayed delivery' };
  return undefined;
}

const ZENDESK_STATUSES: Readonly<Record<string, TicketStatus>> = { new: 'new', open: 'open', pending: 'pending', hold: 'on_hold', 'on-hold': 'on_hold', on_hold: 'on_hold', solved: 'solved', closed: 'closed' };
const isPriority = (value: string): value is TicketPriority => (TICKET_PRIORITIES as readonly string[]).includes(value);

const isoTime = (field: string) =>
  z.pipe(z
    .string({ error: 'is required' }).check(z.refine((value) => !Number.isNaN(Date.parse(value)), `${field} must be an ISO 8601 time`)), z.transform((value) => new Date(value).toISOString()));

/** A Zendesk trigger's body (`ZENDESK_TRIGGER_BODY` with its placeholders filled in). */
export const ZendeskTicketBody = z.object({
  ticket: z.object({
    id: z.pipe(z.pipe(z.union([z.string(), z.number()]), z.transform(String)), z.string().check(z.regex(/^[\x21-\x7E]{1,100}$/, 'must be 1-100 visible ASCII characters'))),
    status: z.pipe(z
      .string(), z.transform((value) => value.trim().toLowerCase())).check(z.refine((value) => Object.hasOwn(ZENDESK_STATUSES, value), `must be a Zendesk status (${Object.keys(ZENDESK_STATUSES).join(', ')})`)),
    priority: z.optional(z.string()),
    type: z.optional(z.string().check(z.maxLength(100))),
    tags: z.optional(z.string().check(z.maxLength(2000))),
    created_at: isoTime('created_at'),
    updated_at: isoTime('updated_at'),
    requester: z.object({
      email: z.pipe(z
        .string().check(z.maxLength(320)), z.transform((value, context) => {
          const check = checkEmail(value);
          if (check.ok) return check.email;
          context.issues.push({ input: context.value, code: 'custom', message: check.reason });
          return z.NEVER;
        })),
    }),
  }),
});

/** A Zendesk ticket as leadflow keeps it: the type (or else the first tag) is the topic. */
export function ticketFromZendesk(body: z.output<typeof ZendeskTicketBody>): Ticket & { readonly email: string } {
  const { ticket } = body;
  const priority = ticket.priority?.trim().toLowerCase() ?? '';
  const topic = ticket.type?.trim().toLowerCase() || ticket.tags?.trim().split(/\s+/)[0]?.toLowerCase() || undefined;
  return {
    ticketId: ticket.id,
    status: ZENDESK_STATUSES[ticket.status] as TicketStatus,
    ...(isPriority(priority) ? { priority } : {}),
    ...(topic && topic !== '-' ? { topic: topic.slice(0, 100) } : {}),
    openedAt: ticket.created_at,
    updatedAt: ticket.updated_at,
    email: ticket.requester.email,
  };
}
