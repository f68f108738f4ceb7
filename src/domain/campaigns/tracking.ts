import * as z from 'zod/mini';

/** Per-campaign counters that SES events move, each at most once per recipient. */
export const TRACKED_METRICS = ['delivered', 'opened', 'clicked', 'bounced', 'complained', 'rejected'] as const;
export type TrackedMetric = (typeof TRACKED_METRICS)[number];

const METRIC_BY_EVENT_TYPE: Record<string, TrackedMetric> = {
  Delivery: 'delivered',
  Open: 'opened',
  Click: 'clicked',
  Bounce: 'bounced',
  Complaint: 'complained',
  Reject: 'rejected',
};

/**
 * Opens and clicks this soon after sending, or from these agents, are security gateways and link
 * scanners opening the mail, not the subscriber: they neither count nor score.
 */
export const SCANNER_WINDOW_SECONDS = 10;
const SCANNER_AGENTS = /barracuda|mimecast|proofpoint|symantec|safelinks|microsoft office|mailscanner|trend micro|forcepoint|fireeye|cisco/i;

/** Whether an open or click looks like a security gateway's or link scanner's rather than the subscriber's. */
export const looksLikeScanner = (secondsAfterSend: number, userAgent: string | undefined) => secondsAfterSend < SCANNER_WINDOW_SECONDS || SCANNER_AGENTS.test(userAgent ?? '');

export const SesCampaignEvent = z.object({
  eventType: z.string(),
  mail: z.object({ messageId: z.string(), timestamp: z.string(), tags: z._default(z.record(z.string(), z.array(z.string())), {}) }),
  open: z.optional(z.object({ timestamp: z.string(), userAgent: z.optional(z.string()) })),
  click: z.optional(z.object({ timestamp: z.string(), link: z.string(), userAgent: z.optional(z.string()) })),
});
export type SesCampaignEvent = z.infer<typeof SesCampaignEvent>;

export interface CampaignTracking {
  readonly campaignId: string;
  readonly leadId: string;
  readonly messageId: string;
  /** Undefined for an event the counters ignore (a send, a scanner's open or click). */
  readonly metric?: TrackedMetric;
  /** An open or click by the subscriber, to score like any engagement. */
  readonly engagement?: { readonly type: 'email_open' | 'email_click'; readonly occurredAt: string; readonly properties: Record<string, string> };
  readonly scanner?: boolean;
}

/** What an SES event of a campaign email means for the campaign and for its recipient's score. */
export function campaignTracking(event: SesCampaignEvent): CampaignTracking | undefined {
  const campaignId = event.mail.tags.campaign?.[0];
  const leadId = event.mail.tags.lead?.[0];
  if (!campaignId || !leadId) return undefined;
  const base = { campaignId, leadId, messageId: event.mail.messageId };
  const metric = METRIC_BY_EVENT_TYPE[event.eventType];
  const interaction = event.open ?? event.click;
  if (!metric) return base;
  if (!interaction) return { ...base, metric };
  const secondsAfterSend = (Date.parse(interaction.timestamp) - Date.parse(event.mail.timestamp)) / 1000;
  if (looksLikeScanner(secondsAfterSend, interaction.userAgent)) return { ...base, scanner: true };
  const properties: Record<string, string> = { campaignId, ...(event.click ? { url: event.click.link } : {}) };
  return { ...base, metric, engagement: { type: event.click ? 'email_click' : 'email_open', occurredAt: new Date(interaction.timestamp).toISOString(), properties } };
}

/**
 * SES puts an account under review at a 5% bounce or 0.1% complaint rate. A campaign pauses itself
 * well before it could take the account there, once it has sent enough for a rate to mean something.
 */
export const REPUTATION_LIMITS = { bounceRate: 0.04, minSentForBounceRate: 100, complaintRate: 0.0008, minDeliveredForComplaintRate: 1250 } as const;

/** Why a sending campaign must pause itself now, or undefined while its bounce and complaint rates are safe. */
export function reputationPause(counts: { readonly sent: number; readonly delivered?: number; readonly bounced?: number; readonly complained?: number }): string | undefined {
  const percent = (rate: number) => `${Math.round(rate * 10_000) / 100}%`;
  const bounceRate = (counts.bounced ?? 0) / counts.sent;
  if (counts.sent >= REPUTATION_LIMITS.minSentForBounceRate && bounceRate >= REPUTATION_LIMITS.bounceRate) {
    return `bounce rate ${percent(bounceRate)} reached the ${percent(REPUTATION_LIMITS.bounceRate)} limit; clean the list before resuming`;
  }
  const delivered = counts.delivered ?? 0;
  const complaintRate = delivered ? (counts.complained ?? 0) / delivered : 0;
  if (delivered >= REPUTATION_LIMITS.minDeliveredForComplaintRate && complaintRate >= REPUTATION_LIMITS.complaintRate) {
    return `complaint rate ${percent(complaintRate)} reached the ${percent(REPUTATION_LIMITS.complaintRate)} limit; check the audience and consent before resuming`;
  }
  return undefined;
}

/** Rates a marketer reads: delivery and bounces of what was sent, engagement and complaints of what was delivered. */
export function campaignRates(counts: Readonly<Record<string, number | undefined>>) {
  const rate = (part: number | undefined, whole: number | undefined) => (whole ? Math.round(((part ?? 0) / whole) * 10_000) / 100 : 0);
  return {
    deliveryRate: rate(counts.delivered, counts.sent),
    bounceRate: rate(counts.bounced, counts.sent),
    openRate: rate(counts.opened, counts.delivered),
    clickRate: rate(counts.clicked, counts.delivered),
    complaintRate: rate(counts.complained, counts.delivered),
    unsubscribeRate: rate(counts.unsubscribed, counts.delivered),
  };
}
