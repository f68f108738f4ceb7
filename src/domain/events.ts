import * as z from 'zod/mini';
import { LIFECYCLE_STAGES, TRANSITION_CAUSES } from './handoff/lifecycle';
import { SubscriptionTypeId } from './subscriptions';

/** The `source` of every event leadflow puts on its bus. */
export const EVENT_SOURCE = 'leadflow';

/** Bus event names: past tense, versioned through the `version` field of their detail. */
export const DetailType = {
  EngagementRecorded: 'engagement.recorded',
  LeadIdentified: 'lead.identified',
  LeadQualified: 'lead.qualified',
  LeadAssigned: 'lead.assigned',
  RescorePageRequested: 'rescore.page-requested',
  LeadsRescoreRequested: 'rescore.leads-requested',
  ConsentConfirmationRequested: 'consent.confirmation-requested',
  CampaignSendRequested: 'campaign.send-requested',
  CampaignRecipientsPlanned: 'campaign.recipients-planned',
  CampaignTestRequested: 'campaign.test-requested',
  TemplateTestRequested: 'template.test-requested',
  CampaignSendDue: 'campaign.send-due',
  LeadStageChanged: 'lead.stage-changed',
  LeadContactChanged: 'lead.contact-changed',
  FollowUpDue: 'handoff.follow-up-due',
  FollowUpRequested: 'handoff.follow-up-requested',
  TicketRecorded: 'care.ticket-recorded',
  PurchaseRecorded: 'purchase.recorded',
  SurveyAnswered: 'care.survey-answered',
  SurveyDue: 'care.survey-due',
  ReassessmentDue: 'care.reassessment-due',
  CareTimersBackfillRequested: 'care.timers-backfill-requested',
  CustomerAlerted: 'care.customer-alerted',
  LeadSegmentEntered: 'lead.segment_entered',
  JourneyStepDue: 'journey.step-due',
  JourneyEnrolmentRequested: 'journey.enrolment-requested',
  LeadSegmentLeft: 'lead.segment_left',
  JourneyWebhookStepReached: 'journey.webhook-step-reached',
  JourneyEmailStepReached: 'journey.email-step-reached',
  JourneyEmailStepEnded: 'journey.email-step-ended',
  JourneyTimersDue: 'journey.timers-due',
  LeadSegmentCheckDue: 'lead.segment-check-due',
  LeadErasureSweepDue: 'lead.erasure-sweep-due',
} as const;
export type DetailType = (typeof DetailType)[keyof typeof DetailType];

/** The id that ties one request's effects together. */
const CorrelationId = z.string().check(z.minLength(1));

/**
 * Fields every detail carries: a schema version and the correlation id. Details extend it with
 * `z.extend` rather than spreading its fields, which would keep every detail's schema in every bundle
 * (esbuild keeps a spread, as reading its object could run code).
 */
const Envelope = z.object({ version: z.literal(1), correlationId: CorrelationId });

/** The most engagement events one request may record, and so the most one `engagement.recorded` announces. */
export const MAX_EVENTS_PER_REQUEST = 50;

/**
 * Engagement events of one lead were stored by one request; the scorer loads them by id and applies
 * them to the lead once, in one write, so a lead's events of a request are not scored against each other.
 */
const EngagementRecordedV2 = z.object({
  version: z.literal(2),
  correlationId: CorrelationId,
  eventIds: z.array(z.string().check(z.minLength(1))).check(z.minLength(1), z.maxLength(MAX_EVENTS_PER_REQUEST)),
  leadId: z.string().check(z.minLength(1)),
});

/** The first shape, one event per bus event: still in queues and DLQs while an upgrade drains them. */
const EngagementRecordedV1 = z.pipe(z.extend(Envelope, { eventId: z.string().check(z.minLength(1)), leadId: z.string().check(z.minLength(1)) }), z.transform(({ correlationId, eventId, leadId }): z.output<typeof EngagementRecordedV2> => ({ version: 2, correlationId, eventIds: [eventId], leadId })));

/** Publishers write version 2; consumers read both versions as version 2. */
export const EngagementRecordedDetail = z.union([EngagementRecordedV2, EngagementRecordedV1]);
export type EngagementRecordedDetail = z.output<typeof EngagementRecordedDetail>;

/** An anonymous visitor identified themselves; their earlier events now count for the lead. */
export const LeadIdentifiedDetail = z.extend(Envelope, {
  leadId: z.string().check(z.minLength(1)),
  anonymousId: z.string().check(z.minLength(1)),
});
export type LeadIdentifiedDetail = z.infer<typeof LeadIdentifiedDetail>;

export const ScoreContributor = z.object({
  ruleId: z.string(),
  description: z.string(),
  points: z.number(),
  times: z.number().check(z.int()),
});
export type ScoreContributor = z.infer<typeof ScoreContributor>;

/** A lead crossed the ruleset's MQL criteria. `qualification` counts re-qualifications of the lead. */
export const LeadQualifiedDetail = z.extend(Envelope, {
  leadId: z.string().check(z.minLength(1)),
  rulesetVersion: z.string().check(z.minLength(1)),
  qualification: z.number().check(z.int(), z.positive()),
  fit: z.number(),
  engagement: z.number(),
  score: z.number(),
  grade: z.string(),
  qualifiedAt: z.string(),
  topContributors: z.array(ScoreContributor),
  /**
   * When leadflow accepted the event that made the lead qualify: the start of the MQL alert's latency.
   * Absent for a rescoring, and only then: track-segments' rule takes the qualifications without it.
   */
  signalReceivedAt: z.optional(z.string()),
});
export type LeadQualifiedDetail = z.infer<typeof LeadQualifiedDetail>;

/**
 * A qualified lead got an owner: the rep `repId` of team `teamId`, by the routing rules and the
 * team's round-robin. One per qualification (`rulesetVersion` + `qualification` of the
 * `lead.qualified` it answers); a lead that already had an owner keeps it and gets none.
 */
export const LeadAssignedDetail = z.extend(Envelope, {
  leadId: z.string().check(z.minLength(1)),
  repId: z.string().check(z.minLength(1)),
  teamId: z.string().check(z.minLength(1)),
  assignedAt: z.string(),
  qualification: z.number().check(z.int(), z.positive()),
  rulesetVersion: z.string().check(z.minLength(1)),
  /** Set when the follow-up took the lead from this rep, who had not accepted it in time. */
  reassignedFrom: z.optional(z.string().check(z.minLength(1))),
});
export type LeadAssignedDetail = z.infer<typeof LeadAssignedDetail>;

/**
 * A ruleset was activated (or a page of its rescoring was planned): the planner lists the next page
 * of leads from `cursor` and fans them out. `page` numbers the pages so a retried page counts once.
 */
export const RescorePageRequestedDetail = z.extend(Envelope, {
  jobId: z.string().check(z.minLength(1)),
  rulesetVersion: z.string().check(z.minLength(1)),
  page: z.number().check(z.int(), z.nonnegative()),
  cursor: z.optional(z.string()),
});
export type RescorePageRequestedDetail = z.infer<typeof RescorePageRequestedDetail>;

/** Leads to rescore under a newly active ruleset, a few per event. */
export const LeadsRescoreRequestedDetail = z.extend(Envelope, {
  jobId: z.string().check(z.minLength(1)),
  rulesetVersion: z.string().check(z.minLength(1)),
  leadIds: z.array(z.string().check(z.minLength(1))).check(z.minLength(1), z.maxLength(25)),
});
export type LeadsRescoreRequestedDetail = z.infer<typeof LeadsRescoreRequestedDetail>;

/** A form ticked double-opt-in subscriptions: the subscriber gets an email with a link to confirm each. */
export const ConsentConfirmationRequestedDetail = z.extend(Envelope, {
  leadId: z.string().check(z.minLength(1)),
  subscriptions: z.array(z.string().check(z.minLength(1))).check(z.minLength(1)),
});
export type ConsentConfirmationRequestedDetail = z.infer<typeof ConsentConfirmationRequestedDetail>;

/**
 * A campaign started sending (or a page of its recipients was planned): plan the next page of the
 * lead-listing partition `shard` from `cursor`. The partitions are planned in parallel.
 */
export const CampaignSendRequestedDetail = z.extend(Envelope, {
  campaignId: z.string().check(z.minLength(1)),
  shard: z.number().check(z.int(), z.nonnegative()),
  page: z.number().check(z.int(), z.nonnegative()),
  cursor: z.optional(z.string()),
  /** The plan's round after a resume (2, 3, ...), and when it began; absent in the first plan. */
  round: z.optional(z.object({ number: z.number().check(z.int(), z.gte(2)), startedAt: z.string().check(z.minLength(1)) })),
});
export type CampaignSendRequestedDetail = z.infer<typeof CampaignSendRequestedDetail>;

/** Recipients of a campaign, a few per event; each is checked again at send time. */
export const CampaignRecipientsPlannedDetail = z.extend(Envelope, {
  campaignId: z.string().check(z.minLength(1)),
  leadIds: z.array(z.string().check(z.minLength(1))).check(z.minLength(1), z.maxLength(25)),
  /**
   * Set when these recipients' sends were claimed by a sender that has surely ended since (a crash
   * between the claim and its outcome): their records are settled, a send still marked as sending
   * counted as interrupted, and nothing is sent.
   */
  settleClaims: z.optional(z.literal(true)),
});
export type CampaignRecipientsPlannedDetail = z.infer<typeof CampaignRecipientsPlannedDetail>;

/** A test send of a campaign to named addresses, personalised with a chosen lead's data (or the fallbacks). */
export const CampaignTestRequestedDetail = z.extend(Envelope, {
  campaignId: z.string().check(z.minLength(1)),
  to: z.array(z.string().check(z.minLength(3))).check(z.minLength(1), z.maxLength(5)),
  leadId: z.optional(z.string()),
});
export type CampaignTestRequestedDetail = z.infer<typeof CampaignTestRequestedDetail>;

/** A test send of one template version to named addresses, under a subscription's footer, personalised as a campaign test is. */
export const TemplateTestRequestedDetail = z.extend(Envelope, {
  templateId: z.string().check(z.minLength(1)),
  templateVersion: z.number().check(z.int(), z.gte(1)),
  subscription: SubscriptionTypeId,
  to: z.array(z.string().check(z.minLength(3))).check(z.minLength(1), z.maxLength(5)),
  leadId: z.optional(z.string()),
});
export type TemplateTestRequestedDetail = z.infer<typeof TemplateTestRequestedDetail>;

/**
 * A scheduled campaign's time came (put on the bus by its EventBridge Scheduler schedule). It sends
 * only if the campaign is still scheduled for `scheduledFor` (the UTC instant), so a stale schedule
 * of a campaign since unscheduled, moved or cancelled does nothing.
 */
export const CampaignSendDueDetail = z.extend(Envelope, {
  campaignId: z.string().check(z.minLength(1)),
  scheduledFor: z.iso.datetime(),
});
export type CampaignSendDueDetail = z.infer<typeof CampaignSendDueDetail>;

/**
 * A lead moved from one lifecycle stage to another. The transition is recorded (with the event in the
 * lead's outbox) before this is published, at least once: consumers dedupe on `leadId` + `at`.
 */
export const LeadStageChangedDetail = z.extend(Envelope, {
  leadId: z.string().check(z.minLength(1)),
  from: z.enum(LIFECYCLE_STAGES),
  to: z.enum(LIFECYCLE_STAGES),
  at: z.string(),
  cause: z.enum(TRANSITION_CAUSES),
  actor: z.string().check(z.minLength(1)),
});
export type LeadStageChangedDetail = z.infer<typeof LeadStageChangedDetail>;

/**
 * A form or the CRM set a lead's contact or profile fields. Only the field names travel on the bus
 * (its archive keeps no personal data); a webhook delivery reads the values current at delivery time.
 */
export const LeadContactChangedDetail = z.extend(Envelope, {
  leadId: z.string().check(z.minLength(1)),
  /**
   * What made the change: a form submission's id, or `crm:<updateId>` for a CRM update (so the CRM can
   * recognise its own); one change per submission or update, however often it is replayed.
   */
  changeId: z.string().check(z.minLength(1)),
  fields: z.array(z.string().check(z.minLength(1))).check(z.minLength(1)),
  at: z.string(),
  source: z.enum(['form', 'crm']),
});
export type LeadContactChangedDetail = z.infer<typeof LeadContactChangedDetail>;

/**
 * An assigned MQL's follow-up timer fired (EventBridge Scheduler): `remind` the rep `repId`, or
 * `reassign` the lead away from them. Stale when the lead left `mql` or changed owner meanwhile.
 */
export const FollowUpDueDetail = z.extend(Envelope, {
  leadId: z.string().check(z.minLength(1)),
  rulesetVersion: z.string().check(z.minLength(1)),
  qualification: z.number().check(z.int(), z.positive()),
  repId: z.string().check(z.minLength(1)),
  /** The owner's follow-up round the timer was set for (0: the first rep; timers made before rounds carry none). */
  round: z._default(z.number().check(z.int(), z.nonnegative()), 0),
  kind: z.enum(['remind', 'reassign']),
});
export type FollowUpDueDetail = z.infer<typeof FollowUpDueDetail>;

/**
 * An MQL's owner has to answer it under the routing's follow-up: the rep alert-sales gave the lead to
 * (or back to), or the one follow-up-handoff reassigned it to. schedule-follow-ups starts that owner's
 * two timers, in its round, at `assignedAt` plus the minutes; a repeat moves them to the same times.
 */
export const FollowUpRequestedDetail = z.extend(Envelope, {
  leadId: z.string().check(z.minLength(1)),
  rulesetVersion: z.string().check(z.minLength(1)),
  qualification: z.number().check(z.int(), z.positive()),
  repId: z.string().check(z.minLength(1)),
  assignedAt: z.string(),
  round: z.number().check(z.int(), z.nonnegative()),
  remindAfterMinutes: z.number().check(z.positive()),
  reassignAfterMinutes: z.number().check(z.positive()),
});
export type FollowUpRequestedDetail = z.infer<typeof FollowUpRequestedDetail>;

/**
 * A help desk's ticket of a customer was recorded or moved forward (a repeat of the kept version
 * announces again): the customer's churn risk and triggers are looked at again.
 */
export const TicketRecordedDetail = z.extend(Envelope, {
  leadId: z.string().check(z.minLength(1)),
  ticketId: z.string().check(z.minLength(1)),
  updatedAt: z.string(),
});
export type TicketRecordedDetail = z.infer<typeof TicketRecordedDetail>;

/**
 * An order of a lead was recorded (a repeat of a recorded order announces again, so a request repeated
 * after the bus refused loses nothing): days since the last purchase is a churn-risk input, so the
 * customer's risk and triggers are looked at again.
 */
export const PurchaseRecordedDetail = z.extend(Envelope, {
  leadId: z.string().check(z.minLength(1)),
  orderId: z.string().check(z.minLength(1)),
  purchasedAt: z.string(),
});
export type PurchaseRecordedDetail = z.infer<typeof PurchaseRecordedDetail>;

/**
 * A customer answered a survey (or changed the answer by clicking another score of the same email).
 * Becomes a `survey_answered` engagement event on the lead (scoring, segments, journeys) and moves the
 * churn risk. `answeredAt` with `sendId` and `score` names the answer.
 */
export const SurveyAnsweredDetail = z.extend(Envelope, {
  leadId: z.string().check(z.minLength(1)),
  surveyId: z.string().check(z.minLength(1)),
  kind: z.enum(['nps', 'csat']),
  sendId: z.string().check(z.minLength(1)),
  score: z.int().check(z.gte(0), z.lte(10)),
  category: z.enum(['promoter', 'passive', 'detractor']),
  answeredAt: z.string(),
});
export type SurveyAnsweredDetail = z.infer<typeof SurveyAnsweredDetail>;

/**
 * A survey should go to a customer now: its recurring timer fired (`schedule`) or someone asked
 * (`request`: the admin API, or a journey step). The consent, suppression and minimum-gap checks are
 * made when it is sent; a recurring one is sent only when due.
 */
export const SurveyDueDetail = z.extend(Envelope, {
  leadId: z.string().check(z.minLength(1)),
  surveyId: z.string().check(z.minLength(1)),
  cause: z.enum(['schedule', 'request']),
  /** Names the request or timer, so a redelivered one sends once. */
  requestId: z.string().check(z.minLength(1), z.maxLength(100)),
});
export type SurveyDueDetail = z.infer<typeof SurveyDueDetail>;

/**
 * A customer's daily timer: its churn risk is reassessed though nothing happened, as days since the
 * last purchase and activity grow and the renewal date nears. Each reassessment moves it a day on.
 */
export const ReassessmentDueDetail = z.extend(Envelope, {
  leadId: z.string().check(z.minLength(1)),
  /**
   * Asked for by the timer backfill, not by a timer: the customer gets each of its timers (this daily
   * one, its recurring surveys') only where it has none, and no existing timer moves.
   */
  backfill: z.optional(z.literal(true)),
});
export type ReassessmentDueDetail = z.infer<typeof ReassessmentDueDetail>;

/**
 * Walk every lead from `cursor` (the start when absent) and ask for each customer's missing timers: put
 * on the bus at each deploy whose care defaults changed, at each local start, when the recurring surveys
 * change, and by the walk itself when it runs out of time (with the cursor it reached).
 */
export const CareTimersBackfillRequestedDetail = z.extend(Envelope, {
  cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(2000))),
});
export type CareTimersBackfillRequestedDetail = z.infer<typeof CareTimersBackfillRequestedDetail>;

/**
 * A customer trigger fired (an episode started): satisfaction below a threshold, tickets piling up,
 * churn risk entering a band. Once per lead, trigger and episode; the alert email went to `recipient`.
 */
export const CustomerAlertedDetail = z.extend(Envelope, {
  leadId: z.string().check(z.minLength(1)),
  triggerId: z.string().check(z.minLength(1)),
  episodeStartedAt: z.string(),
  reasons: z.array(z.string()).check(z.minLength(1)),
  riskScore: z.number(),
  riskBand: z.enum(['low', 'medium', 'high']),
  recipient: z.enum(['owner', 'inbox']),
});
export type CustomerAlertedDetail = z.infer<typeof CustomerAlertedDetail>;

/**
 * A lead entered (or left) a tracked saved segment when it changed: its score, profile, stage or
 * history. Published once per membership change, and again only if the publish may have failed:
 * consumers dedupe on `leadId` + `segmentId` + `at`.
 */
export const LeadSegmentChangedDetail = z.extend(Envelope, {
  leadId: z.string().check(z.minLength(1)),
  segmentId: z.string().check(z.minLength(1)),
  /** The segment's version the lead was evaluated against. */
  segmentVersion: z.number().check(z.int(), z.positive()),
  at: z.string(),
});
export type LeadSegmentChangedDetail = z.infer<typeof LeadSegmentChangedDetail>;

/** A journey wait's timer fell due (the sweep of the due-time index): run `run` of the enrolment waits as step `seq`. */
export const JourneyStepDueDetail = z.extend(Envelope, {
  leadId: z.string().check(z.minLength(1)),
  journeyId: z.string().check(z.minLength(1)),
  run: z.number().check(z.int(), z.positive()),
  seq: z.number().check(z.int(), z.nonnegative()),
  /** When the timer was due: the runner reports how late it ran. */
  wakeAt: z.string(),
});
export type JourneyStepDueDetail = z.infer<typeof JourneyStepDueDetail>;

/**
 * One shard of the journeys' due-time index has timers due (sweep-journeys): sweep-journey-shard drains
 * it, one invocation per shard, so the shards of a busy minute drain side by side. `holder` names the
 * shard's sweep lease the sender took: only its holder drains the shard, so repeats drain it once.
 */
export const JourneyTimersDueDetail = z.extend(Envelope, {
  shard: z.number().check(z.int(), z.nonnegative(), z.lte(1023)),
  holder: z.string().check(z.minLength(1), z.maxLength(100)),
});
export type JourneyTimersDueDetail = z.infer<typeof JourneyTimersDueDetail>;

/**
 * A lead's membership of a tracked segment may have changed with time alone (engagement decayed, an
 * event left a "within N days" window): the sweep of the due-time index found its check due, and
 * track-segments looks at the lead again.
 */
export const LeadSegmentCheckDueDetail = z.extend(Envelope, {
  leadId: z.string().check(z.minLength(1)),
  /** When the check fell due. */
  dueAt: z.string(),
});
export type LeadSegmentCheckDueDetail = z.infer<typeof LeadSegmentCheckDueDetail>;

/**
 * A lead was erased long enough ago that any work which read it just before has ended: whatever that
 * work wrote under the lead's id meanwhile is deleted now. lead-data-rights schedules it at erasure.
 */
export const LeadErasureSweepDueDetail = z.extend(Envelope, {
  leadId: z.string().check(z.minLength(1)),
  /** Names the erasure in the logs, which never name the lead. */
  erasureId: z.string().check(z.minLength(1)),
});
export type LeadErasureSweepDueDetail = z.infer<typeof LeadErasureSweepDueDetail>;

/** Someone enrolled a lead in a journey through the API or the CLI, or the lead's date entry fell due (sweep-journeys). */
export const JourneyEnrolmentRequestedDetail = z.extend(Envelope, {
  leadId: z.string().check(z.minLength(1)),
  journeyId: z.string().check(z.minLength(1)),
  /** A date entry's instant: the lead enters once for it (an enrolment entered since does not enter again). */
  dateEntryAt: z.optional(z.iso.datetime()),
});
export type JourneyEnrolmentRequestedDetail = z.infer<typeof JourneyEnrolmentRequestedDetail>;

/**
 * A lead reached a journey's webhook step: deliver-webhooks POSTs it, signed, to the step's endpoint
 * only (whatever event types that endpoint subscribes to), with the lead's contact fields. Published
 * under the step's claim, once per step run; its webhook event id derives from the step run.
 */
export const JourneyWebhookStepReachedDetail = z.extend(Envelope, {
  webhookId: z.string().check(z.minLength(1)),
  leadId: z.string().check(z.minLength(1)),
  journeyId: z.string().check(z.minLength(1)),
  stepId: z.string().check(z.minLength(1)),
  run: z.number().check(z.int(), z.positive()),
  seq: z.number().check(z.int(), z.nonnegative()),
  at: z.string(),
});
export type JourneyWebhookStepReachedDetail = z.infer<typeof JourneyWebhookStepReachedDetail>;

/**
 * A lead reached a journey's email step or notify step: send-journey-email reads the step from the
 * journey's version, checks a marketing email against the send-time policy, renders and sends it.
 * Published under the step's claim, once per step run; the step run's record makes the send once
 * however often this is delivered.
 */
export const JourneyEmailStepReachedDetail = z.extend(Envelope, {
  leadId: z.string().check(z.minLength(1)),
  journeyId: z.string().check(z.minLength(1)),
  /** The journey version the enrolment runs, which holds the step (versions never change). */
  journeyVersion: z.number().check(z.int(), z.positive()),
  stepId: z.string().check(z.minLength(1)),
  run: z.number().check(z.int(), z.positive()),
  seq: z.number().check(z.int(), z.nonnegative()),
  at: z.string(),
});
export type JourneyEmailStepReachedDetail = z.infer<typeof JourneyEmailStepReachedDetail>;

/**
 * A journey's email or notify step run ended (sent, skipped or interrupted), named as its hand-over
 * named it, without the version: send-journey-email publishes it after ending the step run's record,
 * and again whenever a delivery finds it ended, so a lost publish is made good by the retry.
 * run-journeys moves the enrolment waiting at that step on to the next step, once: a repeat finds it
 * moved on. `seq` is the email step's own number (its claim's), one less than the enrolment's while
 * it waits there.
 */
export const JourneyEmailStepEndedDetail = z.omit(JourneyEmailStepReachedDetail, { journeyVersion: true });
export type JourneyEmailStepEndedDetail = z.infer<typeof JourneyEmailStepEndedDetail>;

/**
 * The one declaration of each bus event: its detail type and the schema of its detail. Publishers are
 * typed by it (DomainEvent) and consumers parse with it; a detail type without a schema does not compile.
 * The keys are the detail types' literal values, not `[DetailType.X]`: esbuild keeps an object with
 * computed keys, and with it every schema, in each bundle that imports this module.
 */
export const detailSchemas = {
  'engagement.recorded': EngagementRecordedDetail,
  'lead.identified': LeadIdentifiedDetail,
  'lead.qualified': LeadQualifiedDetail,
  'lead.assigned': LeadAssignedDetail,
  'rescore.page-requested': RescorePageRequestedDetail,
  'rescore.leads-requested': LeadsRescoreRequestedDetail,
  'consent.confirmation-requested': ConsentConfirmationRequestedDetail,
  'campaign.send-requested': CampaignSendRequestedDetail,
  'campaign.recipients-planned': CampaignRecipientsPlannedDetail,
  'campaign.test-requested': CampaignTestRequestedDetail,
  'template.test-requested': TemplateTestRequestedDetail,
  'campaign.send-due': CampaignSendDueDetail,
  'lead.stage-changed': LeadStageChangedDetail,
  'lead.contact-changed': LeadContactChangedDetail,
  'handoff.follow-up-due': FollowUpDueDetail,
  'handoff.follow-up-requested': FollowUpRequestedDetail,
  'care.ticket-recorded': TicketRecordedDetail,
  'purchase.recorded': PurchaseRecordedDetail,
  'care.survey-answered': SurveyAnsweredDetail,
  'care.survey-due': SurveyDueDetail,
  'care.reassessment-due': ReassessmentDueDetail,
  'care.customer-alerted': CustomerAlertedDetail,
  'journey.step-due': JourneyStepDueDetail,
  'journey.enrolment-requested': JourneyEnrolmentRequestedDetail,
  'lead.segment_entered': LeadSegmentChangedDetail,
  'lead.segment_left': LeadSegmentChangedDetail,
  'journey.webhook-step-reached': JourneyWebhookStepReachedDetail,
  'journey.email-step-reached': JourneyEmailStepReachedDetail,
  'journey.email-step-ended': JourneyEmailStepEndedDetail,
  'journey.timers-due': JourneyTimersDueDetail,
  'care.timers-backfill-requested': CareTimersBackfillRequestedDetail,
  'lead.segment-check-due': LeadSegmentCheckDueDetail,
  'lead.erasure-sweep-due': LeadErasureSweepDueDetail,
} as const satisfies { readonly [T in DetailType]: z.ZodMiniType };

/** The detail each detail type carries, as its consumers receive it (defaults applied). */
export type DetailByType = { [T in DetailType]: z.output<(typeof detailSchemas)[T]> };

/**
 * The bus events a webhook endpoint may subscribe to; deliver-webhooks' rule listens to exactly these.
 * Add a detail type here to offer it to CRMs and chat tools.
 */
export const WEBHOOK_EVENT_TYPES = [DetailType.LeadQualified, DetailType.LeadAssigned, DetailType.LeadStageChanged, DetailType.LeadContactChanged, DetailType.CustomerAlerted, DetailType.LeadSegmentEntered, DetailType.LeadSegmentLeft] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** What deliver-webhooks delivers: the subscribable types, and journey webhook steps (to their named endpoint). */
export const DELIVERED_WEBHOOK_TYPES = [...WEBHOOK_EVENT_TYPES, DetailType.JourneyWebhookStepReached] as const;
export type DeliveredWebhookType = (typeof DELIVERED_WEBHOOK_TYPES)[number];

/** A bus event as leadflow publishes it. */
export type DomainEvent = {
  [T in DetailType]: { readonly detailType: T; readonly detail: DetailByType[T] };
}[DetailType];

/** An instant as a one-time schedule's `at` in UTC: wall-clock to the second, the fraction dropped. */
export const utcScheduleTime = (at: Date) => at.toISOString().slice(0, 19);

/** One timed event: `detail` of `detailType` goes on the bus at `at` (wall-clock, `yyyy-mm-ddThh:mm:ss`) in `timeZone`. */
export interface OneTimeSchedule<T extends keyof DetailByType> {
  readonly name: string;
  readonly description: string;
  readonly at: string;
  readonly timeZone: string;
  readonly detailType: T;
  readonly detail: DetailByType[T];
  readonly retryPolicy: { readonly MaximumRetryAttempts: number; readonly MaximumEventAgeInSeconds: number };
}
