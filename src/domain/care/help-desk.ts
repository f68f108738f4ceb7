import { createHmac, timingSafeEqual } from 'node:crypto';
import * as z from 'zod/mini';
import { signatureProblem, type Headers, type SignatureProblem } from '../chat/signatures';
import { checkEmail } from '../email';
import { TICKET_PRIORITIES, type HelpDeskKind, type Ticket, type TicketPriority, type TicketStatus } from './tickets';

/**
 * The signed inbound webhook of a help desk. Three kinds:
 * - `zendesk`: a Zendesk webhook, signed as Zendesk documents (`X-Zendesk-Webhook-Signature` = base64
 *   HMAC-SHA256 over the signature timestamp followed by the body, under the webhook's signing
 *   secret), either connected to a trigger with the JSON body `ZENDESK_TRIGGER_BODY` built from Zendesk
 *   placeholders, or subscribed to Zendesk's ticket events (`zen:event-type:ticket.*`), whose payload
 *   names the requester by Zendesk user id only;
 * - `freshdesk`: a Freshdesk automation rule's "Trigger webhook" action with "Requires authentication"
 *   (HTTP Basic; Freshdesk signs nothing) and either the JSON body `FRESHDESK_WEBHOOK_BODY` of Freshdesk
 *   placeholders (Content "Advanced") or the ticked fields `FRESHDESK_SIMPLE_FIELDS` (Content "Simple",
 *   as JSON or form fields);
 * - `generic`: any tool that signs Standard Webhooks (`webhook-id`, `webhook-timestamp`,
 *   `webhook-signature`) and posts `{ tickets: [...] }` in leadflow's own shape.
 * A replayed delivery is harmless where the help desk dates it: a ticket only moves forward in the
 * help desk's time (Zendesk's signature time and Freshdesk's `updated_at` also bound how old it may be).
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
    requester: { id: '{{ticket.requester.id}}', email: '{{ticket.requester.email}}' },
  },
} as const;

/** How old a Zendesk signature timestamp may be: Zendesk retries failed deliveries for a while. */
export const ZENDESK_REPLAY_WINDOW_SECONDS = 3600;

const equalBytes = (a: Buffer, b: Buffer) => a.length === b.length && timingSafeEqual(a, b);

/** Checks a delivery against the help desk's secrets (current, and one in its rotation overlap), in constant time. */
export function helpDeskSignatureProblem(kind: HelpDeskKind, secrets: readonly string[], headers: Headers, rawBody: string, now: number): SignatureProblem | undefined {
  if (kind === 'generic') return signatureProblem('generic', secrets, headers, rawBody);
  if (kind === 'freshdesk') return freshdeskAuthProblem(secrets, headers);
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
      id: z.optional(z.pipe(z.pipe(z.union([z.string(), z.number()]), z.transform(String)), z.string().check(z.regex(/^\d{1,20}$/, 'must be a Zendesk user id')))),
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
export function ticketFromZendesk(body: z.output<typeof ZendeskTicketBody>): Ticket & { readonly email: string; readonly requesterId?: string } {
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
    ...(ticket.requester.id ? { requesterId: ticket.requester.id } : {}),
  };
}

const ticketIdOf = z.pipe(z.pipe(z.union([z.string(), z.number()]), z.transform(String)), z.string().check(z.regex(/^[\x21-\x7E]{1,100}$/, 'must be 1-100 visible ASCII characters')));
const zendeskStatus = z.pipe(z
  .string(), z.transform((value) => value.trim().toLowerCase())).check(z.refine((value) => Object.hasOwn(ZENDESK_STATUSES, value), `must be a Zendesk status (${Object.keys(ZENDESK_STATUSES).join(', ')})`));

/** Whether a Zendesk event webhook's payload is about a ticket (`zen:event-type:ticket.<what happened>`). */
export const ZENDESK_TICKET_EVENT_PREFIX = 'zen:event-type:ticket.';

/** Ticket events that end the ticket rather than move it: nothing to keep. */
const ZENDESK_DELETIONS = ['zen:event-type:ticket.soft_deleted', 'zen:event-type:ticket.permanently_deleted', 'zen:event-type:ticket.deleted'];

/**
 * The payload of Zendesk's event webhooks (Admin Center > Webhooks, subscribed to ticket events), as
 * Zendesk documents it: `type`, `id`, `time`, `subject` (`zen:ticket:<id>`) and `detail`, the ticket as
 * it is after the event (`id`, `requester_id`, `status`, `priority`, `type`, `tags`, `created_at`,
 * `updated_at`, ...). Only what leadflow keeps is read; the rest passes.
 */
export const ZendeskEventBody = z.object({
  type: z.string().check(z.maxLength(200)),
  id: z.optional(z.string().check(z.maxLength(200))),
  detail: z.optional(z.record(z.string(), z.unknown())),
});

const ZendeskTicketDetail = z.object({
  id: ticketIdOf,
  requester_id: z.pipe(z.pipe(z.union([z.string(), z.number()]), z.transform(String)), z.string().check(z.regex(/^\d{1,20}$/, 'must be a Zendesk user id'))),
  status: zendeskStatus,
  priority: z.nullish(z.string().check(z.maxLength(40))),
  type: z.nullish(z.string().check(z.maxLength(100))),
  tags: z.nullish(z.array(z.string().check(z.maxLength(200))).check(z.maxLength(200))),
  created_at: isoTime('created_at'),
  updated_at: isoTime('updated_at'),
});

/** A Zendesk ticket event, read: the ticket and its requester's Zendesk id, or why it is ignored (not a ticket event, a deletion). */
export type ZendeskEventTicket = { readonly kind: 'ticket'; readonly ticket: Ticket; readonly requesterId: string } | { readonly kind: 'ignored'; readonly reason: string };

/** Reads a ticket event's `detail`; problems are returned as zod issues with their path under `detail`. */
export function ticketFromZendeskEvent(body: z.output<typeof ZendeskEventBody>): ZendeskEventTicket | { readonly kind: 'invalid'; readonly error: z.core.$ZodError } {
  if (!body.type.startsWith(ZENDESK_TICKET_EVENT_PREFIX)) return { kind: 'ignored', reason: `${body.type} is not a ticket event` };
  if (ZENDESK_DELETIONS.includes(body.type)) return { kind: 'ignored', reason: `${body.type}: a deleted ticket is kept as it was` };
  const parsed = z.object({ detail: ZendeskTicketDetail }).safeParse(body);
  if (!parsed.success) return { kind: 'invalid', error: parsed.error };
  const { detail } = parsed.data;
  const priority = detail.priority?.trim().toLowerCase() ?? '';
  const topic = detail.type?.trim().toLowerCase() || detail.tags?.[0]?.trim().toLowerCase() || undefined;
  return {
    kind: 'ticket',
    requesterId: detail.requester_id,
    ticket: {
      ticketId: detail.id,
      status: ZENDESK_STATUSES[detail.status] as TicketStatus,
      ...(isPriority(priority) ? { priority } : {}),
      ...(topic ? { topic: topic.slice(0, 100) } : {}),
      openedAt: detail.created_at,
      updatedAt: detail.updated_at,
    },
  };
}

/**
 * The body to paste into the Freshdesk automation rule's "Trigger webhook" action (Encoding: JSON,
 * Content: Advanced), with Freshdesk placeholders. `updated_at` dates the delivery in Freshdesk's own
 * time: where the placeholder is filled, a ticket moves only forward in it and a delivery older than
 * `FRESHDESK_REPLAY_WINDOW_SECONDS` is ignored; where it arrives empty or unfilled, the delivery is
 * dated when it arrives (and the ticket keeps the earliest opening time seen).
 */
export const FRESHDESK_WEBHOOK_BODY = {
  ticket: {
    id: '{{ticket.id}}',
    status: '{{ticket.status}}',
    priority: '{{ticket.priority}}',
    type: '{{ticket.ticket_type}}',
    tags: '{{ticket.tags}}',
    updated_at: '{{ticket.updated_at}}',
    requester: { email: '{{ticket.requester.email}}' },
  },
} as const;

/**
 * The fields to tick in the action when its Content is "Simple" (Encoding JSON or X-FORM-URLENCODED):
 * Freshdesk names each by its placeholder (`{{ticket.id}}` is `ticket_id`) and sends them under
 * `freshdesk_webhook` (as JSON, or as `freshdesk_webhook[ticket_id]` form fields).
 */
export const FRESHDESK_SIMPLE_FIELDS = ['ticket_id', 'ticket_status', 'ticket_priority', 'ticket_ticket_type', 'ticket_tags', 'ticket_contact_email'] as const;

/**
 * How old a Freshdesk delivery's `updated_at` may be: an automation that runs on a ticket's creation or
 * update sends within seconds of it, and Freshdesk retries a failed delivery for a while. Older is a
 * replay (or a rule run on time, not on the update), and changes nothing.
 */
export const FRESHDESK_REPLAY_WINDOW_SECONDS = 3600;

/** How far ahead of this clock a Freshdesk time may be (clock skew); further is refused, or one delivery could freeze a ticket. */
export const FRESHDESK_CLOCK_SKEW_SECONDS = 300;

/** Freshdesk's standard statuses, by name and by API code; a custom status is taken as open (the customer still waits). */
const FRESHDESK_STATUSES: Readonly<Record<string, TicketStatus>> = {
  open: 'open',
  '2': 'open',
  pending: 'pending',
  '3': 'pending',
  'waiting on customer': 'pending',
  'waiting on third party': 'pending',
  resolved: 'solved',
  '4': 'solved',
  closed: 'closed',
  '5': 'closed',
};
const FRESHDESK_PRIORITIES: Readonly<Record<string, TicketPriority>> = { low: 'low', '1': 'low', medium: 'normal', '2': 'normal', high: 'high', '3': 'high', urgent: 'urgent', '4': 'urgent' };

const requesterEmail = z.pipe(z
  .string().check(z.maxLength(320)), z.transform((value, context) => {
    const check = checkEmail(value);
    if (check.ok) return check.email;
    context.issues.push({ input: context.value, code: 'custom', message: check.reason });
    return z.NEVER;
  }));

/** A Freshdesk time from a placeholder: absent when empty or left unfilled (`{{...}}`), so the delivery is dated on arrival. */
const freshdeskTime = z.pipe(
  z.optional(z.nullable(z.string().check(z.maxLength(100)))),
  z.transform((value, context) => {
    const text = value?.trim() ?? '';
    if (text === '' || text.includes('{{')) return undefined;
    const at = Date.parse(text);
    if (Number.isNaN(at)) {
      context.issues.push({ input: value, code: 'custom', message: 'must be a time (ISO 8601), or empty' });
      return z.NEVER;
    }
    return new Date(at).toISOString();
  }),
);

const freshdeskCode = z.pipe(z.union([z.string(), z.number()]), z.transform((value) => String(value).trim().toLowerCase()));
const freshdeskStatus = z.pipe(freshdeskCode, z.string().check(z.minLength(1, 'is required'), z.maxLength(100)));

/** A Freshdesk delivery with Content "Advanced": `FRESHDESK_WEBHOOK_BODY` with its placeholders filled in (codes are taken as well as names). */
export const FreshdeskTicketBody = z.object({
  ticket: z.object({
    id: ticketIdOf,
    status: freshdeskStatus,
    priority: z.optional(freshdeskCode),
    type: z.optional(z.string().check(z.maxLength(100))),
    tags: z.optional(z.string().check(z.maxLength(2000))),
    updated_at: freshdeskTime,
    requester: z.object({ email: requesterEmail }),
  }),
});

/**
 * A delivery with Content "Simple": the ticked fields named after their placeholders. The requester's
 * address is taken under any of the names Freshdesk gives it (contact or requester email).
 */
export const FreshdeskSimpleFields = z
  .object({
    ticket_id: ticketIdOf,
    ticket_status: freshdeskStatus,
    ticket_priority: z.optional(freshdeskCode),
    ticket_ticket_type: z.optional(z.string().check(z.maxLength(100))),
    ticket_type: z.optional(z.string().check(z.maxLength(100))),
    ticket_tags: z.optional(z.string().check(z.maxLength(2000))),
    ticket_updated_at: freshdeskTime,
    ticket_contact_email: z.optional(requesterEmail),
    ticket_requester_email: z.optional(requesterEmail),
    requester_email: z.optional(requesterEmail),
  })
  .check(
    z.refine((fields) => Boolean(fields.ticket_contact_email ?? fields.ticket_requester_email ?? fields.requester_email), {
      message: "is required: tick the requester's (contact's) email in the action",
      path: ['ticket_contact_email'],
    }),
  );

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The Simple fields of a delivery: under `freshdesk_webhook` or at the top; form fields as `freshdesk_webhook[name]` or `name`. */
export function freshdeskSimpleFields(payload: unknown): unknown {
  if (!isRecord(payload)) return payload;
  const wrapped = Object.hasOwn(payload, 'freshdesk_webhook') ? payload.freshdesk_webhook : undefined;
  if (isRecord(wrapped)) return wrapped;
  // Built as own properties (never by assignment), so a field named `__proto__` stays a field.
  return Object.fromEntries(Object.entries(payload).map(([key, value]) => [/^freshdesk_webhook\[([a-z_]+)\]$/.exec(key)?.[1] ?? key, value]));
}

/** Whether a Freshdesk payload is the Advanced body (a `ticket` object) rather than Simple fields. */
export const isFreshdeskAdvanced = (payload: unknown): boolean => isRecord(payload) && isRecord(payload.ticket);

/** The Simple fields as the Advanced body reads them. */
export function freshdeskBodyFromSimple(fields: z.output<typeof FreshdeskSimpleFields>): z.output<typeof FreshdeskTicketBody> {
  const type = fields.ticket_ticket_type ?? fields.ticket_type;
  return {
    ticket: {
      id: fields.ticket_id,
      status: fields.ticket_status,
      ...(fields.ticket_priority !== undefined ? { priority: fields.ticket_priority } : {}),
      ...(type !== undefined ? { type } : {}),
      ...(fields.ticket_tags !== undefined ? { tags: fields.ticket_tags } : {}),
      updated_at: fields.ticket_updated_at,
      requester: { email: (fields.ticket_contact_email ?? fields.ticket_requester_email ?? fields.requester_email) as string },
    },
  };
}

/**
 * A Freshdesk ticket as leadflow keeps it: the type (or else the first tag) is the topic; dated by its
 * `updated_at` when Freshdesk filled it (`dated: 'help-desk'`), else by `receivedAt` (`'arrival'`).
 */
export function ticketFromFreshdesk(body: z.output<typeof FreshdeskTicketBody>, receivedAt: string): Ticket & { readonly email: string; readonly dated: 'help-desk' | 'arrival' } {
  const { ticket } = body;
  const priority = ticket.priority && Object.hasOwn(FRESHDESK_PRIORITIES, ticket.priority) ? FRESHDESK_PRIORITIES[ticket.priority] : undefined;
  const topic = ticket.type?.trim().toLowerCase() || ticket.tags?.split(',')[0]?.trim().toLowerCase() || undefined;
  const at = ticket.updated_at ?? receivedAt;
  return {
    ticketId: ticket.id,
    status: Object.hasOwn(FRESHDESK_STATUSES, ticket.status) ? (FRESHDESK_STATUSES[ticket.status] as TicketStatus) : 'open',
    ...(priority ? { priority } : {}),
    ...(topic ? { topic: topic.slice(0, 100) } : {}),
    openedAt: at,
    updatedAt: at,
    email: ticket.requester.email,
    dated: ticket.updated_at ? 'help-desk' : 'arrival',
  };
}

/**
 * Why a Freshdesk delivery dated by Freshdesk changes nothing (older than the replay window), or
 * undefined when it may be recorded; a time further ahead than the clock skew is refused by the caller.
 */
export function freshdeskReplayProblem(updatedAt: string, now: number): 'too-old' | 'in-future' | undefined {
  const at = Date.parse(updatedAt);
  if (now - at > FRESHDESK_REPLAY_WINDOW_SECONDS * 1000) return 'too-old';
  if (at - now > FRESHDESK_CLOCK_SKEW_SECONDS * 1000) return 'in-future';
  return undefined;
}

/** The `Authorization` header Freshdesk sends with "Requires authentication": the secret as the username (API key style) or the password. */
export function freshdeskAuthProblem(secrets: readonly string[], headers: Headers): SignatureProblem | undefined {
  const header = headers.authorization;
  if (!header) return { field: 'authorization', message: 'is missing: tick "Requires authentication" in the Freshdesk webhook action and give the secret' };
  const [scheme, encoded = ''] = header.trim().split(/\s+/, 2);
  if (scheme?.toLowerCase() !== 'basic') return { field: 'authorization', message: 'must be HTTP Basic, as Freshdesk sends it' };
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const parts = colon < 0 ? [decoded] : [decoded.slice(0, colon), decoded.slice(colon + 1)];
  const matches = secrets.some((secret) => parts.some((part) => equalBytes(Buffer.from(part), Buffer.from(secret))));
  return matches ? undefined : { field: 'authorization', message: 'does not hold the help desk secret' };
}
