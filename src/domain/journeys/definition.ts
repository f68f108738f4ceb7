import * as z from 'zod';
import { TemplateContent, TemplateReference } from '../campaigns/template-versions';
import { LIFECYCLE_STAGES } from '../handoff/lifecycle';
import { SUBSCRIPTION_TYPES } from '../subscriptions';

/**
 * A journey as a marketer defines it (YAML or JSON, like rulesets): how leads enter, the steps they
 * go through, and the goal that ends it early. Stored as versions that never change: publishing a
 * changed journey makes a new version, and enrolled leads finish on the version they entered.
 */

const Condition = z.record(z.string(), z.unknown());
const EventPattern = z.record(z.string(), z.unknown()).describe('A pattern over `{ event: { type, properties } }`: an engagement event, or a bus event by its detail type with its detail as properties.');

/** A step's id: what `next`, branches and reports name it by. */
export const StepId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must be 1-64 lower-case letters, digits, - or _');
export type StepId = z.infer<typeof StepId>;

const MAX_WAIT_DAYS = 366;

/** A length of time; at least one part, at most a year in all. */
export const Duration = z
  .strictObject({
    days: z.int().min(0).max(MAX_WAIT_DAYS).optional(),
    hours: z.int().min(0).max(24 * MAX_WAIT_DAYS).optional(),
    minutes: z.int().min(0).max(60 * 24 * 7).optional(),
    seconds: z.int().min(0).max(3600).optional(),
  })
  .refine((duration) => durationMs(duration) > 0, { message: 'must be longer than zero: give days, hours, minutes or seconds' })
  .refine((duration) => durationMs(duration) <= MAX_WAIT_DAYS * 86_400_000, { message: `must be at most ${MAX_WAIT_DAYS} days` });
export type Duration = z.infer<typeof Duration>;

export function durationMs(duration: { readonly days?: number; readonly hours?: number; readonly minutes?: number; readonly seconds?: number }): number {
  return ((duration.days ?? 0) * 86_400 + (duration.hours ?? 0) * 3600 + (duration.minutes ?? 0) * 60 + (duration.seconds ?? 0)) * 1000;
}

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** The next time of day (and weekday, when named) in the lead's time zone. */
const LocalTimeWait = z.strictObject({
  time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time of day hh:mm'),
  weekdays: z.array(z.enum(WEEKDAYS)).min(1).max(7).optional(),
});

const next = StepId.optional().describe('The step after this one; absent: the next step in the list (or the end).');

const SendEmail = z.strictObject({
  id: StepId,
  type: z.literal('send_email'),
  subscription: z.enum(SUBSCRIPTION_TYPES),
  template: z.union([TemplateContent, TemplateReference], { error: 'must be { subject, html, text? } or a stored template { templateId, version? }' }),
  next,
});

const Wait = z
  .strictObject({ id: StepId, type: z.literal('wait'), duration: Duration.optional(), until: LocalTimeWait.optional(), next })
  .refine((step) => (step.duration === undefined) !== (step.until === undefined), { message: 'give a duration or until, one of them', path: ['duration'] });

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
  where: Condition.describe('A pattern over `{ lead, score, activity, purchases }`, as a segment\'s `where`.'),
  onTrue: StepId,
  onFalse: StepId,
});

const Split = z.strictObject({
  id: StepId,
  type: z.literal('split'),
  arms: z
    .array(z.strictObject({ name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, 'must be 1-32 lower-case letters, digits, - or _'), percent: z.int().min(1).max(99), next: StepId }))
    .min(2)
    .max(5),
});

const AttributeValue = z.union([z.string().max(500), z.number(), z.boolean()]);

const UpdateLead = z.strictObject({
  id: StepId,
  type: z.literal('update_lead'),
  attributes: z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'must be an attribute name'), AttributeValue).optional(),
  stage: z.enum(LIFECYCLE_STAGES).optional().describe('Through the lifecycle transition rules: a move they do not allow is skipped and reported.'),
  subscription: z.strictObject({ type: z.enum(SUBSCRIPTION_TYPES), status: z.enum(['opted_in', 'opted_out']) }).optional().describe('Recorded with a consent record naming the journey.'),
  next,
});

const Notify = z.strictObject({
  id: StepId,
  type: z.literal('notify'),
  to: z.union([z.literal('owner'), z.strictObject({ team: z.string().min(1).max(64) })]).describe('The lead\'s owner (the team inbox when it has none), or a team\'s inbox.'),
  message: z.string().trim().min(1).max(1000),
  task: z.strictObject({ title: z.string().trim().min(1).max(200), dueInDays: z.int().min(0).max(90) }).optional().describe('A follow-up task for sales.'),
  next,
});

const Webhook = z.strictObject({
  id: StepId,
  type: z.literal('webhook'),
  webhookId: z.uuid('must be a registered webhook endpoint id (UUID)').describe('A registered endpoint: signed and checked for private addresses as every webhook.'),
  next,
});

const Exit = z.strictObject({ id: StepId, type: z.literal('exit'), reason: z.string().max(100).optional() });

export const Step = z.discriminatedUnion('type', [SendEmail, Wait, WaitForEvent, Branch, Split, UpdateLead, Notify, Webhook, Exit]);
export type Step = z.infer<typeof Step>;
export type StepType = Step['type'];
export type StepOf<T extends StepType> = Extract<Step, { type: T }>;

export const Entry = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('event'), pattern: EventPattern }),
  z.strictObject({ kind: z.literal('segment'), segmentId: z.uuid('must be a segment id (UUID)') }),
  z.strictObject({
    kind: z.literal('date'),
    attribute: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'must be an attribute name'),
    offsetDays: z.int().min(-365).max(365).describe('Days after the date (negative: before).'),
    time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time of day hh:mm').default('09:00').describe('Time of day in the lead\'s time zone.'),
  }),
  z.strictObject({ kind: z.literal('manual') }),
]);
export type Entry = z.infer<typeof Entry>;

export const Reentry = z.discriminatedUnion('kind', [z.strictObject({ kind: z.literal('once') }), z.strictObject({ kind: z.literal('after'), days: z.int().min(1).max(3650) })]);
export type Reentry = z.infer<typeof Reentry>;

export const JourneyDefinition = z
  .strictObject({
    name: z.string().trim().min(1).max(200),
    description: z.string().trim().max(1000).optional(),
    entry: Entry,
    reentry: Reentry.default({ kind: 'once' }),
    /** The lead's `attributes.timeZone` when it has one; this otherwise. */
    timeZone: z.string().max(64).default('UTC').describe('IANA zone for leads without `attributes.timeZone`.'),
    goal: z.strictObject({ where: Condition }).optional().describe('Ends the journey early, counted as a conversion.'),
    steps: z.array(Step).min(1).max(100),
  })
  .meta({ id: 'JourneyDefinition' });
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
