import type { LeadReader } from './ports';
import type { Lead } from '../domain/lead';
import { capOutcome, leadTimeZone, ledgerWith, quietHoursEnd, sendDecision, type LedgerSend, type SendPolicy } from '../domain/consent/send-policy';
import type { SubscriptionType } from '../domain/subscriptions';

/** The send-time policy as configured now (the adapter may keep it for a second, so one batch reads it once). */
export interface SendPolicySource {
  current(): Promise<SendPolicy>;
}

/**
 * Each lead's recent marketing sends, kept on one record whose `version` every write checks and
 * moves: two senders counting the lead's last slot at once cannot both succeed.
 */
export interface MarketingSendLedger {
  read(leadId: string): Promise<{ readonly sends: readonly LedgerSend[]; readonly version: number }>;
  /** Replaces the sends if the record is still at `expectedVersion` (0: none yet); false when another writer moved it. */
  write(leadId: string, sends: readonly LedgerSend[], expectedVersion: number): Promise<boolean>;
}

export interface MarketingSendGateDependencies {
  readonly leads: LeadReader;
  /** Whether an address is on the suppression list, read now. */
  readonly isSuppressed: (email: string) => Promise<boolean>;
  readonly policy: SendPolicySource;
  readonly ledger: MarketingSendLedger;
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
 * Send (the lead as read now, to render), skip for a reason the caller records, or wait until the
 * lead's quiet hours end (`until`, an ISO instant) and ask again then.
 */
export type MarketingSendVerdict =
  | { readonly send: true; readonly lead: Lead }
  | { readonly send: false; readonly reason: 'no_lead' | 'not_opted_in' | 'suppressed' | 'frequency_cap' }
  | { readonly send: false; readonly reason: 'quiet_hours'; readonly until: string };

/** Tries of a ledger write that another sender's write to the same lead overtook. */
const LEDGER_ATTEMPTS = 10;

/**
 * The one send-time check every sender of marketing email calls (campaigns, journeys): consent and
 * suppression read now, then the lead's quiet hours, then the frequency cap, which it counts the
 * email against when it says send. A sender whose provider then refuses the email (nothing sent)
 * gives the count back with `release`. Transactional email does not come here.
 */
export class MarketingSendGate {
  constructor(private readonly deps: MarketingSendGateDependencies) {}

  async decide(request: MarketingSendRequest): Promise<MarketingSendVerdict> {
    const lead = await this.deps.leads.getLead(request.leadId);
    const suppressed = lead ? await this.deps.isSuppressed(lead.email) : false;
    const consent = sendDecision(lead, request.subscription, suppressed);
    if (!lead || !consent.send) return { send: false, reason: consent.send ? 'no_lead' : consent.reason };
    const policy = await this.deps.policy.current();
    // Quiet hours come before the cap, so an email that waits does not hold a slot meanwhile.
    const quietEnd = policy.quietHours ? quietHoursEnd(policy.quietHours, leadTimeZone(lead, policy), request.now) : undefined;
    if (quietEnd) return { send: false, reason: 'quiet_hours', until: quietEnd.toISOString() };
    const counted = await this.count(request, policy);
    return counted ? { send: true, lead } : { send: false, reason: 'frequency_cap' };
  }

  /** Gives back the count of an email the provider refused (nothing was sent); one never counted is fine. */
  async release(leadId: string, messageKey: string): Promise<void> {
    await this.rewrite(leadId, (sends) => (sends.some((send) => send.key === messageKey) ? sends.filter((send) => send.key !== messageKey) : undefined));
  }

  /** Counts the email on the lead's ledger when the cap allows it (always, with no cap, so a cap set later counts past sends). */
  private async count(request: MarketingSendRequest, policy: SendPolicy): Promise<boolean> {
    let allowed = false;
    await this.rewrite(request.leadId, (sends) => {
      const outcome = capOutcome(sends, policy.frequencyCap, request.messageKey, request.now);
      allowed = outcome !== 'cap-reached';
      return outcome === 'within-cap' ? ledgerWith(sends, { key: request.messageKey, at: request.now.toISOString() }, request.now) : undefined;
    });
    return allowed;
  }

  /** Reads the ledger, lets `change` decide (undefined: leave it), writes it back if nobody moved it meanwhile, else reads again. */
  private async rewrite(leadId: string, change: (sends: readonly LedgerSend[]) => LedgerSend[] | undefined): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      const { sends, version } = await this.deps.ledger.read(leadId);
      const next = change(sends);
      if (!next || (await this.deps.ledger.write(leadId, next, version))) return;
      if (attempt >= LEDGER_ATTEMPTS) throw new Error(`Marketing send ledger of lead ${leadId} kept changing; try again`);
    }
  }
}
