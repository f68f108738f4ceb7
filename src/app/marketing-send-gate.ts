import type { LeadsReader, SubscriptionCatalogueReader } from './ports';
import type { Lead } from '../domain/lead';
import { capOutcome, leadTimeZone, ledgerWith, quietHoursEnd, sendDecision, type LedgerSend, type SendPolicy } from '../domain/consent/send-policy';
import { findSubscriptionType, type SubscriptionType } from '../domain/subscriptions';

/** The send-time policy as configured now (the adapter may keep it for a second, so one batch reads it once). */
export interface SendPolicySource {
  current(): Promise<SendPolicy>;
}

/** A lead's recent marketing sends as read, with the version a write must find to replace them. */
export interface LedgerState {
  readonly sends: readonly LedgerSend[];
  readonly version: number;
}

/**
 * Each lead's recent marketing sends, kept on one record whose `version` every write checks and
 * moves: two senders counting the lead's last slot at once cannot both succeed.
 */
export interface MarketingSendLedger {
  read(leadId: string): Promise<LedgerState>;
  /** The ledgers of `leadIds`, read consistently and together; a lead with none yet has no sends at version 0. */
  readMany(leadIds: readonly string[]): Promise<ReadonlyMap<string, LedgerState>>;
  /** Replaces the sends if the record is still at `expectedVersion` (0: none yet); false when another writer moved it. */
  write(leadId: string, sends: readonly LedgerSend[], expectedVersion: number): Promise<boolean>;
}

export interface MarketingSendGateDependencies {
  readonly leads: LeadsReader;
  /** The addresses among `emails` on the suppression list, read now, together. */
  readonly suppressedAmong: (emails: readonly string[]) => Promise<ReadonlySet<string>>;
  readonly policy: SendPolicySource;
  readonly ledger: MarketingSendLedger;
  /** The subscription types as stored now, to tell a transactional type (exempt from cap and quiet hours). */
  readonly subscriptionTypes: SubscriptionCatalogueReader;
}

/** One marketing email about to go to one lead. */
export interface MarketingSendRequest {
  readonly leadId: string;
  readonly subscription: SubscriptionType;
  /**
   * What is sent, the same on every retry of this email to this lead and different for any other
   * email: `campaign:<campaignId>`, `journey:<enrolmentId>:<stepId>`. A retry counts once.
   */
  readonly messageKey: string;
  readonly now: Date;
}

/**
 * Send (the lead as read, to render), skip for a reason the caller records, or wait until the
 * lead's quiet hours end (`until`, an ISO instant) and ask again then.
 */
export type MarketingSendVerdict =
  | { readonly send: true; readonly lead: Lead }
  | { readonly send: false; readonly reason: 'no_lead' | 'not_opted_in' | 'suppressed' | 'frequency_cap' }
  | { readonly send: false; readonly reason: 'quiet_hours'; readonly until: string };

/**
 * What the gate read of some recipients at one moment, together (`MarketingSendGate.read`): each
 * lead, which of their addresses are suppressed, and each lead's send ledger.
 */
export interface RecipientsRead {
  /** When they were read (milliseconds since the epoch), by the clock of the requests decided with it. */
  readonly at: number;
  readonly leadIds: ReadonlySet<string>;
  readonly leads: ReadonlyMap<string, Lead>;
  readonly suppressedEmails: ReadonlySet<string>;
  readonly ledgers: ReadonlyMap<string, LedgerState>;
}

/**
 * How long what was read for a batch decides its recipients: a recipient decided later is read again
 * on its own, so an unsubscribe or a suppression holds for every send that starts more than this after
 * it, however long the batch waits for the shared send rate.
 */
export const RECIPIENTS_READ_FRESH_MS = 5_000;

/** The ledger a count starts from: read with its batch, or just now for this email alone. */
interface FirstLedgerRead {
  readonly ledger: LedgerState;
  readonly readNow: boolean;
}

/** Tries of a ledger write that another sender's write to the same lead overtook. */
const LEDGER_ATTEMPTS = 10;

/**
 * The one send-time check every sender of marketing email calls (campaigns, journeys): consent and
 * suppression read at send time, then the lead's quiet hours, then the frequency cap, which it counts
 * the email against when it says send. A sender of many recipients reads them together first
 * (`read`: a lead, suppression and ledger read per batch, not per recipient) and decides each with
 * what it read; a single email is read and decided the same way, on its own. A sender whose provider
 * then refuses the email (nothing sent) gives the count back with `release`. Email of a type marked
 * transactional comes here for consent and suppression only; alerts and confirmations do not come here.
 */
export class MarketingSendGate {
  constructor(private readonly deps: MarketingSendGateDependencies) {}

  /** Reads what deciding needs for `leadIds` at `now`, together: their leads (with scores), suppressions and send ledgers. */
  async read(leadIds: readonly string[], now: Date): Promise<RecipientsRead> {
    const unique = [...new Set(leadIds)];
    const [leads, ledgers] = await Promise.all([this.deps.leads.getLeads(unique), this.deps.ledger.readMany(unique)]);
    const emails = [...new Set(leads.map((lead) => lead.email))];
    const suppressedEmails = emails.length ? await this.deps.suppressedAmong(emails) : new Set<string>();
    return { at: now.getTime(), leadIds: new Set(unique), leads: new Map(leads.map((lead) => [lead.id, lead])), suppressedEmails, ledgers };
  }

  /**
   * Decides one email with what `read` found for its recipient when that is at most
   * RECIPIENTS_READ_FRESH_MS old, else with the recipient read now. Only a ledger write at the version
   * read, or a ledger read now, decides the cap: a count from what the batch read that says the cap is
   * reached (or the email already counted) is read again before it is believed.
   */
  async decide(request: MarketingSendRequest, read?: RecipientsRead): Promise<MarketingSendVerdict> {
    const age = read ? request.now.getTime() - read.at : Number.POSITIVE_INFINITY;
    const recipients = read?.leadIds.has(request.leadId) && age >= 0 && age <= RECIPIENTS_READ_FRESH_MS ? read : await this.read([request.leadId], request.now);
    const lead = recipients.leads.get(request.leadId);
    const consent = sendDecision(lead, request.subscription, lead ? recipients.suppressedEmails.has(lead.email) : false);
    if (!lead || !consent.send) return { send: false, reason: consent.send ? 'no_lead' : consent.reason };
    // Mail of a transactional type is service mail the subscriber opted in to, not marketing: it waits
    // for no quiet hours, is held by no cap and takes no slot of it.
    if (findSubscriptionType(await this.deps.subscriptionTypes([request.subscription]), request.subscription)?.transactional) return { send: true, lead };
    const policy = await this.deps.policy.current();
    // Quiet hours come before the cap, so an email that waits does not hold a slot meanwhile.
    const quietEnd = policy.quietHours ? quietHoursEnd(policy.quietHours, leadTimeZone(lead, policy), request.now) : undefined;
    if (quietEnd) return { send: false, reason: 'quiet_hours', until: quietEnd.toISOString() };
    const ledger = recipients.ledgers.get(request.leadId) ?? { sends: [], version: 0 };
    const counted = await this.count(request, policy, { ledger, readNow: recipients !== read });
    return counted ? { send: true, lead } : { send: false, reason: 'frequency_cap' };
  }

  /** Gives back the count of an email the provider refused (nothing was sent); one never counted is fine. */
  async release(leadId: string, messageKey: string): Promise<void> {
    await this.rewrite(leadId, (sends) => (sends.some((send) => send.key === messageKey) ? sends.filter((send) => send.key !== messageKey) : undefined));
  }

  /** Counts the email on the lead's ledger when the cap allows it (always, with no cap, so a cap set later counts past sends). */
  private async count(request: MarketingSendRequest, policy: SendPolicy, first: FirstLedgerRead): Promise<boolean> {
    let allowed = false;
    await this.rewrite(
      request.leadId,
      (sends) => {
        const outcome = capOutcome(sends, policy.frequencyCap, request.messageKey, request.now);
        allowed = outcome !== 'cap-reached';
        return outcome === 'within-cap' ? ledgerWith(sends, { key: request.messageKey, at: request.now.toISOString() }, request.now) : undefined;
      },
      first,
    );
    return allowed;
  }

  /**
   * Lets `change` decide from the ledger (undefined: leave it) and writes it back if nobody moved it
   * meanwhile, else reads again. It starts from `first` when given; a decision to leave a ledger read
   * with a batch as it was is taken again on the ledger read now, since only a write proves that what
   * was read earlier is still current.
   */
  private async rewrite(leadId: string, change: (sends: readonly LedgerSend[]) => LedgerSend[] | undefined, first?: FirstLedgerRead): Promise<void> {
    let earlier = first;
    for (let refused = 0; ; ) {
      const { sends, version } = earlier?.ledger ?? (await this.deps.ledger.read(leadId));
      const fromBatch = earlier !== undefined && !earlier.readNow;
      earlier = undefined;
      const next = change(sends);
      if (!next) {
        if (fromBatch) continue;
        return;
      }
      if (await this.deps.ledger.write(leadId, next, version)) return;
      refused += 1;
      if (refused >= LEDGER_ATTEMPTS) throw new Error(`Marketing send ledger of lead ${leadId} kept changing; try again`);
    }
  }
}
