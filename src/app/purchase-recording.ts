import { inParallel } from './in-parallel';
import { OPTIMISTIC_ATTEMPTS, pauseBeforeRetry } from './optimistic-retry';
import type { EventPublisher, LeadReader, Log } from './ports';
import { describeError, LeadBusy, Unavailable } from '../domain/errors';
import { DetailType, type DomainEvent } from '../domain/events';
import type { Lead, PurchaseSummary, Touch } from '../domain/lead';
import { addPurchase, currencyFits, type Purchase } from '../domain/purchases';

/** One purchase as the caller names its buyer: by `email` or by `leadId` (exactly one). */
export type PurchaseItem = Purchase & { readonly email?: string; readonly leadId?: string };

export type PurchaseStatus = 'recorded' | 'duplicate' | 'unknown_lead' | 'currency_mismatch';

export interface PurchaseResult {
  readonly orderId: string;
  readonly status: PurchaseStatus;
  readonly leadId?: string;
  readonly message?: string;
}

export interface PurchasesRecorded {
  readonly recorded: number;
  readonly duplicates: number;
  readonly refused: number;
  /** One result per item, in the order sent. */
  readonly purchases: PurchaseResult[];
}

/** The address-to-lead index: an address nobody has submitted yet becomes a lead with only that address. */
export interface LeadsByEmail {
  ensureLeadForEmail(email: string, touch: Touch): Promise<string>;
}

/**
 * The purchases recorded, one per order id. `record` writes the purchase and the lead's new summary
 * together, against the lead's version it read; `lead-changed` means another write came first.
 */
export interface PurchaseLedger {
  get(orderId: string): Promise<unknown>;
  record(lead: Pick<Lead, 'id' | 'version'>, purchase: Purchase, summary: PurchaseSummary, recordedAt: string): Promise<'recorded' | 'duplicate' | 'lead-changed'>;
}

export interface PurchaseRecordingDependencies {
  readonly leads: LeadReader;
  readonly emails: LeadsByEmail;
  readonly ledger: PurchaseLedger;
  /** Announces each recorded order, for the customer's churn risk. */
  readonly publisher: EventPublisher;
  /** Whether a store's failure was a refusal for rate or capacity, after which repeating the request is safe. */
  readonly isThrottling: (error: unknown) => boolean;
  readonly log: Log;
}

/** The order of a lead to announce: recorded now, or found recorded by a repeat. */
interface Announcement {
  readonly leadId: string;
  readonly orderId: string;
  readonly purchasedAt: string;
}

/** Leads whose purchases are recorded at the same time; one lead's purchases go one after another. */
const CONCURRENT_LEADS = 8;

/** Recording purchases from a shop or CRM: each once per order id, in the lead's one currency. */
export class PurchaseRecording {
  constructor(private readonly deps: PurchaseRecordingDependencies) {}

  /**
   * Records each item in its own transaction and answers one result per item. When the table refused
   * writes part-way (throttling, or a lead changing under every attempt), throws Unavailable saying
   * how many were recorded: repeating the request records the rest, and recorded ones report duplicate.
   * Each order recorded, or found recorded for its lead, is announced on the bus (`purchase.recorded`),
   * so a request repeated after the bus refused announces what the first one could not.
   */
  async recordAll(items: readonly PurchaseItem[], correlationId: string, now: string): Promise<PurchasesRecorded> {
    const announcements: Announcement[] = [];
    const { results, failures } = await this.recordEach(items, now, announcements);
    const done = results.filter((result): result is PurchaseResult => result !== undefined);
    const count = (status: PurchaseStatus) => done.filter((result) => result.status === status).length;
    // Announced before any failure is reported: a caller told to repeat announces again what this missed.
    const announced = await this.announce(announcements, correlationId);
    if (failures.length) {
      const retryable = failures.every((failure) => this.deps.isThrottling(failure) || failure instanceof LeadBusy);
      if (!retryable) throw failures[0];
      this.deps.log.warn('Purchases partly recorded; the caller should repeat the request', { items: items.length, recorded: count('recorded'), failures: failures.length });
      throw new Unavailable(
        `${count('recorded')} of ${items.length} purchases recorded before the table refused more (throttling, or a lead changing under every attempt); repeat the same request to record the rest (recorded ones report duplicate)`,
        2,
      );
    }
    if (!announced) {
      throw new Unavailable('Purchases recorded, but the churn risk is not told yet; repeat the same request (recorded ones report duplicate and are announced again)', 2);
    }
    const recorded: PurchasesRecorded = {
      recorded: count('recorded'),
      duplicates: count('duplicate'),
      refused: count('unknown_lead') + count('currency_mismatch'),
      purchases: done,
    };
    this.deps.log.info('Purchases recorded', { items: items.length, recorded: recorded.recorded, duplicates: recorded.duplicates, refused: recorded.refused });
    return recorded;
  }

  /**
   * Addresses are resolved to leads first, so items naming the same lead (by email or by id) run in
   * the order sent: the first purchase recorded sets the lead's currency. An order id repeated in the
   * batch is a duplicate after its first place.
   */
  private async recordEach(items: readonly PurchaseItem[], now: string, announcements: Announcement[]) {
    const results: (PurchaseResult | undefined)[] = items.map(() => undefined);
    const leadOfEmail = new Map<string, string>();
    const emails = [...new Set(items.flatMap((item) => (item.email ? [item.email] : [])))];
    const resolving = await inParallel(emails.map((email) => async () => {
      leadOfEmail.set(email, await this.deps.emails.ensureLeadForEmail(email, { at: now }));
    }), CONCURRENT_LEADS);
    if (resolving.length) return { results, failures: resolving };

    const firstPlace = new Set<string>();
    const byLead = new Map<string, number[]>();
    items.forEach((item, index) => {
      if (firstPlace.has(item.orderId)) {
        results[index] = { orderId: item.orderId, status: 'duplicate' };
        return;
      }
      firstPlace.add(item.orderId);
      const leadId = item.email ? leadOfEmail.get(item.email) : item.leadId;
      byLead.set(leadId ?? '', [...(byLead.get(leadId ?? '') ?? []), index]);
    });
    const failures = await inParallel([...byLead].map(([leadId, indexes]) => async () => {
      for (const index of indexes) results[index] = await this.recordOne(items[index] as PurchaseItem, leadId || undefined, now, announcements);
    }), CONCURRENT_LEADS);
    return { results, failures };
  }

  /** One purchase, retried against the lead's newer version while other writes change it; LeadBusy when it never settles. */
  private async recordOne(item: PurchaseItem, leadId: string | undefined, now: string, announcements: Announcement[]): Promise<PurchaseResult> {
    const { email: _email, leadId: _leadId, ...purchase } = item;
    const { orderId } = purchase;
    for (let attempt = 0; attempt < OPTIMISTIC_ATTEMPTS; attempt += 1) {
      if (attempt > 0) await pauseBeforeRetry(attempt);
      const lead = leadId ? await this.deps.leads.getLead(leadId) : undefined;
      if (!lead) return { orderId, status: 'unknown_lead', message: `No lead with id ${leadId ?? ''}` };
      if (!currencyFits(lead.purchases, purchase.currency)) {
        // An order recorded before (for any lead) stays a duplicate, whatever currency the repeat names.
        if (await this.deps.ledger.get(orderId)) return { orderId, status: 'duplicate' };
        return { orderId, status: 'currency_mismatch', leadId: lead.id, message: `The lead's purchases are in ${lead.purchases?.currency ?? ''}; leadflow converts no currencies` };
      }
      const outcome = await this.deps.ledger.record(lead, purchase, addPurchase(lead.purchases, purchase), now);
      if (outcome !== 'lead-changed') announcements.push({ leadId: lead.id, orderId, purchasedAt: purchase.purchasedAt });
      if (outcome === 'recorded') return { orderId, status: 'recorded', leadId: lead.id };
      if (outcome === 'duplicate') return { orderId, status: 'duplicate' };
    }
    throw new LeadBusy(leadId ?? '', OPTIMISTIC_ATTEMPTS);
  }

  /** Whether the bus took every announcement. */
  private async announce(announcements: readonly Announcement[], correlationId: string): Promise<boolean> {
    const events: DomainEvent[] = announcements.map(({ leadId, orderId, purchasedAt }) => ({
      detailType: DetailType.PurchaseRecorded,
      detail: { version: 1, correlationId, leadId, orderId, purchasedAt },
    }));
    try {
      await this.deps.publisher.publish(events);
      return true;
    } catch (error) {
      this.deps.log.error('Purchases recorded but not announced', { purchases: events.length, error: describeError(error) });
      return false;
    }
  }
}
