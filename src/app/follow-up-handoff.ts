import { followUpRequested } from './follow-up-timers';
import { OPTIMISTIC_ATTEMPTS, pauseBeforeRetry } from './optimistic-retry';
import type { EmailSender, EventPublisher, LeadReader, Log } from './ports';
import { DetailType, type FollowUpDueDetail } from '../domain/events';
import type { AlertEmail } from '../domain/handoff/alert-email';
import { composeReassignedEmail, composeReminderEmail, composeUnreassignedEmail, nextRepFor, waitedFor, type FollowUpKey, type FollowUpKind, type FollowUpStep, type ReassignAttempt } from '../domain/handoff/follow-up';
import { currentStage } from '../domain/handoff/lifecycle';
import type { AssignmentKey, RoutingConfig, RoutingRep, RoutingTeam } from '../domain/handoff/routing';
import { followUpRound, type Lead, type LeadOwner } from '../domain/lead';

/** One qualification of one lead: what its assignment, alert and follow-up are recorded under. */
export type QualificationKey = AssignmentKey;
export type { FollowUpKey, FollowUpStep, ReassignAttempt };

/** Where the steps of follow-ups are recorded, and the one write that hands a lead to another rep. */
export interface FollowUpStepStore {
  get(key: FollowUpKey, kind: FollowUpKind): Promise<FollowUpStep | undefined>;
  /** Claims a step whose only effect is an email; `taken` when another holds it (or it is done). A stale claim is taken over. */
  claim(key: FollowUpKey, kind: FollowUpKind, outcome: 'reminded' | 'team-inbox', repId: string, at: string): Promise<'claimed' | 'taken'>;
  /** Gives a claim back after its email failed, so the retry sends it. */
  release(key: FollowUpKey, kind: FollowUpKind): Promise<void>;
  /** Ends a step's claim; `claim-gone` when nothing was there to end (the lead was erased meanwhile): nothing is written. */
  markDone(key: FollowUpKey, kind: FollowUpKind, at: string): Promise<'done' | 'claim-gone'>;
  markInterrupted(key: FollowUpKey, kind: FollowUpKind): Promise<void>;
  /**
   * Records the reassign step and moves the lead from `from` to `owner` atomically: only while the
   * lead is still at `lead.version` and `from`'s, and the new rep is under `capacity`.
   */
  tryReassign(key: FollowUpKey, lead: { readonly version: number }, from: LeadOwner, owner: LeadOwner, capacity: number): Promise<ReassignAttempt>;
}

/** The routing configuration, the teams' turns and the reps' open leads. */
export interface FollowUpRouting {
  get(): Promise<{ readonly config: RoutingConfig } | undefined>;
  /** Takes the team's next turn, atomically: concurrent callers get different turns. */
  takeTurn(teamId: string): Promise<number>;
  openCounts(repIds: readonly string[]): Promise<Record<string, number>>;
}

export interface FollowUpHandoffDependencies {
  readonly leads: LeadReader;
  readonly routing: FollowUpRouting;
  readonly steps: FollowUpStepStore;
  readonly mailer: EmailSender;
  readonly publisher: EventPublisher;
  readonly log: Log;
  /** A reassignment claimed longer ago belongs to an invocation that is gone (twice the function's timeout). */
  readonly announcingForMs: number;
}

/** A step whose email is being sent by another invocation: the record is retried later. */
export class FollowUpInProgress extends Error {
  override readonly name = 'FollowUpInProgress';
}

/** Every attempt lost a race for the team's turn or a rep's place: the record is retried later. */
export class ReassignmentContended extends Error {
  override readonly name = 'ReassignmentContended';
}

/** The lead's owner when the timer is still due: in `mql`, owned (and not released) by the rep and round it was set for. */
function stillWaiting(lead: Lead | undefined, detail: FollowUpDueDetail): lead is Lead & { owner: LeadOwner } {
  const owner = lead?.owner;
  return lead !== undefined && currentStage(lead) === 'mql' && owner?.repId === detail.repId && followUpRound(owner) === detail.round && owner.releasedAt === undefined;
}

const qualificationOf = (key: FollowUpKey): QualificationKey => ({ leadId: key.leadId, rulesetVersion: key.rulesetVersion, qualification: key.qualification });

function findRep(routingConfig: RoutingConfig, repId: string): { rep: RoutingRep; team: RoutingTeam } | undefined {
  for (const team of routingConfig.teams) {
    const rep = team.reps.find((member) => member.id === repId);
    if (rep) return { rep, team };
  }
  return undefined;
}

/**
 * The follow-up of an assigned MQL: when its timer is due, the owner is reminded once, or the lead
 * is reassigned once to the team's next rep with room (the new owner's timers requested with
 * `handoff.follow-up-requested`, which schedule-follow-ups starts, the owner alerted and `lead.assigned`
 * published), or, with no rep free, the team's inbox is told once.
 */
export class FollowUpHandoff {
  constructor(private readonly dependencies: FollowUpHandoffDependencies) {}

  /** Runs the step a timer fired for, exactly once however often the timer's event is delivered. */
  async due(detail: FollowUpDueDetail): Promise<void> {
    const key: FollowUpKey = { leadId: detail.leadId, rulesetVersion: detail.rulesetVersion, qualification: detail.qualification, round: detail.round };
    return detail.kind === 'remind' ? this.remind(detail, key) : this.reassign(detail, key);
  }

  private async send(to: string, email: AlertEmail, kind: string, rulesetVersion: string): Promise<void> {
    await this.dependencies.mailer.send({ to: [to], ...email, tags: { kind, ruleset: rulesetVersion.replace(/[^A-Za-z0-9_-]/g, '_') } });
  }

  /** Sends a step's one email under its claim: a duplicate finds the claim, a failed send gives it back. */
  private async onceWithEmail(key: FollowUpKey, kind: FollowUpKind, outcome: 'reminded' | 'team-inbox', repId: string, sendEmail: () => Promise<void>): Promise<void> {
    const { steps, log } = this.dependencies;
    const now = new Date().toISOString();
    if ((await steps.claim(key, kind, outcome, repId, now)) === 'taken') {
      const step = await steps.get(key, kind);
      if (step?.status === 'claimed') throw new FollowUpInProgress(`Follow-up ${kind} of lead ${key.leadId} is in progress elsewhere`);
      log.info('Follow-up step already done; duplicate ignored', { ...key, kind });
      return;
    }
    try {
      await sendEmail();
    } catch (error) {
      await steps.release(key, kind);
      throw error;
    }
    const marked = await steps.markDone(key, kind, new Date().toISOString());
    log.info(marked === 'done' ? 'Follow-up step done' : 'Follow-up step sent; its claim was gone, the lead erased meanwhile', { ...key, kind, outcome, repId });
  }

  private async remind(detail: FollowUpDueDetail, key: FollowUpKey): Promise<void> {
    const { leads, routing, log } = this.dependencies;
    const lead = await leads.getLead(detail.leadId);
    const stored = await routing.get();
    if (!stillWaiting(lead, detail) || !stored) {
      log.info('Follow-up no longer due: the lead was answered or changed owner', { ...key, kind: detail.kind });
      return;
    }
    const found = findRep(stored.config, detail.repId);
    if (!found) {
      log.info('Follow-up reminder skipped: the rep left the routing', { ...key });
      return;
    }
    const now = new Date().toISOString();
    const timing = stored.config.followUp;
    const reassignIn = timing ? waitedFor(now, new Date(new Date(lead.owner.assignedAt).getTime() + timing.reassignAfterMinutes * 60_000).toISOString()) : undefined;
    await this.onceWithEmail(key, 'remind', 'reminded', detail.repId, () =>
      this.send(found.rep.email, composeReminderEmail(lead, found.rep, waitedFor(lead.owner.assignedAt, now), reassignIn), 'mql-reminder', key.rulesetVersion),
    );
  }

  /** After the owner moved: the new rep's timers, alert and `lead.assigned`, then the step is done. Repeated until it is. */
  private async announceReassignment(detail: FollowUpDueDetail, key: FollowUpKey, owner: LeadOwner, waited: string): Promise<void> {
    try {
      await this.announce(detail, key, owner, waited);
    } catch (error) {
      await this.dependencies.steps.markInterrupted(key, 'reassign').catch(() => undefined);
      throw error;
    }
    this.dependencies.log.info('Lead reassigned', { ...key, fromRepId: detail.repId, repId: owner.repId, teamId: owner.teamId });
  }

  private async announce(detail: FollowUpDueDetail, key: FollowUpKey, owner: LeadOwner, waited: string): Promise<void> {
    const { leads, routing, publisher, steps } = this.dependencies;
    const lead = await leads.getLead(detail.leadId);
    const stored = await routing.get();
    const found = stored ? findRep(stored.config, owner.repId) : undefined;
    // The new rep gets the same follow-up, in the next round. Requested first: it is the one step that
    // repeats harmlessly (its timers only move to the same times), so a failure here costs no second alert.
    if (stored?.config.followUp) await publisher.publish([followUpRequested(qualificationOf(key), owner, stored.config.followUp, detail.correlationId)]);
    if (lead && found) await this.send(found.rep.email, composeReassignedEmail(lead, found.rep, found.team, waited), 'mql-alert', key.rulesetVersion);
    await publisher.publish([
      { detailType: DetailType.LeadAssigned, detail: { version: 1, correlationId: detail.correlationId, ...qualificationOf(key), repId: owner.repId, teamId: owner.teamId, assignedAt: owner.assignedAt, reassignedFrom: detail.repId } },
    ]);
    await steps.markDone(key, 'reassign', new Date().toISOString());
  }

  private async reassign(detail: FollowUpDueDetail, key: FollowUpKey): Promise<void> {
    const { leads, routing, steps, log, announcingForMs } = this.dependencies;
    // The team's turn is taken once, when a rep is first needed; a retry tries the reps after it.
    let turn: number | undefined;
    for (let attempt = 1; attempt <= OPTIMISTIC_ATTEMPTS; attempt += 1) {
      const step = await steps.get(key, 'reassign');
      if (step?.status === 'done') {
        log.info('Follow-up step already done; duplicate ignored', { ...key, kind: 'reassign' });
        return;
      }
      // Reassigned by a delivery whose alert or publish failed, or that died: finish it. One that is
      // younger than the function's timeout may still be announcing, so a duplicate waits for it.
      if (step?.outcome === 'reassigned' && (step.status === 'interrupted' || Date.now() - Date.parse(step.at) > announcingForMs)) {
        return this.announceReassignment(detail, key, step.owner, waitedFor(step.waitedSince, step.at));
      }
      if (step) throw new FollowUpInProgress(`Follow-up reassign of lead ${key.leadId} is in progress elsewhere`);

      const lead = await leads.getLead(detail.leadId);
      const stored = await routing.get();
      if (!stillWaiting(lead, detail) || !stored) {
        log.info('Follow-up no longer due: the lead was answered or changed owner', { ...key, kind: detail.kind });
        return;
      }
      const team = stored.config.teams.find((candidate) => candidate.id === lead.owner.teamId);
      if (!team) {
        log.info('Follow-up reassignment skipped: the team left the routing', { ...key });
        return;
      }
      const now = new Date().toISOString();
      const waited = waitedFor(lead.owner.assignedAt, now);
      turn ??= await routing.takeTurn(team.id);
      const passedOver = [...(lead.owner.unansweredBy ?? []), detail.repId];
      const next = nextRepFor(team, turn, await routing.openCounts(team.reps.map((rep) => rep.id)), passedOver);
      if (!next) {
        const currentRep = findRep(stored.config, detail.repId)?.rep;
        return this.onceWithEmail(key, 'reassign', 'team-inbox', detail.repId, () => this.send(team.inbox, composeUnreassignedEmail(lead, team, currentRep, waited), 'mql-unassigned', key.rulesetVersion));
      }
      const owner: LeadOwner = { repId: next.id, teamId: team.id, assignedAt: now, unansweredBy: passedOver };
      const outcome = await steps.tryReassign(key, lead, lead.owner, owner, next.capacity);
      if (outcome === 'reassigned') return this.announceReassignment(detail, key, owner, waited);
      if (outcome !== 'already-done' && outcome !== 'lead-changed') await pauseBeforeRetry(attempt);
    }
    throw new ReassignmentContended(`Reassignment of lead ${key.leadId} lost ${OPTIMISTIC_ATTEMPTS} races; retried later`);
  }
}
