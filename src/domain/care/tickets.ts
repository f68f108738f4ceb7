/**
 * Support tickets as a help desk reports them, and the customer fields computed from them. A ticket is
 * kept once per ticket id and moves only forward in the help desk's own time: an update older than
 * the one kept (a webhook retried late, an import of old data) changes nothing.
 */
/** The help desks whose signed webhook leadflow takes (see help-desk.ts), and where they post. */
export const HELP_DESK_KINDS = ['zendesk', 'freshdesk', 'generic'] as const;
export type HelpDeskKind = (typeof HELP_DESK_KINDS)[number];
export const HELP_DESK_WEBHOOK_PATH = '/v1/help-desk/tickets';

export const TICKET_STATUSES = ['new', 'open', 'pending', 'on_hold', 'solved', 'closed'] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];

/** Statuses in which the customer still waits for an answer or a fix. */
export const OPEN_TICKET_STATUSES: readonly TicketStatus[] = ['new', 'open', 'pending', 'on_hold'];

export const TICKET_PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type TicketPriority = (typeof TICKET_PRIORITIES)[number];

export interface Ticket {
  readonly ticketId: string;
  readonly status: TicketStatus;
  /** What the ticket is about (a help-desk type, tag or category), for reports by topic. */
  readonly topic?: string;
  readonly priority?: TicketPriority;
  /** ISO 8601 UTC, as the help desk dates them. */
  readonly openedAt: string;
  /** When it was solved; set for solved and closed tickets. */
  readonly resolvedAt?: string;
  /** The help desk's time of this version of the ticket: what orders updates. */
  readonly updatedAt: string;
}

/** How many of a customer's tickets the lead keeps (the newest opened); older ones stay in their own items. */
export const MAX_TICKETS_KEPT = 50;

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

export const isOpen = (ticket: Pick<Ticket, 'status'>) => OPEN_TICKET_STATUSES.includes(ticket.status);

/**
 * The ticket as kept: a solved or closed ticket is resolved when the help desk says, else at this
 * update; a reopened ticket loses its resolution time.
 */
export function normaliseTicket(ticket: Ticket): Ticket {
  const { resolvedAt, ...rest } = ticket;
  if (isOpen(ticket)) return rest;
  return { ...rest, resolvedAt: resolvedAt ?? ticket.updatedAt };
}

/** Whether `update` is newer, in the help desk's time, than the version kept (none kept: always). */
export const isNewerThan = (update: Pick<Ticket, 'updatedAt'>, kept: Pick<Ticket, 'updatedAt'> | undefined) =>
  !kept || Date.parse(update.updatedAt) > Date.parse(kept.updatedAt);

/**
 * The customer's kept tickets after one update: replaced by id when newer, newest opened first, at most
 * `MAX_TICKETS_KEPT`. An update no newer than the kept version leaves the list as it was.
 */
export function withTicket(kept: readonly Ticket[] | undefined, update: Ticket): { readonly changed: boolean; readonly tickets: readonly Ticket[] } {
  const tickets = kept ?? [];
  const current = tickets.find((ticket) => ticket.ticketId === update.ticketId);
  if (!isNewerThan(update, current)) return { changed: false, tickets };
  const next = [...tickets.filter((ticket) => ticket.ticketId !== update.ticketId), normaliseTicket(update)]
    .sort((a, b) => Date.parse(b.openedAt) - Date.parse(a.openedAt) || a.ticketId.localeCompare(b.ticketId))
    .slice(0, MAX_TICKETS_KEPT);
  return { changed: true, tickets: next };
}

/** The middle value (mean of the two middle ones for an even count); undefined for none. */
export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** What segments, scoring, the churn risk and the lead page see of a customer's tickets, as of `now`. */
export interface TicketProfile {
  readonly count: number;
  readonly lastTicketAt?: string;
  readonly openTickets: number;
  readonly ticketsLast30Days: number;
  readonly ticketsLast90Days: number;
  /** Median hours from opened to resolved over the kept resolved tickets, to one decimal. */
  readonly medianResolutionHours?: number;
}

/** Tickets opened within `days` before `now`. */
export function ticketsWithin(tickets: readonly Ticket[] | undefined, days: number, now: string): number {
  const since = Date.parse(now) - days * DAY_MS;
  return (tickets ?? []).filter((ticket) => Date.parse(ticket.openedAt) >= since).length;
}

export function ticketProfile(tickets: readonly Ticket[] | undefined, now: string): TicketProfile {
  const kept = tickets ?? [];
  const last = kept.reduce<string | undefined>((latest, ticket) => (!latest || Date.parse(ticket.openedAt) > Date.parse(latest) ? ticket.openedAt : latest), undefined);
  const resolutions = kept.flatMap((ticket) => (ticket.resolvedAt ? [Math.max(0, Date.parse(ticket.resolvedAt) - Date.parse(ticket.openedAt)) / HOUR_MS] : []));
  const middle = median(resolutions);
  return {
    count: kept.length,
    ...(last ? { lastTicketAt: last } : {}),
    openTickets: kept.filter(isOpen).length,
    ticketsLast30Days: ticketsWithin(kept, 30, now),
    ticketsLast90Days: ticketsWithin(kept, 90, now),
    ...(middle === undefined ? {} : { medianResolutionHours: Math.round(middle * 10) / 10 }),
  };
}
