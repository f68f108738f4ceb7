import type * as z from 'zod/mini';
import type { TicketIntake, TicketItem, TicketResult } from './ticket-intake';
import {
  FRESHDESK_REPLAY_WINDOW_SECONDS,
  freshdeskBodyFromSimple,
  freshdeskReplayProblem,
  FreshdeskSimpleFields,
  freshdeskSimpleFields,
  FreshdeskTicketBody,
  helpDeskSignatureProblem,
  isFreshdeskAdvanced,
  ticketFromFreshdesk,
  ticketFromZendesk,
  ticketFromZendeskEvent,
  ZendeskEventBody,
  ZendeskTicketBody,
  type HelpDeskKind,
} from '../domain/care/help-desk';
import { openSecret, type SealedSecret } from '../domain/chat/sources';
import type { KeyRing } from '../domain/consent/signed-token';
import { InvalidInput, NotFound, Unauthenticated } from '../domain/errors';

/** What the sealed secret is bound to, so a chat source's secret can never open as the help desk's. */
export const HELP_DESK_SEAL_ID = 'help-desk';

/** The lead each of a help desk's requesters (its own user ids) is: learned from tickets that named both, or set by an administrator. */
export interface RequesterDirectory {
  leadIdForRequester(kind: HelpDeskKind, requesterId: string): Promise<string | undefined>;
  rememberRequester(kind: HelpDeskKind, requesterId: string, leadId: string, at: string): Promise<void>;
}

export interface HelpDeskIntakeDependencies {
  readonly helpDesk: { helpDesk(): Promise<{ readonly kind: HelpDeskKind; readonly secret: SealedSecret } | undefined> };
  readonly keyRing: () => Promise<KeyRing>;
  readonly tickets: Pick<TicketIntake, 'recordAll'>;
  readonly requesters: RequesterDirectory;
  /** Parses a generic delivery's `{ tickets: [...] }` with the admin API's schema. */
  readonly genericBody: z.ZodMiniType<{ readonly tickets: readonly TicketItem[] }>;
}

/**
 * `recorded`: the tickets were taken (each with its own outcome); `ignored`: the delivery holds no
 * ticket leadflow can keep (another kind of event, a deleted ticket, a requester no lead is known as),
 * answered 202 so the help desk neither retries nor counts a failure.
 */
export type HelpDeskDelivery =
  | { readonly outcome: 'recorded'; readonly tickets: TicketResult[] }
  | { readonly outcome: 'ignored'; readonly reason: string; readonly tickets: TicketResult[] };

const issuesOf = (error: z.core.$ZodError) => error.issues.map((issue) => ({ field: issue.path.join('.') || 'body', message: issue.message }));
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The help desk's webhook: the signature (or, for Freshdesk, the Basic credentials) over the raw bytes
 * is checked first (401 naming the header), then the body of its kind (400 naming the field), then its
 * tickets are recorded like the admin API's, each once and in the help desk's order.
 */
export class HelpDeskIntake {
  constructor(private readonly deps: HelpDeskIntakeDependencies) {}

  async take(headers: Readonly<Record<string, string | undefined>>, rawBody: string, correlationId: string, now: Date): Promise<HelpDeskDelivery> {
    const helpDesk = await this.deps.helpDesk.helpDesk();
    if (!helpDesk) throw new NotFound('No help desk is connected: `PUT /v1/admin/care/help-desk` first');
    const secret = openSecret(await this.deps.keyRing(), HELP_DESK_SEAL_ID, helpDesk.secret);
    const problem = helpDeskSignatureProblem(helpDesk.kind, [secret], headers, rawBody, now.getTime());
    if (problem) throw new Unauthenticated(`${problem.field} ${problem.message}`, [problem]);
    const payload = parsePayload(helpDesk.kind, headers['content-type'], rawBody);
    const at = now.toISOString();
    switch (helpDesk.kind) {
      case 'zendesk':
        return isRecord(payload) && 'type' in payload && !('ticket' in payload) ? this.zendeskEvent(payload, correlationId, at) : this.zendeskTrigger(payload, correlationId, at);
      case 'freshdesk':
        return this.freshdesk(payload, correlationId, now);
      case 'generic':
        return { outcome: 'recorded', tickets: await this.deps.tickets.recordAll(this.generic(payload), correlationId, at) };
    }
  }

  /** A trigger's body names the requester's address, and its Zendesk id when the body has it: the id is remembered for ticket events. */
  private async zendeskTrigger(payload: unknown, correlationId: string, at: string): Promise<HelpDeskDelivery> {
    const parsed = ZendeskTicketBody.safeParse(payload);
    if (!parsed.success) throw new InvalidInput('Invalid Zendesk ticket body', issuesOf(parsed.error));
    const { requesterId, ...ticket } = ticketFromZendesk(parsed.data);
    const tickets = await this.deps.tickets.recordAll([ticket], correlationId, at);
    const leadId = tickets[0]?.leadId;
    if (requesterId && leadId) await this.deps.requesters.rememberRequester('zendesk', requesterId, leadId, at);
    return { outcome: 'recorded', tickets };
  }

  /** A ticket event names the requester by Zendesk id only: its lead is the one that id was recorded for. */
  private async zendeskEvent(payload: Record<string, unknown>, correlationId: string, at: string): Promise<HelpDeskDelivery> {
    const parsed = ZendeskEventBody.safeParse(payload);
    if (!parsed.success) throw new InvalidInput('Invalid Zendesk event', issuesOf(parsed.error));
    const read = ticketFromZendeskEvent(parsed.data);
    if (read.kind === 'invalid') throw new InvalidInput('Invalid Zendesk ticket event', issuesOf(read.error));
    if (read.kind === 'ignored') return { outcome: 'ignored', reason: read.reason, tickets: [] };
    const leadId = await this.deps.requesters.leadIdForRequester('zendesk', read.requesterId);
    if (!leadId) {
      const message = `Zendesk requester ${read.requesterId} is not known as a lead: send one ticket of theirs through a trigger whose body has requester.id, or map it with PUT /v1/admin/care/help-desk/requesters`;
      return { outcome: 'ignored', reason: message, tickets: [{ ticketId: read.ticket.ticketId, status: 'unknown_lead', message }] };
    }
    return { outcome: 'recorded', tickets: await this.deps.tickets.recordAll([{ ...read.ticket, leadId }], correlationId, at) };
  }

  /**
   * Content "Advanced" (the printed body) or "Simple" (the ticked fields). A delivery Freshdesk dated
   * (`updated_at` filled) moves the ticket only forward in Freshdesk's time and is ignored once older
   * than the replay window; one dated on arrival cannot be told from a replay.
   */
  private async freshdesk(payload: unknown, correlationId: string, now: Date): Promise<HelpDeskDelivery> {
    const at = now.toISOString();
    let body: z.output<typeof FreshdeskTicketBody>;
    if (isFreshdeskAdvanced(payload)) {
      const parsed = FreshdeskTicketBody.safeParse(payload);
      if (!parsed.success) throw new InvalidInput('Invalid Freshdesk ticket body', issuesOf(parsed.error));
      body = parsed.data;
    } else {
      const parsed = FreshdeskSimpleFields.safeParse(freshdeskSimpleFields(payload));
      if (!parsed.success) throw new InvalidInput('Invalid Freshdesk ticket fields (Content "Simple")', issuesOf(parsed.error));
      body = freshdeskBodyFromSimple(parsed.data);
    }
    const { dated, ...ticket } = ticketFromFreshdesk(body, at);
    if (dated === 'help-desk') {
      const problem = freshdeskReplayProblem(ticket.updatedAt, now.getTime());
      if (problem === 'in-future') throw InvalidInput.field(isFreshdeskAdvanced(payload) ? 'ticket.updated_at' : 'ticket_updated_at', 'is ahead of this clock by more than 5 minutes');
      if (problem === 'too-old') {
        return { outcome: 'ignored', reason: `updated_at is more than ${FRESHDESK_REPLAY_WINDOW_SECONDS / 60} minutes old: a replayed or long-delayed delivery changes nothing`, tickets: [] };
      }
    }
    return { outcome: 'recorded', tickets: await this.deps.tickets.recordAll([ticket], correlationId, at) };
  }

  private generic(payload: unknown): TicketItem[] {
    const parsed = this.deps.genericBody.safeParse(payload);
    if (!parsed.success) throw new InvalidInput('Invalid ticket batch', issuesOf(parsed.error));
    return [...parsed.data.tickets];
  }
}

/**
 * The delivery's payload: JSON for every kind; for Freshdesk also form fields (Encoding
 * X-FORM-URLENCODED, Content "Simple"). Freshdesk's XML encoding is refused, naming what to choose.
 */
function parsePayload(kind: HelpDeskKind, contentType: string | undefined, rawBody: string): unknown {
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  if (kind === 'freshdesk' && mediaType === 'application/x-www-form-urlencoded') return Object.fromEntries(new URLSearchParams(rawBody));
  try {
    return JSON.parse(rawBody);
  } catch {
    throw InvalidInput.field('body', kind === 'freshdesk' ? 'must be JSON or form fields: choose Encoding JSON or X-FORM-URLENCODED in the Freshdesk action' : 'must be JSON');
  }
}
