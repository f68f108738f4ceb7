import { Conflict, Forbidden, InvalidInput, NotFound } from '../domain/errors';
import { DetailType } from '../domain/events';
import { currentStage } from '../domain/handoff/lifecycle';
import { teamOfRep, type AssignmentKey, type ClaimAttempt, type InboxEntry, type RoutingTeam, type StoredRouting } from '../domain/handoff/routing';
import type { Lead, LeadOwner } from '../domain/lead';
import { leadSummary, type LeadSummary } from '../domain/lead-search';
import type { Page, PageRequest } from '../domain/page';
import type { EventPublisher } from './ports';
import { OPTIMISTIC_ATTEMPTS, pauseBeforeRetry } from './optimistic-retry';

/** What the team inbox needs of the routing store. */
export interface InboxRouting {
  get(): Promise<StoredRouting | undefined>;
  teamInbox(teamId: string, request: PageRequest): Promise<Page<InboxEntry>>;
  claim(key: AssignmentKey, owner: LeadOwner, actor: string): Promise<ClaimAttempt>;
}

export interface InboxLeads {
  getLeads(leadIds: readonly string[]): Promise<Lead[]>;
}

/** Who asks: a sales rep sees and claims for their own team; an admin or a service names the team, or the rep claiming. */
export type InboxViewer = { readonly kind: 'rep'; readonly repId: string } | { readonly kind: 'manager' };

export interface InboxItem extends AssignmentKey {
  readonly waitingSince: string;
  readonly lead: LeadSummary;
}

/**
 * The sales team inbox: MQLs routing gave to a team but to none of its reps (every rep was at
 * capacity), visible to that team's reps until one of them claims the lead. A claim is one
 * transaction (see RoutingStore.claim): under a race exactly one rep gets the lead.
 */
export class TeamInbox {
  constructor(
    private readonly ports: { readonly routing: InboxRouting; readonly leads: InboxLeads; readonly publisher: EventPublisher },
  ) {}

  /**
   * A page of the team's waiting MQLs, oldest first. An entry whose lead has meanwhile got an owner or
   * left the MQL stage (disqualified, erased) is left out; such a page may hold fewer than `limit` items.
   */
  async list(viewer: InboxViewer, teamId: string | undefined, request: PageRequest): Promise<{ team: { id: string; name: string }; items: InboxItem[]; nextCursor?: string }> {
    const team = await this.teamFor(viewer, teamId);
    const page = await this.ports.routing.teamInbox(team.id, request);
    const leads = new Map((await this.ports.leads.getLeads([...new Set(page.items.map((entry) => entry.leadId))])).map((lead) => [lead.id, lead]));
    const items: InboxItem[] = [];
    for (const entry of page.items) {
      const lead = leads.get(entry.leadId);
      if (!lead || lead.owner || currentStage(lead) !== 'mql') continue;
      items.push({ leadId: entry.leadId, rulesetVersion: entry.rulesetVersion, qualification: entry.qualification, waitingSince: entry.waitingSince, lead: leadSummary(lead) });
    }
    return { team: { id: team.id, name: team.name }, items, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
  }

  /**
   * Gives the waiting qualification `key` to the rep: a rep claims for themselves, a manager names
   * `repId`. The rep must belong to the team whose inbox holds it. 409 when another rep claimed it
   * first or the lead got an owner otherwise; `lead.assigned` tells the world (webhooks, CRM).
   */
  async claim(viewer: InboxViewer, key: AssignmentKey, namedRep: string | undefined, actor: string, correlationId: string, now: string): Promise<LeadOwner> {
    const repId = viewer.kind === 'rep' ? viewer.repId : namedRep;
    if (viewer.kind === 'rep' && namedRep !== undefined && namedRep !== viewer.repId) throw InvalidInput.field('repId', `must be you (${viewer.repId}) or left out: a rep claims for themselves`);
    if (repId === undefined) throw InvalidInput.field('repId', 'is required: name the rep who takes the lead');
    const routing = await this.ports.routing.get();
    const membership = routing ? teamOfRep(routing.config, repId) : undefined;
    if (!membership) {
      if (viewer.kind === 'rep') throw new Forbidden('You are not a rep of any team in the routing');
      throw InvalidInput.field('repId', `is not a rep of any team in the routing`);
    }
    const owner: LeadOwner = { repId, teamId: membership.team.id, assignedAt: now };
    for (let attempt = 1; attempt <= OPTIMISTIC_ATTEMPTS; attempt += 1) {
      const outcome = await this.ports.routing.claim(key, owner, actor);
      if (outcome === 'claimed') {
        await this.ports.publisher.publish([{ detailType: DetailType.LeadAssigned, detail: { version: 1, correlationId, ...key, ...owner } }]);
        return owner;
      }
      if (outcome === 'not-waiting') throw new Conflict(`This MQL is not waiting in team ${membership.team.id}'s inbox: another rep claimed it, or it was never there`);
      if (outcome === 'lead-has-owner') throw new Conflict('This lead already has an owner');
      await pauseBeforeRetry(attempt);
    }
    throw new Conflict('This MQL kept changing while it was claimed; look at the inbox again');
  }

  private async teamFor(viewer: InboxViewer, teamId: string | undefined): Promise<RoutingTeam> {
    const routing = await this.ports.routing.get();
    if (viewer.kind === 'rep') {
      const membership = routing ? teamOfRep(routing.config, viewer.repId) : undefined;
      if (!membership) throw new Forbidden('You are not a rep of any team in the routing');
      if (teamId !== undefined && teamId !== membership.team.id) throw new Forbidden(`You are a rep of team ${membership.team.id}, not ${teamId}`);
      return membership.team;
    }
    if (teamId === undefined) throw InvalidInput.field('team', 'is required: name the team whose inbox to read');
    const team = routing?.config.teams.find((candidate) => candidate.id === teamId);
    if (!team) throw new NotFound(`No team ${teamId} in the routing`);
    return team;
  }
}
