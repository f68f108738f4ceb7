import { inParallel } from './in-parallel';
import type { MarketingSendRequest, MarketingSendVerdict, RecipientsRead } from './marketing-send-gate';
import type { EmailSender, LeadReader, Log, SubscriptionCatalogueReader } from './ports';
import type { CampaignItem, CampaignStatus, SendClaim, SendRecord, SkipRecord } from '../domain/campaigns/campaign';
import { withSubscriberFooter } from '../domain/campaigns/footer';
import { renderTemplate, type Template } from '../domain/campaigns/template';
import { listUnsubscribeHeaders, type SkipReason } from '../domain/consent/send-policy';
import type { TokenClaims, TokenPurpose } from '../domain/consent/signed-token';
import type { CampaignRecipientsPlannedDetail, CampaignTestRequestedDetail, TemplateTestRequestedDetail } from '../domain/events';
import type { SubscriptionType } from '../domain/subscriptions';

export type { SendClaim, SendRecord, SkipRecord };

/**
 * Campaigns and one send record per campaign and recipient: claimed before the email, then marked
 * sent, skipped or interrupted (each counted once in the campaign's totals), or released for the retry.
 */
export interface CampaignSends {
  /** The campaign's status and content, without its counts. */
  getItem(id: string): Promise<CampaignItem | undefined>;
  setStatus(id: string, from: readonly CampaignStatus[], to: CampaignStatus, reason?: string): Promise<boolean>;
  claimSend(campaignId: string, leadId: string, at: string): Promise<SendClaim>;
  recordSkip(campaignId: string, leadId: string, reason: SkipReason, at: string): Promise<SkipRecord>;
  markSent(campaignId: string, leadId: string, messageId: string, at: string): Promise<void>;
  markInterrupted(campaignId: string, leadId: string, at: string): Promise<'counted' | 'already-counted'>;
  releaseSend(campaignId: string, leadId: string): Promise<void>;
}

/** The one send-time policy of marketing email (MarketingSendGate): a batch's recipients read together, then each decided. */
export interface SendGate {
  read(leadIds: readonly string[], now: Date): Promise<RecipientsRead>;
  decide(request: MarketingSendRequest, read?: RecipientsRead): Promise<MarketingSendVerdict>;
  release(leadId: string, messageKey: string): Promise<void>;
}

/**
 * Recipients a batch leaves for later, put back on the bus then as a batch of their own: those whose
 * quiet hours hold now, and those whose sends another sender claimed and has not finished.
 */
export interface RecipientDeferrals {
  /** Puts `leadIds` of the campaign back on the bus at `until` (an ISO instant) to be sent; the same call again changes nothing. */
  defer(campaignId: string, leadIds: readonly string[], until: string): Promise<void>;
  /** Puts `leadIds` of the campaign back on the bus at `at`, once their claims' senders have surely ended, to settle their records; the same call again changes nothing. */
  settleLater(campaignId: string, leadIds: readonly string[], at: string): Promise<void>;
}

/** What a failed send call means: the provider is throttling (wait and try again), or has stopped the account from sending. */
export interface SendFailureKinds {
  throttled(error: unknown): boolean;
  stopped(error: unknown): boolean;
}

/** Stored template versions, which never change once written: a template test send reads the one it names. */
export interface TemplateVersions {
  getVersion(templateId: string, version: number): Promise<Template | undefined>;
}

export interface CampaignSendingDependencies {
  readonly campaigns: CampaignSends;
  readonly templates: TemplateVersions;
  /** Test sends read the lead they are personalised with here; recipients are read by the gate. */
  readonly leads: LeadReader;
  readonly gate: SendGate;
  readonly deferrals: RecipientDeferrals;
  readonly mailer: EmailSender;
  readonly failures: SendFailureKinds;
  /** The send rate every sender of the account shares: resolves when one more email may go. */
  readonly sendRate: { acquire(): Promise<void> };
  /** Whether an address is on the suppression list, read now. */
  readonly isSuppressed: (email: string) => Promise<boolean>;
  /** An absolute link into the public API carrying a token signed for `purpose`. */
  readonly link: (path: string, purpose: TokenPurpose, claims: TokenClaims) => Promise<string>;
  readonly publicBaseUrl: string;
  /** The subscription types, for the name in each email's footer. */
  readonly subscriptionTypes: SubscriptionCatalogueReader;
  readonly log: Log;
  /** A send claimed longer ago was left by a sender that has surely ended (claimStaleSeconds: five of the function's timeouts). */
  readonly abandonedClaimMs: number;
}

/**
 * Recipients of one planned batch in flight at once. Each still waits its turn in the shared send
 * rate, so this bounds only how many DynamoDB and SES calls one batch has open, not the send rate:
 * with the 4 batches an invocation takes, 40 at most, under the SDK's 50 sockets per client.
 */
const RECIPIENTS_AT_ONCE = 10;

/** Tries of one throttled send call, backing off from THROTTLE_BACKOFF_MS, before its record is retried through the queue. */
const THROTTLED_ATTEMPTS = 5;
const THROTTLE_BACKOFF_MS = 250;

/** What a campaign's email is to the frequency cap: one email per campaign and lead, however often retried. */
export const campaignMessageKey = (campaignId: string) => `campaign:${campaignId}`;

/** Test sends show where the links go without any that work: nobody is unsubscribed by a test. */
const TEST_LINK_PATH = '/v1/unsubscribe?token=test-send';

/**
 * Sends a campaign's planned recipients their email, each at most once, through the one send-time
 * policy (consent and suppression read again at send time), within the shared send rate; and test
 * sends to named addresses.
 */
export class CampaignSending {
  constructor(private readonly dependencies: CampaignSendingDependencies) {}

  private async campaign(campaignId: string): Promise<CampaignItem> {
    const campaign = await this.dependencies.campaigns.getItem(campaignId);
    if (!campaign) throw new Error(`Campaign ${campaignId} not found`);
    return campaign;
  }

  /**
   * Sends one planned batch of recipients, unless the campaign stopped sending (paused or cancelled:
   * resuming plans them again). The campaign and its template are read once for the batch, and so
   * are its recipients for the send-time policy: their leads, suppressions and send ledgers, together
   * (a few requests for the batch instead of five per recipient). The first recipient goes alone,
   * so an account SES has stopped costs one refused call; the rest go concurrently, each within the
   * shared send rate. Once SES stops the account or a call fails, no
   * further recipient is started: the rest stay unrecorded for the resume or the batch's retry.
   *
   * A recipient whose send another sender claimed moments ago is that sender's to finish, unless it
   * died mid-way (a crash, or `npm start` killed, whose queues send the batch again at once): the
   * batch has them settled once the claim has surely outlived its sender, so that the campaign's
   * totals reach its recipients and it is marked sent whatever became of that sender.
   */
  async sendPlanned(detail: CampaignRecipientsPlannedDetail): Promise<void> {
    if (detail.settleClaims) return this.settleClaims(detail);
    const campaign = await this.campaign(detail.campaignId);
    if (campaign.status !== 'sending') {
      this.dependencies.log.info('Campaign not sending; recipients left', { campaignId: campaign.id, status: campaign.status, recipients: detail.leadIds.length });
      return;
    }
    const recipients = await this.dependencies.gate.read(detail.leadIds, new Date());
    const deferred = new Map<string, string[]>();
    const held: { leadIds: string[]; until: number } = { leadIds: [], until: 0 };
    const outcomeOf = async (leadId: string) => {
      const outcome = await this.sendTo(campaign, leadId, recipients);
      if (typeof outcome === 'object' && 'until' in outcome) deferred.set(outcome.until, [...(deferred.get(outcome.until) ?? []), leadId]);
      if (typeof outcome === 'object' && 'heldUntil' in outcome) {
        held.leadIds.push(leadId);
        held.until = Math.max(held.until, outcome.heldUntil);
      }
      return outcome;
    };
    const [first, ...rest] = detail.leadIds;
    if (first === undefined || (await outcomeOf(first)) === 'campaign-paused') return;
    let stopped = false;
    const failures = await inParallel(
      rest.map((leadId) => async () => {
        if (stopped) return;
        try {
          if ((await outcomeOf(leadId)) === 'campaign-paused') stopped = true;
        } catch (error) {
          stopped = true;
          throw error;
        }
      }),
      RECIPIENTS_AT_ONCE,
    );
    // Recipients in quiet hours wait for their end, whatever became of the rest of the batch.
    for (const [until, leadIds] of deferred) await this.dependencies.deferrals.defer(campaign.id, leadIds, until);
    if (deferred.size) this.dependencies.log.info('Recipients in quiet hours deferred to their end', { campaignId: campaign.id, recipients: [...deferred.values()].reduce((sum, leadIds) => sum + leadIds.length, 0) });
    if (held.leadIds.length) {
      await this.dependencies.deferrals.settleLater(campaign.id, held.leadIds, new Date(held.until).toISOString());
      this.dependencies.log.info('Recipients claimed by another sender; their records are settled once it has surely ended', { campaignId: campaign.id, recipients: held.leadIds.length });
    }
    if (failures.length) throw failures[0];
  }

  /**
   * Settles the records of recipients whose sends a sender claimed and never finished: a send still
   * marked as sending is counted as interrupted (never sent again: SES may have taken it); one the
   * sender finished after all is left as it is.
   */
  private async settleClaims(detail: CampaignRecipientsPlannedDetail): Promise<void> {
    const at = new Date().toISOString();
    // Together, as a batch's sends are: the send store counts outcomes recorded at the same moment in one transaction.
    await Promise.all(detail.leadIds.map((leadId) => this.countInterrupted(detail.campaignId, leadId, at)));
  }

  /** Counts a send left marked as sending as interrupted, once; a send recorded otherwise is left as it is. */
  private async countInterrupted(campaignId: string, leadId: string, at: string): Promise<void> {
    if ((await this.dependencies.campaigns.markInterrupted(campaignId, leadId, at)) === 'counted') {
      this.dependencies.log.error('Send interrupted between record and SES; not sent again, counted as interrupted', { campaignId, leadId });
    }
  }

  /** Sends the campaign, marked as a test, to named addresses; suppressed addresses are still never mailed. */
  async sendTest(detail: CampaignTestRequestedDetail): Promise<void> {
    const campaign = await this.campaign(detail.campaignId);
    await this.sendTestEmail(campaign.template, campaign.subscription, detail, { campaign: campaign.id, kind: 'test' });
  }

  /** Sends one template version as a test, as a campaign test is sent, under the footer of the subscription named. */
  async sendTemplateTest(detail: TemplateTestRequestedDetail): Promise<void> {
    const template = await this.dependencies.templates.getVersion(detail.templateId, detail.templateVersion);
    // Versions are never deleted, and the request checked this one exists: a missing one is a fault to retry.
    if (!template) throw new Error(`Template ${detail.templateId} has no version ${detail.templateVersion}`);
    await this.sendTestEmail(template, detail.subscription, detail, { template: detail.templateId, kind: 'test' });
  }

  /** Marked [Test], personalised with the named lead (or the fallbacks), not recorded, with links that unsubscribe nobody. */
  private async sendTestEmail(template: Template, subscription: SubscriptionType, request: { readonly to: readonly string[]; readonly leadId?: string }, tags: Record<string, string>) {
    const { leads, mailer, isSuppressed, publicBaseUrl, subscriptionTypes, log } = this.dependencies;
    const lead = request.leadId ? await leads.getLead(request.leadId) : undefined;
    const rendered = renderTemplate(template, { lead: lead ?? {} });
    const testLink = `${publicBaseUrl}${TEST_LINK_PATH}`;
    const email = withSubscriberFooter({ ...rendered, subject: `[Test] ${rendered.subject}` }, { subscription, unsubscribeUrl: testLink, preferencesUrl: testLink }, await subscriptionTypes());
    for (const address of request.to) {
      if (await isSuppressed(address)) {
        log.info('Test send skipped: address suppressed', tags);
        continue;
      }
      await mailer.send({ to: [address], ...email, headers: listUnsubscribeHeaders(testLink), tags });
    }
  }

  /**
   * Sends a campaign to one recipient, at most once: the send-time policy decides now (consent and
   * suppression as read for the batch moments ago, quiet hours, frequency cap), the send is recorded
   * before the email goes, and a record found mid-send from a crashed attempt is reported, never sent again. A recipient in
   * quiet hours is left unrecorded, to be sent when they end; one whose send another sender claimed
   * moments ago, to be settled when that claim has surely outlived its sender.
   */
  private async sendTo(campaign: CampaignItem, leadId: string, recipients: RecipientsRead): Promise<'done' | 'campaign-paused' | { readonly until: string } | { readonly heldUntil: number }> {
    const { campaigns, gate, mailer, failures, link, subscriptionTypes, log } = this.dependencies;
    const now = new Date();
    const at = now.toISOString();
    const messageKey = campaignMessageKey(campaign.id);
    const verdict = await gate.decide({ leadId, subscription: campaign.subscription, messageKey, now }, recipients);
    if (!verdict.send) {
      if (verdict.reason === 'quiet_hours') return { until: verdict.until };
      const skip = await campaigns.recordSkip(campaign.id, leadId, verdict.reason, at);
      // A record there already may be a claim whose sender died (the lead unsubscribed since): settled as below.
      return skip.outcome === 'exists' ? this.settleExisting(campaign.id, leadId, skip.record, now) : 'done';
    }
    const { lead } = verdict;
    const claim = await campaigns.claimSend(campaign.id, leadId, at);
    if (claim.outcome === 'exists') {
      // Skipped before (consent, cap): this email was never sent, so the count just made goes back.
      if (claim.record.status === 'skipped') await gate.release(leadId, messageKey);
      return this.settleExisting(campaign.id, leadId, claim.record, now);
    }
    const unsubscribeUrl = await link('/v1/unsubscribe', 'unsubscribe', { leadId, subscription: campaign.subscription, campaignId: campaign.id });
    const preferencesUrl = await link('/v1/preferences', 'preferences', { leadId });
    const email = withSubscriberFooter(renderTemplate(campaign.template, { lead }), { subscription: campaign.subscription, unsubscribeUrl, preferencesUrl }, await subscriptionTypes());
    let messageId: string;
    try {
      messageId = await this.sendWithBackoff(() => mailer.send({ to: [lead.email], ...email, headers: listUnsubscribeHeaders(unsubscribeUrl), tags: { campaign: campaign.id, lead: leadId } }));
    } catch (error) {
      // The provider refused the call, so nothing was sent: free the record and the cap's count for the retry or the resume.
      await campaigns.releaseSend(campaign.id, leadId);
      await gate.release(leadId, messageKey);
      if (!failures.stopped(error)) throw error;
      await campaigns.setStatus(campaign.id, ['sending'], 'paused', `SES stopped sending: ${(error as Error).name}`);
      log.error('SES stopped sending for the account; campaign paused', { campaignId: campaign.id, error: (error as Error).name });
      return 'campaign-paused';
    }
    await campaigns.markSent(campaign.id, leadId, messageId, new Date().toISOString());
    return 'done';
  }

  /**
   * What a recipient's existing send record leaves to do: nothing when it ended (sent, skipped,
   * interrupted). A recent claim belongs to a sender still at work, which counts it, or to one that
   * died moments ago: settled once it has surely ended. An old one belongs to a sender that died: it
   * is counted as interrupted, never sent again.
   */
  private async settleExisting(campaignId: string, leadId: string, record: SendRecord, now: Date): Promise<'done' | { readonly heldUntil: number }> {
    if (record.status !== 'sending') return 'done';
    const heldUntil = Date.parse(record.claimedAt ?? now.toISOString()) + this.dependencies.abandonedClaimMs;
    if (heldUntil > now.getTime()) return { heldUntil };
    await this.countInterrupted(campaignId, leadId, now.toISOString());
    return 'done';
  }

  /**
   * One send call within the rate all senders share; when the provider still throttles (another sender
   * of the account, or a lower rate than configured), it backs off with full jitter before giving up,
   * so a throttled call is retried rather than dropped.
   */
  private async sendWithBackoff(send: () => Promise<string>): Promise<string> {
    const { sendRate, failures } = this.dependencies;
    for (let attempt = 0; ; attempt += 1) {
      await sendRate.acquire();
      try {
        return await send();
      } catch (error) {
        if (!failures.throttled(error) || attempt + 1 >= THROTTLED_ATTEMPTS) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * THROTTLE_BACKOFF_MS * 2 ** attempt));
      }
    }
  }
}
