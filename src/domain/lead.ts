import type { SubscriptionStatus, SubscriptionType } from './subscriptions';
import type { ScoreState } from './scoring/engine';
import type { LeadQualifiedDetail, LeadStageChangedDetail } from './events';
import type { LifecycleStage } from './handoff/lifecycle';
import { assessedLifespan, customerFields, type CustomerCare } from './care/customer';

/** Where a lead came from: the first touch is kept, the latest is overwritten on every submission. */
export interface Touch {
  readonly at: string;
  readonly formId?: string;
  readonly pageUrl?: string;
  readonly referrer?: string;
  readonly utmSource?: string;
  readonly utmMedium?: string;
  readonly utmCampaign?: string;
  readonly utmTerm?: string;
  readonly utmContent?: string;
}

/** What a person tells us about themselves; used by fit rules as `lead.<field>`. */
export interface LeadProfile {
  readonly firstName?: string;
  readonly lastName?: string;
  readonly company?: string;
  readonly phone?: string;
  readonly preferredChannel?: 'email' | 'phone' | 'chat' | 'sms';
  readonly role?: string;
  readonly industry?: string;
  readonly teamSize?: number;
  readonly annualRevenue?: number;
  readonly budget?: number;
  readonly country?: string;
}

/** A custom attribute's value: flat, so segment and rule conditions can match it as `lead.attributes.<name>`. */
export type AttributeValue = string | number | boolean;

/** What a lead has bought, kept up to date as purchases are recorded; RFM segments derive from it. */
export interface PurchaseSummary {
  readonly count: number;
  /** Sum of the purchase amounts, in `currency`. */
  readonly total: number;
  readonly currency: string;
  readonly firstAt: string;
  readonly lastAt: string;
}

/** Who in sales owns a lead: a rep of a routing team, since `assignedAt`. */
export interface LeadOwner {
  readonly repId: string;
  readonly teamId: string;
  readonly assignedAt: string;
  /** When the lead first left the MQL stage after assignment: it no longer counts toward the rep's open MQLs. */
  readonly releasedAt?: string;
  /**
   * Reps this qualification went to before, who let it wait without an answer until it was
   * reassigned, oldest first: never picked for it again. Their count is the owner's follow-up round.
   */
  readonly unansweredBy?: readonly string[];
}

/** Which round of follow-up timers an owner is in: 0 for the first rep, one more per reassignment. */
export const followUpRound = (owner: LeadOwner): number => owner.unansweredBy?.length ?? 0;

export interface Lead extends LeadProfile {
  readonly id: string;
  readonly email: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly firstTouch: Touch;
  readonly lastTouch: Touch;
  readonly subscriptions: Partial<Record<SubscriptionType, SubscriptionStatus>>;
  /** Fields a team defines for itself (plan, product interest, ...), set by forms. */
  readonly attributes?: Readonly<Record<string, AttributeValue>>;
  readonly purchases?: PurchaseSummary;
  /** After the sale: tickets, latest NPS and CSAT, churn risk, trigger episodes, surveys sent, exit reason. */
  readonly care?: CustomerCare;
  /** Set while the address is on the suppression list: no email goes to it. */
  readonly emailSuppression?: { readonly reason: string; readonly at: string };
  /** Visitor ids of the tracking snippet linked to this lead. */
  readonly anonymousIds?: readonly string[];
  readonly score?: ScoreState;
  /** The sales rep who owns the lead, set once by routing when it qualifies; kept on later qualifications. */
  readonly owner?: LeadOwner;
  /** A qualification stored with the score but not yet on the bus (an outbox of one). */
  readonly pendingQualification?: LeadQualifiedDetail;
  /** When the lead first became a customer (closed won): what back-tests measure catching early. */
  readonly wonAt?: string;
  /** Lifecycle stage; absent until the first change (see `currentStage` for the default). */
  readonly stage?: LifecycleStage;
  readonly stageChangedAt?: string;
  /** The CRM's own time of the last CRM update applied: an older update changes nothing. */
  readonly crmUpdatedAt?: string;
  /** A stage change stored with the stage but not yet on the bus (an outbox of one). */
  readonly pendingStageChange?: LeadStageChangedDetail;
  /** Optimistic-lock counter of the profile: every write to it checks and bumps it. */
  readonly version: number;
  /** The score's own counter (the score is kept apart from the profile): every score write checks and bumps it. */
  readonly scoreVersion?: number;
}

/** Profile fields a submission may set; absent or empty fields never erase what is known. */
export function profileUpdates(submitted: LeadProfile): LeadProfile {
  return Object.fromEntries(
    Object.entries(submitted).filter(([, value]) => value !== undefined && value !== ''),
  ) as LeadProfile;
}

/** The contact and profile fields a CRM keeps in sync with a lead (what contact-change webhooks carry). */
export function contactOf(lead: Lead): Record<string, unknown> {
  const { email, firstName, lastName, company, phone, preferredChannel, role, industry, teamSize, annualRevenue, budget, country, attributes } = lead;
  return { email, firstName, lastName, company, phone, preferredChannel, role, industry, teamSize, annualRevenue, budget, country, attributes };
}

/**
 * The lead as scoring rules see it: `{ lead: ... }` in a rule condition. Contact details stay out.
 * `customer` holds every customer field as of the lead's last change (windows such as tickets in 30
 * days count back from then, so scores stay a function of the stored lead; segments count back from
 * now) and its projected lifetime value under the lifespan of its last assessment.
 */
export function scoringView(lead: Lead): Record<string, unknown> {
  return {
    role: lead.role,
    industry: lead.industry,
    teamSize: lead.teamSize,
    annualRevenue: lead.annualRevenue,
    budget: lead.budget,
    country: lead.country,
    company: lead.company,
    preferredChannel: lead.preferredChannel,
    emailDomain: lead.email.slice(lead.email.lastIndexOf('@') + 1),
    subscriptions: lead.subscriptions,
    attributes: lead.attributes ?? {},
    customer: customerFields(lead, lead.updatedAt, assessedLifespan(lead.care)),
  };
}
