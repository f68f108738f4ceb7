import { OPTIMISTIC_ATTEMPTS, pauseBeforeRetry } from './optimistic-retry';
import type { EventPublisher, LeadReader, Log } from './ports';
import { describeError, LeadBusy, Unavailable } from '../domain/errors';
import { DetailType, type DomainEvent } from '../domain/events';
import { isNewerThan, normaliseTicket, withTicket, type Ticket } from '../domain/care/tickets';
import type { CustomerCare } from '../domain/care/customer';
import type { Lead } from '../domain/lead';

/** One ticket as the caller names its customer: by `email` or by `leadId` (exactly one). */
export type TicketItem = Ticket & { readonly email?: string | undefined; readonly leadId?: string | undefined };

/**
 * `recorded`: new or newer than the kept version; `duplicate`: the kept version is this one (announced
 * again, so a request whose announcement failed can be repeated); `stale`: an older update, ignored.
 */
export type TicketStatusOutcome = 'recorded' | 'duplicate' | 'stale' | 'unknown_lead';

export interface TicketResult {
  readonly ticketId: string;
  readonly status: TicketStatusOutcome;
  readonly leadId?: string;
  readonly message?: string;
}

/**
 * The tickets recorded, one item per customer and ticket id holding its newest version. `record` puts
 * the ticket only when newer than the stored one and replaces the lead's care record (with its kept
 * tickets), in one transaction against the lead's version it read.
 */
export interface TicketLedger {
  get(leadId: string, ticketId: string): Promise<Ticket | undefined>;
  record(lead: Pick<Lead, 'id' | 'version'>, ticket: Ticket, care: CustomerCare, at: string): Promise<'recorded' | 'not-newer' | 'lead-changed'>;
}

export interface TicketIntakeDependencies {
  readonly leads: LeadReader;
  readonly emails: { leadIdForEmail(email: string): Promise<string | undefined> };
  readonly ledger: TicketLedger;
  readonly publisher: EventPublisher;
  readonly isThrottling: (error: unknown) => boolean;
  readonly log: Log;
}

const RETRY_AFTER_SECONDS = 2;

/**
 * Support tickets from a help desk (admin API or its signed webhook): each kept once per customer and
 * ticket id, moving only forward in the help desk's own time, so retries, duplicates and updates
 * arriving out of order leave the newest version. Each recorded ticket is announced for the churn risk.
 */
export class TicketIntake {
  constructor(private readonly deps: TicketIntakeDependencies) {}

  async recordAll(items: readonly TicketItem[], correlationId: string, now: string): Promise<TicketResult[]> {
    const results: TicketResult[] = [];
    // The help desk's order, so a batch holding two versions of one ticket records both in turn.
    const order = items.map((_, index) => index).sort((a, b) => Date.parse(items[a]?.updatedAt ?? '') - Date.parse(items[b]?.updatedAt ?? '') || a - b);
    for (const index of order) {
      const item = items[index] as TicketItem;
      results[index] = await this.recordOne(item, now).catch((error: unknown) => {
        if (error instanceof LeadBusy || this.deps.isThrottling(error)) {
          throw new Unavailable('The table refused more writes part-way; repeat the same request (recorded tickets report duplicate)', RETRY_AFTER_SECONDS);
        }
        throw error;
      });
    }
    const announce: DomainEvent[] = results.flatMap((result, index) => {
      const item = items[index];
      if (!item || !result.leadId || (result.status !== 'recorded' && result.status !== 'duplicate')) return [];
      return [{ detailType: DetailType.TicketRecorded, detail: { version: 1, correlationId, leadId: result.leadId, ticketId: item.ticketId, updatedAt: item.updatedAt } }];
    });
    try {
      await this.deps.publisher.publish(announce);
    } catch (error) {
      this.deps.log.error('Tickets recorded but not announced', { tickets: announce.length, error: describeError(error) });
      throw new Unavailable('Tickets recorded, but the churn risk is not told yet; repeat the same request', RETRY_AFTER_SECONDS);
    }
    const count = (status: TicketStatusOutcome) => results.filter((result) => result.status === status).length;
    this.deps.log.info('Tickets recorded', { items: items.length, recorded: count('recorded'), duplicates: count('duplicate'), stale: count('stale'), unknown: count('unknown_lead') });
    return results;
  }

  private async recordOne(item: TicketItem, now: string): Promise<TicketResult> {
    const { email, leadId: givenLeadId, ...fields } = item;
    const ticket = normaliseTicket(fields);
    const { ticketId } = ticket;
    const leadId = email ? await this.deps.emails.leadIdForEmail(email) : givenLeadId;
    for (let attempt = 0; attempt < OPTIMISTIC_ATTEMPTS; attempt += 1) {
      if (attempt > 0) await pauseBeforeRetry(attempt);
      const lead = leadId ? await this.deps.leads.getLead(leadId) : undefined;
      if (!lead) return { ticketId, status: 'unknown_lead', message: email ? 'No lead with this email' : `No lead with id ${givenLeadId ?? ''}` };
      const stored = await this.deps.ledger.get(lead.id, ticketId);
      if (stored && !isNewerThan(ticket, stored)) return this.notNewer(ticket, stored, lead.id);
      // A ticket opens once: a help desk that dates deliveries only on arrival (Freshdesk) keeps the first.
      const update = stored && Date.parse(stored.openedAt) < Date.parse(ticket.openedAt) ? { ...ticket, openedAt: stored.openedAt } : ticket;
      const { tickets } = withTicket(lead.care?.tickets, update);
      const outcome = await this.deps.ledger.record(lead, update, { ...lead.care, tickets }, now);
      if (outcome === 'recorded') return { ticketId, status: 'recorded', leadId: lead.id };
      if (outcome === 'not-newer') {
        const newer = await this.deps.ledger.get(lead.id, ticketId);
        return newer ? this.notNewer(ticket, newer, lead.id) : { ticketId, status: 'stale', leadId: lead.id };
      }
    }
    throw new LeadBusy(leadId ?? '', OPTIMISTIC_ATTEMPTS);
  }

  private notNewer(ticket: Ticket, stored: Ticket, leadId: string): TicketResult {
    if (Date.parse(stored.updatedAt) === Date.parse(ticket.updatedAt)) return { ticketId: ticket.ticketId, status: 'duplicate', leadId };
    return { ticketId: ticket.ticketId, status: 'stale', leadId, message: `A newer update of ${stored.updatedAt} is recorded` };
  }
}
