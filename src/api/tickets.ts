import * as z from 'zod/mini';
import { Email, pastDateTime } from './schemas';
import { TICKET_PRIORITIES, TICKET_STATUSES } from '../domain/care/tickets';

const isoUtc = () => z.pipe(pastDateTime(), z.transform((value) => new Date(value).toISOString()));

/** One support ticket from a help desk; `ticketId` + its customer keep it once, `updatedAt` orders its versions. */
export const TicketInput = z
  .strictObject({
    ticketId: z.string({ error: 'is required' }).check(z.regex(/^[\x21-\x7E]{1,100}$/, 'must be 1-100 visible ASCII characters (no spaces)')),
    email: z.optional(Email).check(z.describe("The customer's address; give exactly one of email or leadId. An address without a lead is `unknown_lead`.")),
    leadId: z.optional(z.uuid('must be a lead id (UUID)')),
    status: z.enum(TICKET_STATUSES),
    topic: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(100))).check(z.describe('What the ticket is about (type, category or main tag): the reports group by it.')),
    priority: z.optional(z.enum(TICKET_PRIORITIES)),
    openedAt: isoUtc(),
    resolvedAt: z.optional(isoUtc()).check(z.describe('When solved; defaults to `updatedAt` for a solved or closed ticket.')),
    updatedAt: isoUtc().check(z.describe("The help desk's time of this version: an update older than the one recorded changes nothing.")),
  }).check(z.superRefine((ticket, context) => {
    if ((ticket.email === undefined) === (ticket.leadId === undefined)) context.addIssue({ code: 'custom', path: ['email'], message: 'give exactly one of email or leadId' });
    if (Date.parse(ticket.updatedAt) < Date.parse(ticket.openedAt)) context.addIssue({ code: 'custom', path: ['updatedAt'], message: 'must not be before openedAt' });
    if (ticket.resolvedAt && Date.parse(ticket.resolvedAt) < Date.parse(ticket.openedAt)) context.addIssue({ code: 'custom', path: ['resolvedAt'], message: 'must not be before openedAt' });
  }), z.meta({ id: 'Ticket' }));

export const MAX_TICKETS_PER_REQUEST = 100;

export const TicketBatch = z
  .strictObject({ tickets: z.array(TicketInput).check(z.minLength(1, 'must hold at least one ticket'), z.maxLength(MAX_TICKETS_PER_REQUEST, `must hold at most ${MAX_TICKETS_PER_REQUEST} tickets`)) }).check(z.meta({ id: 'TicketBatch' }));

export const TicketsRecorded = z
  .object({
    tickets: z
      .array(
        z.object({
          ticketId: z.string(),
          status: z.enum(['recorded', 'duplicate', 'stale', 'unknown_lead']),
          leadId: z.optional(z.string()),
          message: z.optional(z.string()),
        }),
      ).check(z.describe('One result per ticket, in the order sent.')),
  }).check(z.meta({ id: 'TicketsRecorded' }));
