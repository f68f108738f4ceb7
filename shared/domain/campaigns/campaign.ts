import { z } from 'zod';
import { scoringView, type Lead } from '../lead';
import { matchesPattern, validatePattern, PatternError } from '../pattern';
import { SUBSCRIPTION_TYPES } from '../subscriptions';
import type { CampaignSchedule } from './schedule';

export const CAMPAIGN_STATUSES = ['draft', 'scheduled', 'sending', 'paused', 'cancelled', 'sent'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

/** A campaign as a marketer defines it: who gets it (a subscription type and a segment), and what. */
export const CampaignDefinition = z
  .strictObject({
    name: z.string().trim().min(1).max(200),
    subscription: z.enum(SUBSCRIPTION_TYPES),
    /** A pattern over `{ lead }` in the product's one condition language; absent: every subscriber. */
    segment: z
      .record(z.string(), z.unknown())
      .superRefine((pattern, context) => {
        try {
          validatePattern(pattern);
        } catch (error) {
          if (!(error instanceof PatternError)) throw error;
          context.addIssue({ code: 'custom', path: error.path ? error.path.split('.') : [], message: error.message.replace(/^[^:]*: /, '') });
        }
      })
      .optional(),
    template: z.strictObject({
      subject: z.string().trim().min(1).max(200),
      html: z.string().min(1).max(200_000),
      text: z.string().max(200_000).optional(),
    }),
  })
  .meta({ id: 'CampaignDefinition' });
export type CampaignDefinition = z.infer<typeof CampaignDefinition>;

export interface Campaign extends CampaignDefinition {
  readonly id: string;
  readonly status: CampaignStatus;
  readonly createdAt: string;
  readonly sendStartedAt?: string;
  /** Set while scheduled, and kept once the schedule started the send. */
  readonly schedule?: CampaignSchedule;
  /** Set once the planning request is on the bus. */
  readonly planningRequested?: boolean;
  /** Recipients planned so far; final once `planned` is true. */
  readonly recipients: number;
  readonly planned: boolean;
  readonly sent: number;
  readonly skipped: number;
  /** Per recipient, from SES events and unsubscribes: absent until the first one. */
  readonly delivered?: number;
  readonly opened?: number;
  readonly clicked?: number;
  readonly bounced?: number;
  readonly complained?: number;
  readonly rejected?: number;
  readonly unsubscribed?: number;
}

/** A sending campaign whose every planned recipient was sent to or skipped has been sent. */
export function effectiveStatus(campaign: Campaign): CampaignStatus {
  return campaign.status === 'sending' && campaign.planned && campaign.sent + campaign.skipped >= campaign.recipients ? 'sent' : campaign.status;
}

/** Which statuses each control moves a campaign from, and to. */
export const CAMPAIGN_CONTROLS = {
  pause: { from: ['sending'], to: 'paused' },
  resume: { from: ['paused'], to: 'sending' },
  cancel: { from: ['draft', 'scheduled', 'sending', 'paused'], to: 'cancelled' },
} as const satisfies Record<string, { from: readonly CampaignStatus[]; to: CampaignStatus }>;
export type CampaignControl = keyof typeof CAMPAIGN_CONTROLS;

/**
 * Whether a lead is in a campaign's audience: opted in to its subscription type, address not known
 * to be suppressed, and in its segment. Senders check consent and suppression again at send time.
 */
export function isRecipient(campaign: Pick<CampaignDefinition, 'subscription' | 'segment'>, lead: Lead): boolean {
  return (
    lead.subscriptions[campaign.subscription] === 'opted_in' &&
    !lead.emailSuppression &&
    (!campaign.segment || matchesPattern(campaign.segment, { lead: scoringView(lead) }))
  );
}
