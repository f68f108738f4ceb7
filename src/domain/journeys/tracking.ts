import { looksLikeScanner, type SesCampaignEvent } from '../campaigns/tracking';
import type { StepKey } from './records';

/** The SES events a journey email's step counts: the subscriber opening it and clicking in it. */
const METRIC_BY_EVENT_TYPE: Record<string, 'opened' | 'clicked'> = { Open: 'opened', Click: 'clicked' };

export interface JourneyTracking {
  /** The step run that sent the email: its claim records what was counted, so each metric counts once. */
  readonly key: StepKey;
  readonly stepId: string;
  readonly metric: 'opened' | 'clicked';
  /**
   * The subscriber's open or click as an engagement event, of the same types as a campaign email's
   * (`email_open`, `email_click`), so the rules that score campaign opens and clicks score these too;
   * the journey and step are its properties (and the link clicked).
   */
  readonly engagement: { readonly type: 'email_open' | 'email_click'; readonly occurredAt: string; readonly messageId: string; readonly properties: Record<string, string> };
}

const wholeNumber = (tag: string | undefined) => (tag && /^[0-9]{1,9}$/.test(tag) ? Number(tag) : undefined);

/**
 * What an SES event of a journey email counts for its step and for the lead's score: undefined for events other than opens and
 * clicks, for a security scanner's open or click, and for journey emails that are not step emails
 * (notifications to sales carry the journey tag but no step run).
 */
export function journeyTracking(event: SesCampaignEvent): JourneyTracking | undefined {
  const { tags } = event.mail;
  const journeyId = tags.journey?.[0];
  const stepId = tags.step?.[0];
  const leadId = tags.lead?.[0];
  const run = wholeNumber(tags.run?.[0]);
  const seq = wholeNumber(tags.seq?.[0]);
  const metric = METRIC_BY_EVENT_TYPE[event.eventType];
  const interaction = event.open ?? event.click;
  if (!journeyId || !stepId || !leadId || run === undefined || seq === undefined || !metric || !interaction) return undefined;
  const secondsAfterSend = (Date.parse(interaction.timestamp) - Date.parse(event.mail.timestamp)) / 1000;
  if (looksLikeScanner(secondsAfterSend, interaction.userAgent)) return undefined;
  const properties: Record<string, string> = { journeyId, stepId, ...(event.click ? { url: event.click.link } : {}) };
  const engagement = { type: event.click ? ('email_click' as const) : ('email_open' as const), occurredAt: new Date(interaction.timestamp).toISOString(), messageId: event.mail.messageId, properties };
  return { key: { leadId, journeyId, run, seq }, stepId, metric, engagement };
}
