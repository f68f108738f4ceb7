import type * as z from 'zod/mini';
import type { TicketIntake, TicketItem, TicketResult } from './ticket-intake';
import {
  FreshdeskTicketBody,
  helpDeskSignatureProblem,
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
    let payload: unknown;
    try {
      payload = JSON.parse(rawBody);
    } catch {
      throw InvalidInput.field('body', 'must be JSON');
    }
    const at = now.toISOString();
    switch (helpDesk.kind) {
      case 'zendesk':
        return isRecord(payload) && 'type' in payload && !('ticket' in payload) ? this.zendeskEvent(payload, correlationId, at) : this.zendeskTrigger(payload, correlationId, at);
      case 'freshdesk':
        return { outcome: 'recorded', tickets: await this.deps.tickets.recordAll([this.freshdesk(payload, at)], correlationId, at) };
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

  private freshdesk(payload: unknown, at: string): TicketItem {
    const parsed = FreshdeskTicketBody.safeParse(payload);
    if (!parsed.success) throw new InvalidInput('Invalid Freshdesk ticket body', issuesOf(parsed.error));
    return ticketFromFreshdesk(parsed.data, at);
  }

  private generic(payload: unknown): TicketItem[] {
    const parsed = this.deps.genericBody.safeParse(payload);
    if (!parsed.success) throw new InvalidInput('Invalid ticket batch', issuesOf(parsed.error));
    return [...parsed.data.tickets];
  }
}
