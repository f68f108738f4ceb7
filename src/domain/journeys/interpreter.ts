import { createHash } from 'node:crypto';
import { matchesPattern } from '../pattern';
import { defaultNext, durationMs, type JourneyDefinition, type Step, type StepId, type StepOf } from './definition';
import { nextLocalTime } from './local-time';

/**
 * The journey interpreter, pure: (definition, enrolment, input, what the lead looks like now) ->
 * the next enrolment state and at most one step with a side effect. The runner claims that step under
 * its number before doing it, so a retried, duplicated or concurrent delivery never does it twice.
 */

export type EnrolmentStatus = 'active' | 'waiting' | 'completed' | 'exited';

/** One lead's way through one journey version. */
export interface EnrolmentState {
  readonly journeyId: string;
  /** The version the lead entered: it finishes on it whatever is published meanwhile. */
  readonly version: number;
  readonly leadId: string;
  /** Which entry this is (1 for the first; re-entry adds one): claims of one run never meet another's. */
  readonly run: number;
  readonly enteredAt: string;
  readonly status: EnrolmentStatus;
  /** Active: the step to run next. Waiting: the wait. */
  readonly stepId?: StepId;
  /** Steps run so far; the next step runs as number `seq`, and a wait's timer carries it. */
  readonly seq: number;
  /**
   * Waiting: when the wait's timer falls due. Active: when the enrolment is looked at again in case the
   * runner moving it on failed or died first (RUNNER_CHECK_MS).
   */
  readonly wakeAt?: string;
  /**
   * Waiting at an email or notify step for send-journey-email to end it (sent, skipped or interrupted):
   * the next step waits for the email, as it would have when the runner sent it itself. Its `wakeAt`
   * is a check that the end was not missed, not a timeout.
   */
  readonly awaiting?: 'email';
  readonly endedAt?: string;
  /** Exited: `goal`, `exit step`, the exit step's own reason, `archived`, `manual`. */
  readonly exitReason?: string;
  /** The arm taken at each split, for per-arm reports. */
  readonly arms?: Readonly<Record<string, string>>;
}

/** Something that happened to a lead, as journeys match it: an engagement event or a bus event. */
export interface JourneyEvent {
  readonly type: string;
  readonly properties: Readonly<Record<string, unknown>>;
}

export type JourneyInput =
  /** Run the active enrolment's next step. */
  | { readonly kind: 'continue' }
  /** The timer of the wait the enrolment reached as step `seq` fell due. */
  | { readonly kind: 'timer'; readonly seq: number }
  /** Something happened to the lead: a wait for it may end, the goal may be reached. */
  | { readonly kind: 'event'; readonly event: JourneyEvent }
  /** The email or notify step the enrolment reached as step `seq` ended: the run goes on after it. */
  | { readonly kind: 'email-ended'; readonly seq: number };

export interface InterpreterContext {
  readonly now: Date;
  /** The lead now, as segments see it: `{ lead, score, activity, purchases }`. */
  readonly view: Readonly<Record<string, unknown>>;
  /** The lead's zone (its `attributes.timeZone`), else the journey's. */
  readonly timeZone: string;
}

/** Steps whose effect leaves leadflow's state machine: each is claimed and done once. */
export type EffectStep = StepOf<'send_email'> | StepOf<'update_lead'> | StepOf<'notify'> | StepOf<'webhook'>;

/** A report counter moved by an advance. */
export type CountChange =
  | { readonly metric: 'entered' | 'completed' | 'goal' }
  | { readonly metric: 'waiting'; readonly delta: 1 | -1 }
  | { readonly metric: 'exited'; readonly reason: string }
  | { readonly metric: 'step'; readonly stepId: StepId }
  | { readonly metric: 'arm'; readonly stepId: StepId; readonly arm: string };

export interface Advance {
  readonly enrolment: EnrolmentState;
  /** The step to do once, as step number `seq` of the enrolment's run. */
  readonly effect?: { readonly seq: number; readonly step: EffectStep };
  readonly counts: readonly CountChange[];
  /** False when the input changes nothing (a stale timer, an event no wait or goal cares about). */
  readonly changed: boolean;
}

const unchanged = (enrolment: EnrolmentState): Advance => ({ enrolment, counts: [], changed: false });

/**
 * An enrolment waiting for its email is looked at again this long after it reached the step, and as
 * often as the sweep's lease allows after that, in case the email's end was missed (its event lost, or
 * dropped while the journey was paused); most emails end within seconds.
 */
export const EMAIL_END_CHECK_MS = 5 * 60_000;

/**
 * An active enrolment, one entered or moved past a step with an effect whose next step is still to
 * run, is looked at again this long after it was saved: not a timeout but a check that the runner
 * moving it on did not fail or die first, leaving it with nothing to come for it (its delivery
 * dead-lettered, or consumed by a retry that found the step's claim still held, as `npm start`'s queue
 * journal delivers a killed runner's messages again at once). Longer than a claim takes to go stale,
 * so the check takes over a claim a dead runner left; a runner that moves the enrolment on replaces it.
 */
export const RUNNER_CHECK_MS = 5 * 60_000;

const checkedAt = (now: Date) => new Date(now.getTime() + RUNNER_CHECK_MS).toISOString();

/** The enrolment of a lead entering `version` of a journey now, before its first step runs. */
export function enter(definition: JourneyDefinition, journeyId: string, version: number, leadId: string, run: number, now: Date): { enrolment: EnrolmentState; counts: CountChange[] } {
  return {
    enrolment: { journeyId, version, leadId, run, enteredAt: now.toISOString(), status: 'active', stepId: definition.steps[0]?.id, seq: 0, wakeAt: checkedAt(now) },
    counts: [{ metric: 'entered' }],
  };
}

/** A number in [0, 1) fixed by the enrolment's run and step: a retried split takes the same arm. */
export function splitDraw(enrolment: Pick<EnrolmentState, 'journeyId' | 'leadId' | 'run'>, seq: number): number {
  const digest = createHash('sha256').update(`${enrolment.journeyId}|${enrolment.leadId}|${enrolment.run}|${seq}`).digest();
  return digest.readUInt32BE(0) / 2 ** 32;
}

const stepIndex = (definition: JourneyDefinition, stepId: StepId) => definition.steps.findIndex((step) => step.id === stepId);

function nextOf(definition: JourneyDefinition, step: Step & { next?: StepId }): StepId | undefined {
  return step.next ?? defaultNext(definition, stepIndex(definition, step.id));
}

function ended(enrolment: EnrolmentState, now: Date, status: 'completed' | 'exited', exitReason?: string): EnrolmentState {
  const { stepId: _stepId, wakeAt: _wakeAt, awaiting: _awaiting, ...rest } = enrolment;
  return { ...rest, status, endedAt: now.toISOString(), ...(exitReason ? { exitReason } : {}) };
}

/** What an input does to an enrolment: the goal first, then the wait it ends, then the steps up to the next effect or wait. */
export function advance(definition: JourneyDefinition, enrolment: EnrolmentState, input: JourneyInput, context: InterpreterContext): Advance {
  if (enrolment.status === 'completed' || enrolment.status === 'exited') return unchanged(enrolment);
  const counts: CountChange[] = [];
  const { now } = context;
  if (definition.goal && matchesPattern(definition.goal.where, context.view)) {
    if (enrolment.status === 'waiting') counts.push({ metric: 'waiting', delta: -1 });
    counts.push({ metric: 'goal' }, { metric: 'exited', reason: 'goal' });
    return { enrolment: ended(enrolment, now, 'exited', 'goal'), counts, changed: true };
  }

  let state = enrolment;
  const current = state.stepId === undefined ? undefined : definition.steps[stepIndex(definition, state.stepId)];
  if (input.kind === 'continue') {
    if (state.status !== 'active') return unchanged(enrolment);
  } else if (input.kind === 'email-ended') {
    if (state.status !== 'waiting' || state.awaiting !== 'email' || state.seq !== input.seq + 1 || !current) return unchanged(enrolment);
    state = resumed(state, nextOf(definition, current));
    counts.push({ metric: 'waiting', delta: -1 });
  } else if (input.kind === 'timer') {
    // An enrolment waiting for its email moves on when the email ends, never on its timer alone.
    if (state.status !== 'waiting' || state.awaiting || state.seq !== input.seq || !current) return unchanged(enrolment);
    const after = current.type === 'wait_for_event' ? current.onTimeout : current.type === 'wait' ? nextOf(definition, current) : undefined;
    state = resumed(state, after);
    counts.push({ metric: 'waiting', delta: -1 });
  } else {
    if (state.status !== 'waiting' || current?.type !== 'wait_for_event' || !matchesPattern(current.event, { event: input.event })) return unchanged(enrolment);
    state = resumed(state, current.onEvent);
    counts.push({ metric: 'waiting', delta: -1 });
  }

  // Validation refuses loops without a wait, so this ends within as many steps as the journey has.
  for (let guard = 0; guard <= definition.steps.length; guard += 1) {
    if (state.stepId === undefined) {
      counts.push({ metric: 'completed' });
      return { enrolment: ended(state, now, 'completed'), counts, changed: true };
    }
    const step = definition.steps[stepIndex(definition, state.stepId)];
    if (!step) {
      counts.push({ metric: 'exited', reason: 'missing step' });
      return { enrolment: ended(state, now, 'exited', 'missing step'), counts, changed: true };
    }
    const seq = state.seq;
    counts.push({ metric: 'step', stepId: step.id });
    switch (step.type) {
      case 'branch':
        state = { ...state, seq: seq + 1, stepId: matchesPattern(step.where, context.view) ? step.onTrue : step.onFalse };
        break;
      case 'split': {
        const draw = splitDraw(state, seq) * 100;
        let cumulative = 0;
        const arm = step.arms.find((candidate) => (cumulative += candidate.percent) > draw) ?? (step.arms[step.arms.length - 1] as (typeof step.arms)[number]);
        counts.push({ metric: 'arm', stepId: step.id, arm: arm.name });
        state = { ...state, seq: seq + 1, stepId: arm.next, arms: { ...state.arms, [step.id]: arm.name } };
        break;
      }
      case 'exit': {
        const reason = step.reason ?? 'exit step';
        counts.push({ metric: 'exited', reason });
        return { enrolment: ended({ ...state, seq: seq + 1 }, now, 'exited', reason), counts, changed: true };
      }
      case 'wait':
      case 'wait_for_event': {
        const wakeAt = wakeTime(step, context);
        counts.push({ metric: 'waiting', delta: 1 });
        return { enrolment: { ...state, status: 'waiting', stepId: step.id, seq: seq + 1, wakeAt: wakeAt.toISOString() }, counts, changed: true };
      }
      case 'send_email':
      case 'notify': {
        counts.push({ metric: 'waiting', delta: 1 });
        const wakeAt = new Date(now.getTime() + EMAIL_END_CHECK_MS).toISOString();
        return { enrolment: { ...state, status: 'waiting', stepId: step.id, seq: seq + 1, wakeAt, awaiting: 'email' }, effect: { seq, step }, counts, changed: true };
      }
      default:
        return { enrolment: { ...state, seq: seq + 1, stepId: nextOf(definition, step), wakeAt: checkedAt(now) }, effect: { seq, step }, counts, changed: true };
    }
  }
  throw new Error(`journey ${enrolment.journeyId} v${enrolment.version} ran more steps than it has without a wait`);
}

function resumed(state: EnrolmentState, stepId: StepId | undefined): EnrolmentState {
  const { wakeAt: _wakeAt, stepId: _stepId, awaiting: _awaiting, ...rest } = state;
  return { ...rest, status: 'active', ...(stepId ? { stepId } : {}) };
}

function wakeTime(step: StepOf<'wait'> | StepOf<'wait_for_event'>, context: InterpreterContext): Date {
  if (step.type === 'wait_for_event') return new Date(context.now.getTime() + durationMs(step.timeout));
  if (step.duration) return new Date(context.now.getTime() + durationMs(step.duration));
  const until = step.until as NonNullable<typeof step.until>;
  return nextLocalTime(context.now, context.timeZone, until.time, until.weekdays);
}

/** Whether a lead may enter (again): never entered, or `reentry` allows it after its last run ended. */
export function mayEnter(definition: Pick<JourneyDefinition, 'reentry'>, last: EnrolmentState | undefined, now: Date): boolean {
  if (!last) return true;
  if (last.status !== 'completed' && last.status !== 'exited') return false;
  if (definition.reentry.kind === 'once') return false;
  return Date.parse(last.endedAt ?? last.enteredAt) + definition.reentry.days * 86_400_000 <= now.getTime();
}
