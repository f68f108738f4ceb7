import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import * as z from 'zod';
import { documentClient, eventBridgeClient, sesClient, sqsClient } from '../../src/adapters/clients';
import { HeldClaimRetry } from '../../src/adapters/redelivery';
import { EventBridgePublisher } from '../../src/adapters/event-publisher';
import { FollowUpStore, type FollowUpKey } from '../../src/adapters/follow-up-store';
import { LeadStore } from '../../src/adapters/lead-store';
import { SesMailer } from '../../src/adapters/mailer';
import { RoutingStore } from '../../src/adapters/routing-store';
import { oneTimeSchedules } from '../../src/adapters/scheduler';
import { OPTIMISTIC_ATTEMPTS, pauseBeforeRetry, processSqsBatch } from '../../src/app/batch';
import { readConfig, setting } from '../../src/config';
import { DetailType, FollowUpDueDetail, LeadStageChangedDetail } from '../../src/domain/events';
import type { AlertEmail } from '../../src/domain/handoff/alert-email';
import { composeReassignedEmail, composeReminderEmail, composeUnreassignedEmail, nextRepFor, waitedFor, type FollowUpKind } from '../../src/domain/handoff/follow-up';
import { currentStage } from '../../src/domain/handoff/lifecycle';
import type { RoutingConfig, RoutingRep, RoutingTeam } from '../../src/domain/handoff/routing';
import { followUpRound, type Lead, type LeadOwner } from '../../src/domain/lead';
import { FollowUpTimers } from '../../src/app/follow-up-timers';

const config = readConfig({
  TABLE_NAME: setting,
  EVENT_BUS_NAME: setting,
  SENDER_ADDRESS: setting,
  SES_CONFIGURATION_SET: setting,
});
const logger = new Logger();
const client = documentClient();
const leads = new LeadStore(client, config.TABLE_NAME);
const routing = new RoutingStore(client, config.TABLE_NAME);
// Claims taken over once stale (30 s: the function's timeout in the manifest); a retry that finds a
// step held waits until it could be, so a step a crash cut off is done late, not dead-lettered.
const heldClaims = new HeldClaimRetry(sqsClient(), 30);
const steps = new FollowUpStore(client, config.TABLE_NAME, heldClaims.staleMs);
const publisher = new EventBridgePublisher(eventBridgeClient(), config.EVENT_BUS_NAME);
const mailer = new SesMailer(sesClient(), config.SENDER_ADDRESS, config.SES_CONFIGURATION_SET);
const timers = new FollowUpTimers(
  oneTimeSchedules(),
);
/** Twice the function's timeout: a reassignment claimed longer ago belongs to an invocation that is gone. */
const ANNOUNCING_FOR_MS = 2 * 30_000;

const BusEvent = z.discriminatedUnion('detail-type', [
  z.object({ 'detail-type': z.literal(DetailType.FollowUpDue), detail: FollowUpDueDetail }),
  z.object({ 'detail-type': z.literal(DetailType.LeadStageChanged), detail: LeadStageChangedDetail }),
]);

/** A step whose email is being sent by another invocation: the record is retried later. */
class FollowUpInProgress extends Error {
  override readonly name = 'FollowUpInProgress';
}

/** Every attempt lost a race for the team's turn or a rep's place: the record is retried later. */
class ReassignmentContended extends Error {
  override readonly name = 'ReassignmentContended';
}

/** The lead's owner when the timer is still due: in `mql`, owned (and not released) by the rep and round it was set for. */
function stillWaiting(lead: Lead | undefined, detail: FollowUpDueDetail): lead is Lead & { owner: LeadOwner } {
  const owner = lead?.owner;
  return lead !== undefined && currentStage(lead) === 'mql' && owner?.repId === detail.repId && followUpRound(owner) === detail.round && owner.releasedAt === undefined;
}

const assignmentOf = (key: FollowUpKey) => ({ leadId: key.leadId, rulesetVersion: key.rulesetVersion, qualification: key.qualification });

function findRep(routingConfig: RoutingConfig, repId: string): { rep: RoutingRep; team: RoutingTeam } | undefined {
  for (const team of routingConfig.teams) {
    const rep = team.reps.find((member) => member.id === repId);
    if (rep) return { rep, team };
  }
  return undefined;
}

async function send(to: string, email: AlertEmail, kind: string, rulesetVersion: string): Promise<void> {
  await mailer.send({ to: [to], ...email, tags: { kind, ruleset: rulesetVersion.replace(/[^A-Za-z0-9_-]/g, '_') } });
}

/** Sends a step's one email under its claim: a duplicate finds the claim, a failed send gives it back. */
async function onceWithEmail(key: FollowUpKey, kind: FollowUpKind, outcome: 'reminded' | 'team-inbox', repId: string, sendEmail: () => Promise<void>): Promise<void> {
  const now = new Date().toISOString();
  if ((await steps.claim(key, kind, outcome, repId, now)) === 'taken') {
    const step = await steps.get(key, kind);
    if (step?.status === 'claimed') throw new FollowUpInProgress(`Follow-up ${kind} of lead ${key.leadId} is in progress elsewhere`);
    logger.info('Follow-up step already done; duplicate ignored', { ...key, kind });
    return;
  }
  try {
    await sendEmail();
  } catch (error) {
    await steps.release(key, kind);
    throw error;
  }
  await steps.markDone(key, kind, new Date().toISOString());
  logger.info('Follow-up step done', { ...key, kind, outcome, repId });
}

async function remind(detail: FollowUpDueDetail, key: FollowUpKey): Promise<void> {
  const lead = await leads.getLead(detail.leadId);
  const stored = await routing.get();
  if (!stillWaiting(lead, detail) || !stored) {
    logger.info('Follow-up no longer due: the lead was answered or changed owner', { ...key, kind: detail.kind });
    return;
  }
  const found = findRep(stored.config, detail.repId);
  if (!found) {
    logger.info('Follow-up reminder skipped: the rep left the routing', { ...key });
    return;
  }
  const now = new Date().toISOString();
  const timing = stored.config.followUp;
  const reassignIn = timing ? waitedFor(now, new Date(new Date(lead.owner.assignedAt).getTime() + timing.reassignAfterMinutes * 60_000).toISOString()) : undefined;
  await onceWithEmail(key, 'remind', 'reminded', detail.repId, () =>
    send(found.rep.email, composeReminderEmail(lead, found.rep, waitedFor(lead.owner.assignedAt, now), reassignIn), 'mql-reminder', key.rulesetVersion),
  );
}

/** After the owner moved: the new rep's timers, alert and `lead.assigned`, then the step is done. Repeated until it is. */
async function announceReassignment(detail: FollowUpDueDetail, key: FollowUpKey, owner: LeadOwner, waited: string): Promise<void> {
  try {
    await announce(detail, key, owner, waited);
  } catch (error) {
    await steps.markInterrupted(key, 'reassign').catch(() => undefined);
    throw error;
  }
  logger.info('Lead reassigned', { ...key, fromRepId: detail.repId, repId: owner.repId, teamId: owner.teamId });
}

async function announce(detail: FollowUpDueDetail, key: FollowUpKey, owner: LeadOwner, waited: string): Promise<void> {
  const lead = await leads.getLead(detail.leadId);
  const stored = await routing.get();
  const found = stored ? findRep(stored.config, owner.repId) : undefined;
  // The new rep gets the same follow-up, in the next round. Started first: it is the one step that
  // repeats harmlessly, so a failure here costs no second alert.
  if (stored?.config.followUp) await timers.start(assignmentOf(key), owner, stored.config.followUp, detail.correlationId);
  if (lead && found) await send(found.rep.email, composeReassignedEmail(lead, found.rep, found.team, waited), 'mql-alert', key.rulesetVersion);
  await publisher.publish([
    { detailType: DetailType.LeadAssigned, detail: { version: 1, correlationId: detail.correlationId, ...assignmentOf(key), repId: owner.repId, teamId: owner.teamId, assignedAt: owner.assignedAt, reassignedFrom: detail.repId } },
  ]);
  await steps.markDone(key, 'reassign', new Date().toISOString());
}

async function reassign(detail: FollowUpDueDetail, key: FollowUpKey): Promise<void> {
  // The team's turn is taken once, when a rep is first needed; a retry tries the reps after it.
  let turn: number | undefined;
  for (let attempt = 1; attempt <= OPTIMISTIC_ATTEMPTS; attempt += 1) {
    const step = await steps.get(key, 'reassign');
    if (step?.status === 'done') {
      logger.info('Follow-up step already done; duplicate ignored', { ...key, kind: 'reassign' });
      return;
    }
    // Reassigned by a delivery whose alert or publish failed, or that died: finish it. One that is
    // younger than the function's timeout may still be announcing, so a duplicate waits for it.
    if (step?.outcome === 'reassigned' && (step.status === 'interrupted' || Date.now() - Date.parse(step.at) > ANNOUNCING_FOR_MS)) {
      return announceReassignment(detail, key, step.owner, waitedFor(step.waitedSince, step.at));
    }
    if (step) throw new FollowUpInProgress(`Follow-up reassign of lead ${key.leadId} is in progress elsewhere`);

    const lead = await leads.getLead(detail.leadId);
    const stored = await routing.get();
    if (!stillWaiting(lead, detail) || !stored) {
      logger.info('Follow-up no longer due: the lead was answered or changed owner', { ...key, kind: detail.kind });
      return;
    }
    const team = stored.config.teams.find((candidate) => candidate.id === lead.owner.teamId);
    if (!team) {
      logger.info('Follow-up reassignment skipped: the team left the routing', { ...key });
      return;
    }
    const now = new Date().toISOString();
    const waited = waitedFor(lead.owner.assignedAt, now);
    turn ??= await routing.takeTurn(team.id);
    const passedOver = [...(lead.owner.unansweredBy ?? []), detail.repId];
    const next = nextRepFor(team, turn, await routing.openCounts(team.reps.map((rep) => rep.id)), passedOver);
    if (!next) {
      const currentRep = findRep(stored.config, detail.repId)?.rep;
      return onceWithEmail(key, 'reassign', 'team-inbox', detail.repId, () => send(team.inbox, composeUnreassignedEmail(lead, team, currentRep, waited), 'mql-unassigned', key.rulesetVersion));
    }
    const owner: LeadOwner = { repId: next.id, teamId: team.id, assignedAt: now, unansweredBy: passedOver };
    const outcome = await steps.tryReassign(key, lead, lead.owner, owner, next.capacity);
    if (outcome === 'reassigned') return announceReassignment(detail, key, owner, waited);
    if (outcome !== 'already-done' && outcome !== 'lead-changed') await pauseBeforeRetry(attempt);
  }
  throw new ReassignmentContended(`Reassignment of lead ${key.leadId} lost ${OPTIMISTIC_ATTEMPTS} races; retried later`);
}

/** A lead answered (moved out of `mql`): its pending timers go. Best effort: a late timer finds the lead answered. */
async function cancelTimers(detail: LeadStageChangedDetail): Promise<void> {
  if (detail.from !== 'mql' || detail.to === 'mql') return;
  const lead = await leads.getLead(detail.leadId);
  const qualification = lead?.score?.qualifications ?? 0;
  if (qualification < 1 || !lead?.owner) return;
  const round = followUpRound(lead.owner);
  await timers.cancel(detail.leadId, qualification, round);
  logger.info('Follow-up timers cancelled', { leadId: detail.leadId, qualification, round, to: detail.to });
}

async function followUp(record: SQSRecord): Promise<void> {
  const event = BusEvent.parse(JSON.parse(record.body));
  if (event['detail-type'] === DetailType.LeadStageChanged) return cancelTimers(event.detail);
  const { detail } = event;
  const key: FollowUpKey = { leadId: detail.leadId, rulesetVersion: detail.rulesetVersion, qualification: detail.qualification, round: detail.round };
  try {
    return await (detail.kind === 'remind' ? remind(detail, key) : reassign(detail, key));
  } catch (error) {
    if (error instanceof FollowUpInProgress) await heldClaims.postpone(record, logger, { ...key, kind: detail.kind });
    throw error;
  }
}

export const handler = async (event: SQSEvent, context: Context) => {
  logger.addContext(context);
  return processSqsBatch(event, context, logger, followUp);
};
