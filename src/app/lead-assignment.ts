import { OPTIMISTIC_ATTEMPTS, pauseBeforeRetry } from './optimistic-retry';
import { findOwner, repsInTurn, teamFor, type AlertRecipient, type Assignment, type AssignAttempt, type AssignmentKey, type FollowUpTiming, type KeepAttempt, type RoutingConfig, type StoredRouting } from '../domain/handoff/routing';
import { Unavailable } from '../domain/errors';
import type { Lead, LeadOwner } from '../domain/lead';

/** What routing a qualified lead needs: the configuration, the teams' turns, the reps' open counts and the one-time decisions. */
export interface AssignmentRouting {
  /** The configuration and the qualified lead's profile, read together (each consistently). */
  withProfile(leadId: string): Promise<{ readonly routing: StoredRouting | undefined; readonly lead: Lead | undefined }>;
  getAssignment(key: AssignmentKey): Promise<Assignment | undefined>;
  /** The team's next round-robin turn, each caller its own. */
  takeTurn(teamId: string): Promise<number>;
  /** Open MQLs per rep id. */
  openCounts(repIds: readonly string[]): Promise<Record<string, number>>;
  /** Hands the lead to `owner` while the rep is under `capacity` and the lead has no owner. */
  tryAssign(key: AssignmentKey, owner: LeadOwner, capacity: number): Promise<AssignAttempt>;
  /** Hands the lead back to its owner, whatever the rep's capacity. */
  tryKeep(key: AssignmentKey, owner: LeadOwner): Promise<KeepAttempt>;
  /** Records that every rep of the team was at capacity. */
  recordUnassigned(key: AssignmentKey, teamId: string, at: string): Promise<'recorded' | 'already-decided'>;
}

export interface Routed {
  readonly recipient: AlertRecipient;
  /** Set when this qualification gave the lead its owner (now or on an earlier delivery): `lead.assigned` tells the world. */
  readonly assigned?: LeadOwner;
  /** The rep who now has to answer the lead, newly assigned or its owner taking it back, and the routing's timing: start its timers. */
  readonly followUp?: { readonly owner: LeadOwner; readonly timing: FollowUpTiming };
}

/** Every attempt lost a race for a rep's last places or the lead itself: the record is retried later. */
export class AssignmentContended extends Unavailable {
  override readonly name = 'AssignmentContended';
}

const followUpOf = (config: RoutingConfig, owner: LeadOwner) => (config.followUp ? { followUp: { owner, timing: config.followUp } } : {});

function decided(config: RoutingConfig, decision: Assignment): Routed {
  if (decision.status === 'unassigned') {
    const team = config.teams.find((candidate) => candidate.id === decision.teamId);
    return { recipient: team ? { kind: 'team-inbox', team, reason: 'reps-at-capacity' } : { kind: 'sales-inbox' } };
  }
  const owner = { repId: decision.repId, teamId: decision.teamId, assignedAt: decision.assignedAt };
  const found = findOwner(config, owner);
  if (found?.kind !== 'owner') return { recipient: found ?? { kind: 'sales-inbox' }, ...(decision.kept ? {} : { assigned: owner }) };
  if (decision.kept) return { recipient: found, ...followUpOf(config, owner) };
  return { recipient: { ...found, kept: false }, assigned: owner, ...followUpOf(config, owner) };
}

/**
 * Who a qualified lead's alert goes to, giving it an owner first when it has none. Without a routing
 * configuration, the sales inbox. A lead with an owner keeps it: back in `mql` after its owner let it
 * go (recycled, then qualified again), the owner takes it back, with an open place and a follow-up of
 * its own, recorded once under the qualification's key. Otherwise its team by the rules and,
 * from the team's next turn (taken once, atomically), the first rep under capacity, in one
 * transaction that also records the decision under the qualification's key: a redelivered or
 * concurrent qualification finds the decision and assigns nothing more. When every rep is full, the
 * team's inbox, unassigned.
 */
export async function routeQualifiedLead(
  store: AssignmentRouting,
  routing: StoredRouting | undefined,
  lead: Lead,
  key: AssignmentKey,
  reloadLead: () => Promise<Lead | undefined>,
  now: string,
): Promise<Routed> {
  if (!routing) return { recipient: { kind: 'sales-inbox' } };
  const { config } = routing;
  let current: Lead | undefined = lead;
  let turn: { readonly teamId: string; readonly number: number } | undefined;
  for (let attempt = 1; attempt <= OPTIMISTIC_ATTEMPTS; attempt += 1) {
    const decision = await store.getAssignment(key);
    if (decision) return decided(config, decision);
    if (!current) throw new Error(`Lead ${key.leadId} not found`);
    if (current.owner) {
      const found = findOwner(config, current.owner);
      if (found?.kind !== 'owner' || current.owner.releasedAt === undefined) return { recipient: found ?? { kind: 'sales-inbox' } };
      const owner = { repId: current.owner.repId, teamId: current.owner.teamId, assignedAt: now };
      const kept = await store.tryKeep(key, owner);
      if (kept === 'kept') return { recipient: found, ...followUpOf(config, owner) };
      if (kept === 'owner-changed') current = await reloadLead();
      else if (kept === 'conflict') await pauseBeforeRetry(attempt);
      continue;
    }

    const team = teamFor(config, current);
    if (turn?.teamId !== team.id) turn = { teamId: team.id, number: await store.takeTurn(team.id) };
    const next = repsInTurn(team, turn.number, await store.openCounts(team.reps.map((rep) => rep.id)))[0];
    if (!next) {
      if ((await store.recordUnassigned(key, team.id, now)) === 'recorded') return { recipient: { kind: 'team-inbox', team, reason: 'reps-at-capacity' } };
      continue;
    }
    const owner = { repId: next.id, teamId: team.id, assignedAt: now };
    const outcome = await store.tryAssign(key, owner, next.capacity);
    if (outcome === 'assigned') return { recipient: { kind: 'owner', rep: next, team, kept: false }, assigned: owner, ...followUpOf(config, owner) };
    if (outcome === 'lead-has-owner') current = await reloadLead();
    else if (outcome !== 'already-decided') await pauseBeforeRetry(attempt);
  }
  throw new AssignmentContended(`Assignment of lead ${key.leadId} lost ${OPTIMISTIC_ATTEMPTS} races; retried later`);
}
