import { inParallel } from './in-parallel';
import type { EmailSender, LeadsReader, Log } from './ports';
import type { Lead } from '../domain/lead';
import type { CampaignItem, CampaignStatus, SendClaim, SendRecord } from '../domain/campaigns/campaign';
import { withSubscriberFooter } from '../domain/campaigns/footer';
import { renderTemplate } from '../domain/campaigns/template';
import { listUnsubscribeHeaders, sendDecision } from '../domain/consent/send-policy';
import type { TokenClaims, TokenPurpose } from '../domain/consent/signed-token';
import type { CampaignRecipientsPlannedDetail, CampaignTestRequestedDetail } from '../domain/events';

export type { SendClaim, SendRecord };

/**
 * Campaigns and one send record per campaign and recipient: claimed before the email, then marked
 * sent, skipped or interrupted (each counted once in the campaign's totals), or released for the retry.
 */
export interface CampaignSends {
  /** The campaign's status and content, without its counts. */
  getItem(id: string): Promise<CampaignItem | undefined>;
  setStatus(id: string, from: readonly CampaignStatus[], to: CampaignStatus, reason?: string): Promise<boolean>;
  claimSend(campaignId: string, leadId: string, at: string): Promise<SendClaim>;
  recordSkip(campaignId: string, leadId: string, reason: string, at: string): Promise<void>;
  markSent(campaignId: string, leadId: string, messageId: string, at: string): Promise<void>;
  markInterrupted(campaignId: string, leadId: string, at: string): Promise<'counted' | 'already-counted'>;
  releaseSend(campaignId: string, leadId: string): Promise<void>;
}

/** What a failed send call means: the provider is throttling (wait and try again), or has stopped the account from sending. */
export interface SendFailureKinds {
  throttled(error: unknown): boolean;
  stopped(error: unknown): boolean;
}

export interface CampaignSendingDependencies {
  readonly campaigns: CampaignSends;
  readonly leads: LeadsReader;
  readonly mailer: EmailSender;
  readonly failures: SendFailureKinds;
  /** The send rate every sender of the account shares: resolves when one more email may go. */
  readonly sendRate: { acquire(): Promise<void> };
  /** The addresses among `emails` that are on the suppression list, read now, together. */
  readonly suppressedAmong: (emails: readonly string[]) => Promise<ReadonlySet<string>>;
  /** An absolute link into the public API carrying a token signed for `purpose`. */
  readonly link: (path: string, purpose: TokenPurpose, claims: TokenClaims) => Promise<string>;
  readonly publicBaseUrl: string;
  readonly log: Log;
  /** A send claimed longer ago was left by a sender that died (twice the function's timeout). */
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

/** Test sends show where the links go without any that work: nobody is unsubscribed by a test. */
const TEST_LINK_PATH = '/v1/unsubscribe?token=test-send';

/** A batch's recipients as read when it starts: the leads there are, and which of their addresses are suppressed. */
interface Recipients {
  readonly leads: ReadonlyMap<string, Lead>;
  readonly suppressed: ReadonlySet<string>;
}

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
   * resuming plans them again). The campaign and its template are read once for the batch, and so are
   * its recipients and their suppressions, together (a request or two for the batch instead of three
   * per recipient: the calls, not the sends, were the sender's pace). The first
   * recipient goes alone, so an account SES has stopped costs one refused call; the rest go
   * concurrently, each within the shared send rate. Once SES stops the account or a call fails, no
   * further recipient is started: the rest stay unrecorded for the resume or the batch's retry.
   */
  async sendPlanned(detail: CampaignRecipientsPlannedDetail): Promise<void> {
    const campaign = await this.campaign(detail.campaignId);
    if (campaign.status !== 'sending') {
      this.dependencies.log.info('Campaign not sending; recipients left', { campaignId: campaign.id, status: campaign.status, recipients: detail.leadIds.length });
      return;
    }
    const recipients = await this.recipients(detail.leadIds);
    const [first, ...rest] = detail.leadIds;
    if (first === undefined || (await this.sendTo(campaign, first, recipients)) === 'campaign-paused') return;
    let stopped = false;
    const failures = await inParallel(
      rest.map((leadId) => async () => {
        if (stopped) return;
        try {
          if ((await this.sendTo(campaign, leadId, recipients)) === 'campaign-paused') stopped = true;
        } catch (error) {
          stopped = true;
          throw error;
        }
      }),
      RECIPIENTS_AT_ONCE,
    );
    if (failures.length) throw failures[0];
  }

  /** The leads of `leadIds` and which of their addresses are suppressed, read now. */
  private async recipients(leadIds: readonly string[]): Promise<Recipients> {
    const leads = new Map((await this.dependencies.leads.getLeads([...new Set(leadIds)])).map((lead) => [lead.id, lead]));
    const emails = [...leads.values()].map((lead) => lead.email);
    return { leads, suppressed: emails.length ? await this.dependencies.suppressedAmong(emails) : new Set() };
  }

  /** Sends the campaign, marked as a test, to named addresses; suppressed addresses are still never mailed. */
  async sendTest(detail: CampaignTestRequestedDetail): Promise<void> {
    const { leads, mailer, suppressedAmong, publicBaseUrl, log } = this.dependencies;
    const campaign = await this.campaign(detail.campaignId);
    const lead = detail.leadId ? await leads.getLead(detail.leadId) : undefined;
    const rendered = renderTemplate(campaign.template, { lead: lead ?? {} });
    const testLink = `${publicBaseUrl}${TEST_LINK_PATH}`;
    const email = withSubscriberFooter({ ...rendered, subject: `[Test] ${rendered.subject}` }, { subscription: campaign.subscription, unsubscribeUrl: testLink, preferencesUrl: testLink });
    const suppressed = await suppressedAmong(detail.to);
    for (const address of detail.to) {
      if (suppressed.has(address)) {
        log.info('Test send skipped: address suppressed', { campaignId: campaign.id });
        continue;
      }
      await mailer.send({ to: [address], ...email, headers: listUnsubscribeHeaders(testLink), tags: { campaign: campaign.id, kind: 'test' } });
    }
  }

  /**
   * Sends a campaign to one recipient, at most once: consent and suppression as read for its batch,
   * after planning (an unsubscribe since planning holds), the send recorded before the email goes, and
   * a record found mid-send from a crashed attempt reported, never sent again.
   */
  private async sendTo(campaign: CampaignItem, leadId: string, recipients: Recipients): Promise<'done' | 'campaign-paused'> {
    const { campaigns, mailer, failures, link, log, abandonedClaimMs } = this.dependencies;
    const now = new Date().toISOString();
    const lead = recipients.leads.get(leadId);
    const suppressed = lead ? recipients.suppressed.has(lead.email) : false;
    const decision = sendDecision(lead, campaign.subscription, suppressed);
    if (!lead || !decision.send) {
      await campaigns.recordSkip(campaign.id, leadId, decision.send ? 'no_lead' : decision.reason, now);
      return 'done';
    }
    const claim = await campaigns.claimSend(campaign.id, leadId, now);
    if (claim.outcome === 'exists') {
      // A recent claim belongs to a sender still at work, which counts it; an old one to a sender that died.
      const abandoned = claim.record.status === 'sending' && Date.parse(claim.record.claimedAt ?? now) < Date.parse(now) - abandonedClaimMs;
      if (abandoned && (await campaigns.markInterrupted(campaign.id, leadId, now)) === 'counted') {
        log.error('Send interrupted between record and SES; not sent again, counted as interrupted', { campaignId: campaign.id, leadId });
      }
      return 'done';
    }
    const unsubscribeUrl = await link('/v1/unsubscribe', 'unsubscribe', { leadId, subscription: campaign.subscription, campaignId: campaign.id });
    const preferencesUrl = await link('/v1/preferences', 'preferences', { leadId });
    const email = withSubscriberFooter(renderTemplate(campaign.template, { lead }), { subscription: campaign.subscription, unsubscribeUrl, preferencesUrl });
    let messageId: string;
    try {
      messageId = await this.sendWithBackoff(() => mailer.send({ to: [lead.email], ...email, headers: listUnsubscribeHeaders(unsubscribeUrl), tags: { campaign: campaign.id, lead: leadId } }));
    } catch (error) {
      // The provider refused the call, so nothing was sent: free the record for the retry or the resume.
      await campaigns.releaseSend(campaign.id, leadId);
      if (!failures.stopped(error)) throw error;
      await campaigns.setStatus(campaign.id, ['sending'], 'paused', `SES stopped sending: ${(error as Error).name}`);
      log.error('SES stopped sending for the account; campaign paused', { campaignId: campaign.id, error: (error as Error).name });
      return 'campaign-paused';
    }
    await campaigns.markSent(campaign.id, leadId, messageId, new Date().toISOString());
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
