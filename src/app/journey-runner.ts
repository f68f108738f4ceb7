import type { LeadReader, Log } from './ports';
import { describeError } from '../domain/errors';
import type { JourneyDefinition, StepOf } from '../domain/journeys/definition';
import { advance, enter, mayEnter, type CountChange, type EffectStep, type EnrolmentState, type JourneyEvent, type JourneyInput } from '../domain/journeys/interpreter';
import type { LiveJourney, ReportCount, StepClaim, StepKey, StepRecord, StoredEnrolment } from '../domain/journeys/records';
import { leadDateEntryAt } from '../domain/journeys/local-time';
import type { Lead } from '../domain/lead';
import { matchesPattern } from '../domain/pattern';

export interface JourneyVersions {
  /** A version's definition; versions never change, so adapters may cache them. */
  definition(journeyId: string, version: number): Promise<JourneyDefinition | undefined>;
  /**
   * The journeys leads may enter now (published) or that hold their leads (paused), at their published
   * version; adapters may serve it from memory for a few seconds, unless `fresh`.
   */
  live(options?: { readonly fresh?: boolean }): Promise<readonly LiveJourney[]>;
  /** The status of a journey now: paused and archived journeys run no steps. */
  status(journeyId: string): Promise<'draft' | 'published' | 'paused' | 'archived' | undefined>;
}

/**
 * Enrolments (one per lead and journey, the latest run) and one claim per step run. A waiting
 * enrolment is findable by when its timer falls due (the adapter's due-time index).
 */
export interface Enrolments {
  get(leadId: string, journeyId: string): Promise<StoredEnrolment | undefined>;
  ofLead(leadId: string): Promise<StoredEnrolment[]>;
  /** Starts a run: none stored, or replacing the ended run at `replacing` revision. False when another got there first. */
  enter(enrolment: EnrolmentState, counts: readonly ReportCount[], replacing?: number): Promise<boolean>;
  /** Saves the next state with the counters it moves, if the enrolment is still at `rev`. */
  save(enrolment: EnrolmentState, rev: number, counts: readonly ReportCount[]): Promise<boolean>;
  claimStep(key: StepKey, stepId: string, at: string): Promise<StepClaim>;
  /** Takes over a claim still `claimed` at `claimedAt` (its runner's), claimed again at `at`; false when it changed meanwhile. */
  retakeStep(key: StepKey, claimedAt: string, at: string): Promise<boolean>;
  /** A step run's claim record as it is now (strongly consistent), if any. */
  stepRecord(key: StepKey): Promise<StepRecord | undefined>;
  finishStep(key: StepKey, outcome: { readonly status: 'done' | 'skipped'; readonly reason?: string }): Promise<void>;
  /** Marks a claim handed to another function once the step's event is out; one that function took meanwhile is left alone. */
  handStep(key: StepKey): Promise<void>;
  /** Gives a claim back after its effect failed, so the retry can do it. */
  releaseStep(key: StepKey): Promise<void>;
}

/** The lead now, as journey goals and branches see it. */
export interface LeadViews {
  view(lead: Lead, now: string): Promise<Record<string, unknown>>;
}

/** What steps with an effect do outside the engine; `key` names the step run, for changes applied once. */
export interface StepActions {
  updateLead(lead: Lead, step: StepOf<'update_lead'>, key: StepKey): Promise<StepOutcome>;
  webhook(lead: Lead, step: StepOf<'webhook'>, key: StepKey): Promise<StepOutcome>;
  /** Hands an email or notify step of journey version `version` to send-journey-email, which sends it once per step run. */
  email(lead: Lead, step: StepOf<'send_email'> | StepOf<'notify'>, key: StepKey, version: number): Promise<StepOutcome>;
}

/** How a step's effect ended here: done or skipped, or handed to another function that records how it ends. */
export type StepOutcome = { readonly outcome: 'done' | 'skipped'; readonly reason?: string } | { readonly outcome: 'handed' };

export interface JourneyRunnerDependencies {
  readonly journeys: JourneyVersions;
  readonly enrolments: Enrolments;
  readonly leads: LeadReader;
  readonly views: LeadViews;
  readonly actions: StepActions;
  readonly log: Log;
  /** A step claimed longer ago was left by a runner that died mid-effect. */
  readonly abandonedClaimMs: number;
  readonly clock?: () => Date;
}

/** Why a runner stopped driving an enrolment: done for now, or another invocation holds it. */
type Drive = 'still' | 'held-elsewhere';

/** A bus event as it reaches journeys: what happened, to whom. */
export interface LeadHappening {
  readonly leadId: string;
  readonly event: JourneyEvent;
}

/**
 * Runs journeys: enters leads when an entry matches, moves waiting enrolments on when their timer falls
 * due or an awaited event happens, and does each step with an effect exactly once per enrolment run:
 * claimed under its step number before the effect, so duplicates, retries and concurrent deliveries
 * find the claim; a claim left by a runner that died mid-step is taken over and its effect done again,
 * which its once-key or the function it is handed to makes happen once. Email
 * and notify steps are handed under their claim to send-journey-email, which sends each once per step
 * run and counts the email's outcome; the enrolment waits at the step until the email has ended
 * (`journey.email-step-ended`), so the steps after it happen after the email, as they are listed.
 */
export class JourneyRunner {
  constructor(private readonly deps: JourneyRunnerDependencies) {}

  private now(): Date {
    return this.deps.clock?.() ?? new Date();
  }

  /**
   * Something happened to a lead: its waiting enrolments hear of it (a wait for an event, a goal
   * reached), an active one goes on from where a failed or dead runner left it (`drive`), and journeys
   * whose entry matches enrol it. `segmentId` is set for a segment entered.
   */
  async happened(happening: LeadHappening, segmentId?: string): Promise<void> {
    for (const enrolment of await this.deps.enrolments.ofLead(happening.leadId)) {
      if (enrolment.status === 'waiting' || enrolment.status === 'active') await this.drive(enrolment, { kind: 'event', event: happening.event });
    }
    for (const live of await this.deps.journeys.live()) {
      if (live.status !== 'published') continue;
      const { entry } = live.definition;
      const matches = entry.kind === 'event' ? matchesPattern(entry.pattern, { event: happening.event }) : entry.kind === 'segment' && entry.segmentId === segmentId;
      if (matches) await this.enrol(live.journeyId, happening.leadId, 'entry');
    }
  }

  /**
   * Several things happened to a lead, in order, each as `happened`. `read` fetches them, and is called
   * only when something could hear of them: a published journey entered on an event, or an enrolment of
   * the lead waiting or active. A lead nothing listens to costs one read of its enrolments (the published
   * journeys are cached), not a read of its history besides: engagement events are most of the bus's traffic.
   */
  async happenedInOrder(leadId: string, read: () => Promise<readonly JourneyEvent[]>): Promise<void> {
    const entersOnEvents = (await this.deps.journeys.live()).some((live) => live.status === 'published' && live.definition.entry.kind === 'event');
    if (!entersOnEvents) {
      const enrolments = await this.deps.enrolments.ofLead(leadId);
      if (!enrolments.some((enrolment) => enrolment.status === 'waiting' || enrolment.status === 'active')) return;
    }
    for (const event of await read()) await this.happened({ leadId, event });
  }

  /**
   * Enrols a lead in a journey's published version when its re-entry rule allows, once however often
   * the entry is delivered, and runs it to its first wait. `manual` enrolments work for manual entries too.
   * A date entry names its instant (`dateEntryAt`): a run entered since then was for this date, so the
   * lead enters once per date. A lead entered whose first steps failed (this is the entry's retry) is
   * not entered again: its enrolment goes on from where it was.
   */
  async enrol(journeyId: string, leadId: string, cause: 'entry' | 'manual' | 'date', dateEntryAt?: string): Promise<'enrolled' | 'not-eligible' | 'not-published' | 'no-lead'> {
    const published = (journeys: readonly LiveJourney[]) => journeys.find((candidate) => candidate.journeyId === journeyId && candidate.status === 'published');
    // A journey published moments ago may be missing from the list served from memory: a request naming it reads the list afresh.
    const live = published(await this.deps.journeys.live()) ?? published(await this.deps.journeys.live({ fresh: true }));
    if (!live) return 'not-published';
    const lead = await this.deps.leads.getLead(leadId);
    if (!lead) return 'no-lead';
    const now = this.now();
    const last = await this.deps.enrolments.get(leadId, journeyId);
    // Entered, and left before its first steps were done (they failed, and this is the entry's retry): it goes on.
    if (last?.status === 'active') {
      await this.drive(last, { kind: 'continue' });
      return 'not-eligible';
    }
    if (cause === 'date' && live.definition.entry.kind !== 'date') return 'not-eligible';
    if (dateEntryAt && last && Date.parse(last.enteredAt) >= Date.parse(dateEntryAt)) return 'not-eligible';
    // An entry requested for a date the lead no longer holds (changed or cleared since it was indexed) enters nobody.
    if (dateEntryAt && live.definition.entry.kind === 'date' && leadDateEntryAt(live.definition.entry, lead.attributes, live.definition.timeZone)?.getTime() !== Date.parse(dateEntryAt)) return 'not-eligible';
    if (!mayEnter(live.definition, last, now)) return 'not-eligible';
    const { enrolment, counts } = enter(live.definition, journeyId, live.version, leadId, (last?.run ?? 0) + 1, now);
    if (!(await this.deps.enrolments.enter(enrolment, counts, last?.rev))) return 'not-eligible';
    this.deps.log.info('Lead entered journey', { journeyId, leadId, version: live.version, run: enrolment.run, cause });
    await this.drive({ ...enrolment, rev: (last?.rev ?? 0) + 1 }, { kind: 'continue' });
    return 'enrolled';
  }

  /**
   * A wait's timer fell due: moves the enrolment on when it still waits there (a repeated or stale timer
   * does nothing). The timer of an enrolment waiting for its email checks that the email's end was not
   * missed: it moves on when the email step's claim has ended, and otherwise the sweep sends it again.
   * The timer of an active enrolment is the check that its runner did not leave it (RUNNER_CHECK_MS):
   * it goes on from where it was, as `drive` goes on with every active enrolment.
   */
  async timerDue(leadId: string, journeyId: string, run: number, seq: number): Promise<void> {
    const enrolment = await this.deps.enrolments.get(leadId, journeyId);
    if (!enrolment || enrolment.run !== run) return;
    if (enrolment.awaiting === 'email') {
      if (enrolment.seq === seq && (await this.emailEnded(enrolment))) await this.drive(enrolment, { kind: 'email-ended', seq: seq - 1 });
      return;
    }
    await this.drive(enrolment, { kind: 'timer', seq });
  }

  /**
   * send-journey-email ended the email or notify step run `seq` (sent, skipped or interrupted): the
   * enrolment waiting there goes on to the next step, once; a repeat finds it moved on and does nothing.
   */
  async emailStepEnded(leadId: string, journeyId: string, run: number, seq: number): Promise<void> {
    const enrolment = await this.deps.enrolments.get(leadId, journeyId);
    if (!enrolment || enrolment.run !== run) return;
    await this.drive(enrolment, { kind: 'email-ended', seq });
  }

  /** Whether the email step an enrolment waits at has ended, as its claim record says. */
  private async emailEnded(enrolment: StoredEnrolment): Promise<boolean> {
    const record = await this.deps.enrolments.stepRecord({ leadId: enrolment.leadId, journeyId: enrolment.journeyId, run: enrolment.run, seq: enrolment.seq - 1 });
    return record?.status === 'done' || record?.status === 'skipped' || record?.status === 'interrupted';
  }

  private timeZoneOf(definition: JourneyDefinition, lead: Lead): string {
    const own = lead.attributes?.timeZone;
    return typeof own === 'string' && own ? own : definition.timeZone;
  }

  /** Moves an enrolment as far as the input takes it: step by step, each effect claimed, each state saved. */
  private async drive(start: StoredEnrolment, first: JourneyInput): Promise<Drive> {
    const { journeys, enrolments, leads, views, log } = this.deps;
    const status = await journeys.status(start.journeyId);
    // A paused journey holds its leads where they are; its timers fire again after the resume's sweep.
    if (status === 'paused' || status === 'draft') return 'still';
    const definition = await journeys.definition(start.journeyId, start.version);
    if (!definition) {
      log.error('Journey version missing; enrolment left', { journeyId: start.journeyId, version: start.version });
      return 'still';
    }
    // Only goals and branches look at the lead's view (its score, activity and purchases: several reads).
    const readsView = definition.goal !== undefined || definition.steps.some((step) => step.type === 'branch');
    let stored = start;
    // An active enrolment is one a runner left before moving it on: its step failed (the retry comes
    // here), or its runner died (the delivery's retry or the runner's check, RUNNER_CHECK_MS, comes
    // here). It goes on from where it was, whatever came; an event meanwhile is nothing to it, as it is
    // to an enrolment a live runner is moving on.
    let input: JourneyInput = start.status === 'active' ? { kind: 'continue' } : first;
    for (;;) {
      const now = this.now();
      const lead = await leads.getLead(stored.leadId);
      let next: ReturnType<typeof advance>;
      // A lead leaving while it waits leaves the report's waiting count too.
      const leftWaiting: CountChange[] = stored.status === 'waiting' ? [{ metric: 'waiting', delta: -1 }] : [];
      if (!lead) next = { enrolment: { ...stored, status: 'exited', exitReason: 'lead erased', endedAt: now.toISOString() }, counts: [...leftWaiting, { metric: 'exited', reason: 'lead erased' }], changed: true };
      else if (status === 'archived') next = { enrolment: { ...stored, status: 'exited', exitReason: 'archived', endedAt: now.toISOString() }, counts: [...leftWaiting, { metric: 'exited', reason: 'archived' }], changed: true };
      else next = advance(definition, stored, input, { now, view: readsView ? await views.view(lead, now.toISOString()) : {}, timeZone: this.timeZoneOf(definition, lead) });
      if (!next.changed) return 'still';
      const counts: ReportCount[] = [...next.counts];
      if (next.effect && lead) {
        const done = await this.doOnce(stored, next.effect, lead, definition);
        if (done === 'held-elsewhere') return 'held-elsewhere';
      }
      if (!(await enrolments.save(next.enrolment, stored.rev, counts))) return 'held-elsewhere';
      stored = { ...next.enrolment, rev: stored.rev + 1 };
      if (stored.status === 'active') input = { kind: 'continue' };
      // An email that ended before this save found nothing waiting for it (its event came too early): go on now.
      else if (stored.awaiting === 'email' && (await this.emailEnded(stored))) input = { kind: 'email-ended', seq: stored.seq - 1 };
      else return 'still';
    }
  }

  /** Does a step's effect once for the enrolment run: claim, effect, record; or finds it done or held. */
  private async doOnce(enrolment: StoredEnrolment, effect: { seq: number; step: EffectStep }, lead: Lead, definition: JourneyDefinition): Promise<'done' | 'held-elsewhere'> {
    const { enrolments, log, abandonedClaimMs } = this.deps;
    const key: StepKey = { leadId: enrolment.leadId, journeyId: enrolment.journeyId, run: enrolment.run, seq: effect.seq };
    const at = this.now();
    const claim = await enrolments.claimStep(key, effect.step.id, at.toISOString());
    if (claim.outcome === 'exists') {
      if (claim.record.status !== 'claimed') return 'done';
      if (Date.parse(claim.record.claimedAt) > at.getTime() - abandonedClaimMs) return 'held-elsewhere';
      // The runner that claimed it stopped before recording the effect, which may or may not have
      // happened. Each effect happens once downstream whatever the runner does again (a lead update
      // under the step run's once-key; an email, notify or webhook step taken once by the function it
      // is handed to), so it is done again rather than lost, by the one runner that takes the claim over.
      if (!(await enrolments.retakeStep(key, claim.record.claimedAt, at.toISOString()))) return 'held-elsewhere';
      log.warn('Journey step claimed by a runner that stopped mid-step; done again, once downstream', { journeyId: key.journeyId, leadId: key.leadId, stepId: effect.step.id, seq: key.seq });
    }
    try {
      const outcome = await this.perform(effect.step, lead, definition, enrolment.version, key);
      if (outcome.outcome === 'handed') await enrolments.handStep(key);
      else await enrolments.finishStep(key, { status: outcome.outcome, ...(outcome.reason ? { reason: outcome.reason } : {}) });
      return 'done';
    } catch (error) {
      // The effect failed before it happened (the provider refused the call): the retry may do it.
      await enrolments.releaseStep(key).catch((releaseError: unknown) => log.warn('Journey step claim not released', { journeyId: key.journeyId, error: describeError(releaseError) }));
      throw error;
    }
  }

  private async perform(step: EffectStep, lead: Lead, definition: JourneyDefinition, version: number, key: StepKey): Promise<StepOutcome> {
    switch (step.type) {
      case 'send_email':
      case 'notify': return this.deps.actions.email(lead, step, key, version);
      case 'update_lead': return this.deps.actions.updateLead(lead, step, key);
      case 'webhook': return this.deps.actions.webhook(lead, step, key);
      default: throw new Error(`journey ${definition.name}: no effect for step type ${(step as { type: string }).type}`);
    }
  }
}
