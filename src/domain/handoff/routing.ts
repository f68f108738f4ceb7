import * as z from 'zod/mini';
import { scoringView, type Lead } from '../lead';
import { matchesPattern, PatternError, validatePattern } from '../pattern';
import { conditionRoots } from '../scoring/ruleset';
import { neverMatching, RULE_CONDITION_FIELDS } from '../scoring/validate';

/**
 * Owner routing as data: teams of reps, rules that send a qualified lead to a team (by country,
 * industry, team size, ...: a pattern over `{ lead }`, as fit rules see the lead), and a default team.
 * Inside a team, reps take leads in turn (round-robin), skipping reps at their capacity.
 */

const Id = z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, - or _'));

export const RoutingRep = z.strictObject({
  id: Id,
  name: z.string().check(z.trim(), z.minLength(1), z.maxLength(200)),
  email: z.email('must be an email address'),
  /** The most open MQLs the rep holds at once; beyond it, the rep is skipped. */
  capacity: z.int().check(z.gte(1), z.lte(100_000)),
});
export type RoutingRep = z.infer<typeof RoutingRep>;

export const RoutingTeam = z.strictObject({
  id: Id,
  name: z.string().check(z.trim(), z.minLength(1), z.maxLength(200)),
  /** Where a team's alerts go when no rep has room. */
  inbox: z.email('must be an email address'),
  reps: z.array(RoutingRep).check(z.maxLength(200)),
});
export type RoutingTeam = z.infer<typeof RoutingTeam>;

export const RoutingRule = z.strictObject({
  description: z.optional(z.string().check(z.trim(), z.maxLength(200))),
  when: z.record(z.string(), z.unknown()).check(z.describe('A pattern over `{ lead }`: role, industry, teamSize, annualRevenue, budget, country, company, emailDomain, attributes.')),
  team: Id,
});
export type RoutingRule = z.infer<typeof RoutingRule>;

/** 0.05 minutes (3 s) is the shortest a local test needs; EventBridge Scheduler fires to the second. */
export const MIN_FOLLOW_UP_MINUTES = 0.05;
export const MAX_FOLLOW_UP_MINUTES = 30 * 24 * 60;
const FollowUpMinutes = z
  .number('must be a number of minutes').check(z.gte(MIN_FOLLOW_UP_MINUTES, `must be at least ${MIN_FOLLOW_UP_MINUTES} minutes (3 seconds)`), z.lte(MAX_FOLLOW_UP_MINUTES, `must be at most ${MAX_FOLLOW_UP_MINUTES} minutes (30 days)`));

/**
 * How long a newly assigned rep has to accept an MQL: after `remindAfterMinutes` the rep gets a
 * reminder, after `reassignAfterMinutes` the lead goes to the next rep of the team.
 */
export const FollowUpTiming = z
  .strictObject({ remindAfterMinutes: FollowUpMinutes, reassignAfterMinutes: FollowUpMinutes }).check(z.refine((timing) => timing.reassignAfterMinutes > timing.remindAfterMinutes, { path: ['reassignAfterMinutes'], message: 'must be later than remindAfterMinutes' }));
export type FollowUpTiming = z.infer<typeof FollowUpTiming>;

const RoutingFields = z.strictObject({
  teams: z.array(RoutingTeam).check(z.minLength(1, 'must name at least one team'), z.maxLength(100)),
  /** Tried in order; the first that matches picks the team. */
  rules: z.array(RoutingRule).check(z.maxLength(500)),
  defaultTeam: Id,
  /** Absent: an assigned lead waits for its rep without reminder or reassignment. */
  followUp: z.optional(FollowUpTiming),
});

/** One problem of a routing configuration, at its path (`rules.2.team`, `teams.0.reps.1.id`). */
export interface RoutingIssue {
  readonly path: (string | number)[];
  readonly message: string;
}

const LEAD_ROOTS = { lead: RULE_CONDITION_FIELDS.lead ?? {} };

function conditionIssues(when: Record<string, unknown>, path: (string | number)[]): RoutingIssue[] {
  try {
    validatePattern(when);
  } catch (error) {
    if (!(error instanceof PatternError)) throw error;
    return [{ path: [...path, ...(error.path ? error.path.split('.') : [])], message: error.message.replace(/^[^:]*: /, '') }];
  }
  const issues: RoutingIssue[] = [];
  for (const root of conditionRoots(when)) {
    if (root !== 'lead') issues.push({ path: [...path, root], message: `\`${root}\` is nothing routing can look at; use \`lead\`` });
  }
  const prefix = path.join('.');
  for (const issue of neverMatching(when, prefix, LEAD_ROOTS)) issues.push({ path: [...path, ...issue.path.slice(prefix.length + 1).split('.')], message: issue.message });
  return issues;
}

/**
 * Everything wrong with a configuration that its shape does not say: a rule or the default naming a
 * team that does not exist, a team or rep id used twice (a rep's open count is kept by id), a
 * condition that is malformed or can never match.
 */
export function routingIssues(config: z.infer<typeof RoutingFields>): RoutingIssue[] {
  const issues: RoutingIssue[] = [];
  const teamIds = new Set<string>();
  const repIds = new Set<string>();
  config.teams.forEach((team, teamIndex) => {
    if (teamIds.has(team.id)) issues.push({ path: ['teams', teamIndex, 'id'], message: `duplicate team id ${team.id}` });
    teamIds.add(team.id);
    team.reps.forEach((rep, repIndex) => {
      if (repIds.has(rep.id)) issues.push({ path: ['teams', teamIndex, 'reps', repIndex, 'id'], message: `duplicate rep id ${rep.id}; a rep belongs to one team` });
      repIds.add(rep.id);
    });
  });
  const known = [...teamIds].join(', ');
  config.rules.forEach((rule, index) => {
    if (!teamIds.has(rule.team)) issues.push({ path: ['rules', index, 'team'], message: `no team ${rule.team}; teams: ${known}` });
    issues.push(...conditionIssues(rule.when, ['rules', index, 'when']));
  });
  if (!teamIds.has(config.defaultTeam)) issues.push({ path: ['defaultTeam'], message: `no team ${config.defaultTeam}; teams: ${known}` });
  return issues;
}

/** A routing configuration as an admin writes it (`PUT /v1/admin/routing`). */
export const RoutingConfig = RoutingFields.check(z.superRefine((config, context) => {
  for (const issue of routingIssues(config)) context.addIssue({ code: 'custom', path: issue.path, message: issue.message });
}), z.meta({ id: 'RoutingConfig' }));
export type RoutingConfig = z.infer<typeof RoutingConfig>;

/** The team a qualified lead goes to: the first rule that matches it, else the default team. */
export function teamFor(config: RoutingConfig, lead: Lead): RoutingTeam {
  const view = { lead: scoringView(lead) };
  const teamId = config.rules.find((rule) => matchesPattern(rule.when, view))?.team ?? config.defaultTeam;
  const team = config.teams.find((candidate) => candidate.id === teamId);
  // Validation guarantees every team named exists; a stored config that breaks it is a bug.
  if (!team) throw new Error(`Routing names no team ${teamId}`);
  return team;
}

/**
 * The reps of a team in the order they are offered the lead holding turn `turn` (the team's n-th
 * lead, counting from 0): the rep whose turn it is, then the next ones, wrapping around, leaving out
 * reps whose open MQLs reached their capacity.
 */
export function repsInTurn(team: RoutingTeam, turn: number, openCounts: Readonly<Record<string, number>>): RoutingRep[] {
  const size = team.reps.length;
  const start = ((turn % size) + size) % size;
  return Array.from({ length: size }, (_, offset) => team.reps[(start + offset) % size] as RoutingRep).filter((rep) => (openCounts[rep.id] ?? 0) < rep.capacity);
}

/** Where a qualified lead's alert goes, and what the alert says about its owner. */
export type AlertRecipient =
  | { readonly kind: 'owner'; readonly rep: RoutingRep; readonly team: RoutingTeam; readonly kept: boolean }
  | { readonly kind: 'team-inbox'; readonly team: RoutingTeam; readonly reason: 'reps-at-capacity' | 'owner-not-in-team' }
  | { readonly kind: 'sales-inbox' };

/** A lead's current owner as the configuration knows it: the rep and team, or just the team when the rep has left it. */
export function findOwner(config: RoutingConfig, owner: { repId: string; teamId: string }): AlertRecipient | undefined {
  const team = config.teams.find((candidate) => candidate.id === owner.teamId);
  const rep = config.teams.flatMap((candidate) => candidate.reps.map((member) => ({ member, candidate }))).find(({ member }) => member.id === owner.repId);
  if (rep) return { kind: 'owner', rep: rep.member, team: rep.candidate, kept: true };
  if (team) return { kind: 'team-inbox', team, reason: 'owner-not-in-team' };
  return undefined;
}

/** The routing configuration as stored, with the count of saves that guards concurrent edits. */
export interface StoredRouting {
  readonly config: RoutingConfig;
  /** Counts saves: 1 for the first configuration. */
  readonly version: number;
  readonly updatedAt: string;
}

/** Which qualification an assignment answers: the same key as the alert's. */
export interface AssignmentKey {
  readonly leadId: string;
  readonly rulesetVersion: string;
  readonly qualification: number;
}

/** What routing decided for one qualification, stored once; `kept` when the lead's owner took it back. */
export type Assignment =
  | { readonly status: 'assigned'; readonly repId: string; readonly teamId: string; readonly assignedAt: string; readonly kept?: boolean }
  | { readonly status: 'unassigned'; readonly teamId: string; readonly at: string };

/** The outcome of one attempt to hand a lead back to its owner; anything but `kept` means look again. */
export type KeepAttempt = 'kept' | 'already-decided' | 'owner-changed' | 'conflict';

/** The outcome of one attempt to hand a lead to a rep; anything but `assigned` means look again. */
export type AssignAttempt = 'assigned' | 'already-decided' | 'lead-has-owner' | 'rep-full' | 'conflict';

/** A qualification waiting in its team's inbox: routing found every rep of the team at capacity. */
export interface InboxEntry extends AssignmentKey {
  readonly teamId: string;
  readonly waitingSince: string;
}

/**
 * The outcome of a rep's claim on a waiting qualification: `not-waiting` when it is no longer in the
 * team's inbox (another rep claimed it first), `lead-has-owner` when the lead got an owner otherwise.
 */
export type ClaimAttempt = 'claimed' | 'not-waiting' | 'lead-has-owner' | 'conflict';

/** The team a rep belongs to (a rep is in one team), with the rep. */
export function teamOfRep(config: RoutingConfig, repId: string): { team: RoutingTeam; rep: RoutingRep } | undefined {
  for (const team of config.teams) {
    const rep = team.reps.find((candidate) => candidate.id === repId);
    if (rep) return { team, rep };
  }
  return undefined;
}
