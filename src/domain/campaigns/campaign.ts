import * as z from 'zod/mini';
import type { SkipReason } from '../consent/send-policy';
import type { Lead } from '../lead';
import { segmentIssues, type SegmentRule } from '../segments/segment';
import { SubscriptionTypeId, type SubscriptionType } from '../subscriptions';
import type { Template } from './template';
import { TemplateContent, TemplateReference } from './template-versions';
import type { CampaignSchedule } from './schedule';

export const CAMPAIGN_STATUSES = ['draft', 'scheduled', 'sending', 'paused', 'cancelled', 'sent'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

/** A campaign as a marketer defines it: who gets it (a subscription type and a segment), and what. */
export const CampaignDefinition = z
  .strictObject({
    name: z.string().check(z.trim(), z.minLength(1), z.maxLength(200)),
    subscription: SubscriptionTypeId,
    /** A condition over `{ lead, score, activity, purchases }`, as a saved segment's `where`; absent with no segmentId: every subscriber. */
    segment: z.optional(z.record(z.string(), z.unknown())),
    /** A saved segment: the campaign keeps the version it was created with. */
    segmentId: z.optional(z.uuid('must be a segment id (UUID)')),
    /** The content itself, or a stored template's version (resolved and copied when the campaign is created). */
    template: z.union([TemplateContent, TemplateReference], { error: 'must be { subject, html, text? } or a stored template { templateId, version? }' }),
  }).check(z.superRefine((definition, context) => {
    if (definition.segment && definition.segmentId) context.addIssue({ code: 'custom', path: ['segmentId'], message: 'give a segment or a segmentId, not both' });
    if (!definition.segment) return;
    for (const issue of segmentIssues({ where: definition.segment })) context.addIssue({ code: 'custom', path: ['segment', ...issue.path.slice(1)], message: issue.message });
  }), z.meta({ id: 'CampaignDefinition' }));
export type CampaignDefinition = z.infer<typeof CampaignDefinition>;

/**
 * What a campaign stores: its template's content, never a reference to follow later, so editing the
 * template afterwards changes no campaign; `templateRef` says which stored version it came from.
 */
export type ResolvedCampaignDefinition = Omit<CampaignDefinition, 'template'> & {
  readonly template: Template;
  readonly templateRef?: { readonly templateId: string; readonly version: number };
};

export interface Campaign extends Omit<ResolvedCampaignDefinition, 'segmentId'> {
  readonly id: string;
  /** Who is in it, fixed at creation: the inline condition, or the saved segment's rule at that version. */
  readonly audience: SegmentRule;
  readonly segmentRef?: { readonly segmentId: string; readonly version: number; readonly name: string };
  readonly status: CampaignStatus;
  readonly createdAt: string;
  readonly sendStartedAt?: string;
  /** Why the campaign stopped by itself (SES paused the account, reputation limits), until it moves again. */
  readonly statusReason?: string;
  /** Set while scheduled, and kept once the schedule started the send. */
  readonly schedule?: CampaignSchedule;
  /** Set once the planning request is on the bus. */
  readonly planningRequested?: boolean;
  /** Recipients planned so far; final once `planned` is true. */
  readonly recipients: number;
  readonly planned: boolean;
  readonly sent: number;
  readonly skipped: number;
  /** The skips by reason (consent, suppression, the send-time policy); reasons with none are absent. */
  readonly skippedByReason?: Partial<Record<SkipReason, number>>;
  /** Sends recorded but never confirmed (the sender died between record and SES): not resent, counted here. */
  readonly interrupted?: number;
  /** Per recipient, from SES events and unsubscribes: absent until the first one. */
  readonly delivered?: number;
  readonly opened?: number;
  readonly clicked?: number;
  readonly bounced?: number;
  readonly complained?: number;
  readonly rejected?: number;
  readonly unsubscribed?: number;
}

/** What is counted of a campaign: planned recipients and each recipient's outcomes. */
export type CampaignCountField = 'recipients' | 'planned' | 'sent' | 'skipped' | 'skippedByReason' | 'interrupted' | 'delivered' | 'opened' | 'clicked' | 'bounced' | 'complained' | 'rejected' | 'unsubscribed';

/** A campaign without its counts: what senders and planners read for every batch, in one read. */
export type CampaignItem = Omit<Campaign, CampaignCountField>;

/** Recipients with a final outcome: sent, skipped, or interrupted (recorded, never confirmed, not resent). */
export const accountedFor = (campaign: Pick<Campaign, 'sent' | 'skipped' | 'interrupted'>) => campaign.sent + campaign.skipped + (campaign.interrupted ?? 0);

/** A round of a campaign's plan after the first (2, 3, ...): a resume starts one, which plans every lead again. */
export interface PlanRound {
  readonly number: number;
  readonly startedAt: string;
}

/** A sending campaign whose every planned recipient has a final outcome has been sent. */
export function effectiveStatus(campaign: Campaign): CampaignStatus {
  return campaign.status === 'sending' && campaign.planned && accountedFor(campaign) >= campaign.recipients ? 'sent' : campaign.status;
}

/** Which statuses each control moves a campaign from, and to. */
export const CAMPAIGN_CONTROLS = {
  pause: { from: ['sending'], to: 'paused' },
  resume: { from: ['paused'], to: 'sending' },
  cancel: { from: ['draft', 'scheduled', 'sending', 'paused'], to: 'cancelled' },
} as const satisfies Record<string, { from: readonly CampaignStatus[]; to: CampaignStatus }>;
export type CampaignControl = keyof typeof CAMPAIGN_CONTROLS;

/**
 * Whether a lead may be planned as a recipient of a subscription type: opted in, and its address not
 * known to be suppressed. Senders check consent and suppression again, consistently, at send time.
 */
export function isSubscriber(subscription: SubscriptionType, lead: Lead): boolean {
  return notSubscribedBecause(subscription, lead) === undefined;
}

/** Why a lead would not get a campaign, as a preview tells a marketer: not opted in to its type, suppressed, or not in its segment. */
export const NOT_RECEIVING_REASONS = ['not_opted_in', 'suppressed', 'outside_audience'] as const;
export type NotReceivingReason = (typeof NOT_RECEIVING_REASONS)[number];

/** Why a lead is not a subscriber of `subscription` (as `isSubscriber` judges), or undefined when it is one. */
export function notSubscribedBecause(subscription: SubscriptionType, lead: Lead): Exclude<NotReceivingReason, 'outside_audience'> | undefined {
  if (lead.subscriptions[subscription] !== 'opted_in') return 'not_opted_in';
  return lead.emailSuppression ? 'suppressed' : undefined;
}

/** The record of one campaign's send to one recipient: claimed (`sending`) before the email, then settled. */
export type SendRecord = { readonly status: 'sending' | 'sent' | 'skipped' | 'interrupted'; readonly reason?: string; readonly claimedAt?: string };
/** Claiming a send: `claimed` for the one sender that may send it, else the record that exists. */
export type SendClaim = { readonly outcome: 'claimed' } | { readonly outcome: 'exists'; readonly record: SendRecord };
/** Recording a skip: `recorded` when it is the recipient's first record, else the record that exists (a claim a sender may have left mid-send among them). */
export type SkipRecord = { readonly outcome: 'recorded' } | { readonly outcome: 'exists'; readonly record: SendRecord };
