import * as z from 'zod/mini';
import { TemplateContent, TemplateReference } from '../campaigns/template-versions';
import { LIFECYCLE_STAGES } from '../handoff/lifecycle';
import { SubscriptionTypeId } from '../subscriptions';

/**
 * A journey as a marketer defines it (YAML or JSON, like rulesets): how leads enter, the steps they
 * go through, and the goal that ends it early. Stored as versions that never change: publishing a
 * changed journey makes a new version, and enrolled leads finish on the version they entered.
 */

const Condition = z.record(z.string(), z.unknown());
const EventPattern = z.record(z.string(), z.unknown()).check(z.describe('A pattern over `{ event: { type, properties } }`: an engagement event, or a bus event by its detail type with its detail as properties.'));

/** A step's id: what `next`, branches and reports name it by. */
export const StepId = z.string().check(z.regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must be 1-64 lower-case letters, digits, - or _'));
export type StepId = z.infer<typeof StepId>;

const MAX_WAIT_DAYS = 366;

/** A length of time; at least one part, at most a year in all. */
export const Duration = z
  .strictObject({
    days: z.optional(z.int().check(z.gte(0), z.lte(MAX_WAIT_DAYS))),
    hours: z.optional(z.int().check(z.gte(0), z.lte(24 * MAX_WAIT_DAYS))),
    minutes: z.optional(z.int().check(z.gte(0), z.lte(60 * 24 * 7))),
    seconds: z.optional(z.int().check(z.gte(0), z.lte(3600))),
  }).check(z.refine((duration) => durationMs(duration) > 0, { message: 'must be longer than zero: give days, hours, minutes or seconds' }), z.refine((duration) => durationMs(duration) <= MAX_WAIT_DAYS * 86_400_000, { message: `must be at most ${MAX_WAIT_DAYS} days` }));
export type Duration = z.infer<typeof Duration>;

export function durationMs(duration: { readonly days?: number; readonly hours?: number; readonly minutes?: number; readonly seconds?: number }): number {
  return ((duration.days ?? 0) * 86_400 + (duration.hours ?? 0) * 3600 + (duration.minutes ?? 0) * 60 + (duration.seconds ?? 0)) * 1000;
}

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** The next time of day (and weekday, when named) in the lead's time zone. */
const LocalTimeWait = z.strictObject({
  time: z.string().check(z.regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time of day hh:mm')),
  weekdays: z.optional(z.array(z.enum(WEEKDAYS)).check(z.minLength(1), z.maxLength(7))),
});

const next = z.optional(StepId).check(z.describe('The step after this one; absent: the next step in the list (or the end).'));

const SendEmail = z.strictObject({
  id: StepId,
  type: z.literal('send_email'),
  subscription: SubscriptionTypeId,
  template: z.union([TemplateContent, TemplateReference], { error: 'must be { subject, html, text? } or a stored template { templateId, version? }' }),
  next,
});

const Wait = z
  .strictObject({ id: StepId, type: z.literal('wait'), duration: z.optional(Duration), until: z.optional(LocalTimeWait), next }).check(z.refine((step) => (step.duration === undefined) !== (step.until === undefined), { message: 'give a duration or until, one of them', path: ['duration'] }));

const WaitForEvent = z.strictObject({
  id: StepId,
  type: z.literal('wait_for_event'),
  event: EventPattern,
  timeout: Duration,
  onEvent: StepId,
  onTimeout: StepId,
});

const Branch = z.strictObject({
  id: StepId,
  type: z.literal('branch'),
  where: Condition.check(z.describe('A pattern over `{ lead, score, activity, purchases }`, as a segment\'s `where`.')),
  onTrue: StepId,
  onFalse: StepId,
});

const Split = z.strictObject({
  id: StepId,
  type: z.literal('split'),
  arms: z
    .array(z.strictObject({ name: z.string().check(z.regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, 'must be 1-32 lower-case letters, digits, - or _')), percent: z.int().check(z.gte(1), z.lte(99)), next: StepId })).check(z.minLength(2), z.maxLength(5)),
});

const AttributeValue = z.union([z.string().check(z.maxLength(500)), z.number(), z.boolean()]);

const UpdateLead = z.strictObject({
  id: StepId,
  type: z.literal('update_lead'),
  attributes: z.optional(z.record(z.string().check(z.regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'must be an attribute name')), AttributeValue)),
  stage: z.optional(z.enum(LIFECYCLE_STAGES)).check(z.describe('Through the lifecycle transition rules: a move they do not allow is skipped and reported.')),
  subscription: z.optional(z.strictObject({ type: SubscriptionTypeId, status: z.enum(['opted_in', 'opted_out']) })).check(z.describe('Recorded with a consent record naming the journey.')),
  next,
});

const Notify = z.strictObject({
  id: StepId,
  type: z.literal('notify'),
  to: z.union([z.literal('owner'), z.strictObject({ team: z.string().check(z.minLength(1), z.maxLength(64)) })]).check(z.describe('The lead\'s owner (the team inbox when it has none), or a team\'s inbox.')),
  message: z.string().check(z.trim(), z.minLength(1), z.maxLength(1000)),
  task: z.optional(z.strictObject({ title: z.string().check(z.trim(), z.minLength(1), z.maxLength(200)), dueInDays: z.int().check(z.gte(0), z.lte(90)) })).check(z.describe('A follow-up task for sales.')),
  next,
});

const Webhook = z.strictObject({
  id: StepId,
  type: z.literal('webhook'),
  webhookId: z.uuid('must be a registered webhook endpoint id (UUID)').check(z.describe('A registered endpoint: signed and checked for private addresses as every webhook.')),
  next,
});

const Exit = z.strictObject({ id: StepId, type: z.literal('exit'), reason: z.optional(z.string().check(z.maxLength(100))) });

export const Step = z.discriminatedUnion('type', [SendEmail, Wait, WaitForEvent, Branch, Split, UpdateLead, Notify, Webhook, Exit]);
export type Step = z.infer<typeof Step>;
export type StepType = Step['type'];
export type StepOf<T extends StepType> = Extract<Step, { type: T }>;

/** Steps the runner hands to send-journey-email; the enrolment waits at them until the email has ended. */
export const isEmailStep = (step: Step | undefined): step is StepOf<'send_email'> | StepOf<'notify'> => step?.type === 'send_email' || step?.type === 'notify';

export const Entry = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('event'), pattern: EventPattern }),
  z.strictObject({ kind: z.literal('segment'), segmentId: z.uuid('must be a segment id (UUID)') }),
  z.strictObject({
    kind: z.literal('date'),
    attribute: z.string().check(z.regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'must be an attribute name')),
    offsetDays: z.int().check(z.gte(-365), z.lte(365), z.describe('Days after the date (negative: before).')),
    time: z._default(z.string().check(z.regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time of day hh:mm')), '09:00').check(z.describe('Time of day in the lead\'s time zone.')),
  }),
  z.strictObject({ kind: z.literal('manual') }),
]);
export type Entry = z.infer<typeof Entry>;

export const Reentry = z.discriminatedUnion('kind', [z.strictObject({ kind: z.literal('once') }), z.strictObject({ kind: z.literal('after'), days: z.int().check(z.gte(1), z.lte(3650)) })]);
export type Reentry = z.infer<typeof Reentry>;

export const JourneyDefinition = z
  .strictObject({
    name: z.string().check(z.trim(), z.minLength(1), z.maxLength(200)),
    description: z.optional(z.string().check(z.trim(), z.maxLength(1000))),
    entry: Entry,
    reentry: z._default(Reentry, { kind: 'once' }),
    /** The lead's `attributes.timeZone` when it has one; this otherwise. */
    timeZone: z._default(z.string().check(z.maxLength(64)), 'UTC').check(z.describe('IANA zone for leads without `attributes.timeZone`.')),
    goal: z.optional(z.strictObject({ where: Condition })).check(z.describe('Ends the journey early, counted as a conversion.')),
    steps: z.array(Step).check(z.minLength(1), z.maxLength(100)),
  }).check(z.meta({ id: 'JourneyDefinition' }));
export type JourneyDefinition = z.output<typeof JourneyDefinition>;
export type JourneyDefinitionInput = z.input<typeof JourneyDefinition>;

export const JOURNEY_STATUSES = ['draft', 'published', 'paused', 'archived'] as const;
export type JourneyStatus = (typeof JOURNEY_STATUSES)[number];

/** Which statuses each control moves a journey from, and to. */
export const JOURNEY_CONTROLS = {
  pause: { from: ['published'], to: 'paused' },
  resume: { from: ['paused'], to: 'published' },
  archive: { from: ['draft', 'published', 'paused'], to: 'archived' },
} as const satisfies Record<string, { from: readonly JourneyStatus[]; to: JourneyStatus }>;
export type JourneyControl = keyof typeof JOURNEY_CONTROLS;

/** A stored journey: its head (status, the published version) and its draft. */
export interface Journey {
  readonly id: string;
  readonly name: string;
  readonly status: JourneyStatus;
  /** The version new leads enter; absent until the first publish. */
  readonly publishedVersion?: number;
  /** The latest draft's definition; publishing copies it into a new version. */
  readonly draft: JourneyDefinition;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** The step after `step` when it names none: the next in the list, or none (the journey completes). */
export function defaultNext(definition: Pick<JourneyDefinition, 'steps'>, index: number): StepId | undefined {
  return definition.steps[index + 1]?.id;
}
