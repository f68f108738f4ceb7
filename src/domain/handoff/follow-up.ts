import { utcScheduleTime } from '../events';
import { escapeHtml } from '../html';
import { followUpRound, type Lead, type LeadOwner } from '../lead';
import type { AlertEmail } from './alert-email';
import { repsInTurn, type AssignmentKey, type FollowUpTiming, type RoutingRep, type RoutingTeam } from './routing';

/**
 * The follow-up of an assigned MQL: a reminder to its rep, then reassignment to the team's next rep,
 * unless the rep accepts (or rejects) first. The timers are EventBridge Scheduler one-time schedules.
 */

export type FollowUpKind = 'remind' | 'reassign';
export const FOLLOW_UP_KINDS: readonly FollowUpKind[] = ['remind', 'reassign'];

/**
 * A schedule's name, from the lead, its qualification and the owner's follow-up round: known again
 * to whoever deletes it (from the lead's qualification count and owner), and at most 64 characters
 * of `[0-9A-Za-z_.-]` for a lead id (a UUID, 36).
 */
export const followUpScheduleName = (kind: FollowUpKind, leadId: string, qualification: number, round: number) => `followup-${kind}-${leadId}-${qualification}-${round}`;

/**
 * The names of the follow-up timers a lead may have pending: its latest qualification's, in its
 * owner's current round (earlier rounds' have fired). None without an owner or a qualification.
 */
export function pendingFollowUpTimers(lead: Pick<Lead, 'id' | 'score' | 'owner'>): string[] {
  const qualification = lead.score?.qualifications ?? 0;
  if (qualification < 1 || !lead.owner) return [];
  const round = followUpRound(lead.owner);
  return FOLLOW_UP_KINDS.map((kind) => followUpScheduleName(kind, lead.id, qualification, round));
}

/**
 * When each timer fires, as `at()` wants it: UTC wall-clock to the second. Rounded up, so a
 * fraction of a second never makes a timer fire before its time.
 */
export function followUpFireTimes(assignedAt: string, timing: FollowUpTiming): Record<FollowUpKind, string> {
  const start = new Date(assignedAt).getTime();
  const at = (minutes: number) => utcScheduleTime(new Date(Math.ceil((start + minutes * 60_000) / 1000) * 1000));
  return { remind: at(timing.remindAfterMinutes), reassign: at(timing.reassignAfterMinutes) };
}

/** How long a lead has waited, as a rep reads it: "45 seconds", "12 minutes", "3 hours 5 minutes", "2 days 4 hours". */
export function waitedFor(since: string, now: string): string {
  const seconds = Math.max(0, Math.round((new Date(now).getTime() - new Date(since).getTime()) / 1000));
  const plural = (count: number, unit: string) => `${count} ${unit}${count === 1 ? '' : 's'}`;
  if (seconds < 60) return plural(seconds, 'second');
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return plural(minutes, 'minute');
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return [plural(hours, 'hour'), ...(minutes % 60 ? [plural(minutes % 60, 'minute')] : [])].join(' ');
  const days = Math.floor(hours / 24);
  return [plural(days, 'day'), ...(hours % 24 ? [plural(hours % 24, 'hour')] : [])].join(' ');
}

/**
 * The rep a lead goes to when its rep did not accept: the team's next under capacity, never the
 * current rep nor one who already let this qualification wait.
 */
export function nextRepFor(team: RoutingTeam, turn: number, openCounts: Readonly<Record<string, number>>, passedOver: readonly string[]): RoutingRep | undefined {
  return repsInTurn(team, turn, openCounts).find((rep) => !passedOver.includes(rep.id));
}

function summary(lead: Lead): { who: string; facts: [string, string][] } {
  const name = [lead.firstName, lead.lastName].filter(Boolean).join(' ') || lead.email;
  const who = lead.company ? `${name} (${lead.company})` : name;
  const facts: [string, string | number | undefined][] = [
    ['Email', lead.email],
    ['Phone', lead.phone],
    ['Role', lead.role],
    ['Company', lead.company],
    ['Country', lead.country],
    ['Score', lead.score ? `${lead.score.total}, grade ${lead.score.grade}` : undefined],
  ];
  return { who, facts: facts.filter((fact): fact is [string, string | number] => fact[1] !== undefined && fact[1] !== '').map(([label, value]) => [label, String(value)]) };
}

function compose(subject: string, heading: string, lines: readonly string[], lead: Lead): AlertEmail {
  const { facts } = summary(lead);
  const text = [...lines, '', ...facts.map(([label, value]) => `${label}: ${value}`), '', `Lead id: ${lead.id}`].join('\n');
  const html = [
    '<div style="font-family:sans-serif">',
    `<h1 style="font-size:18px">${escapeHtml(heading)}</h1>`,
    ...lines.map((line) => `<p>${escapeHtml(line)}</p>`),
    '<table>',
    ...facts.map(([label, value]) => `<tr><th align="left">${escapeHtml(label)}</th><td>${escapeHtml(value)}</td></tr>`),
    `</table><p style="color:#666">Lead id: ${escapeHtml(lead.id)}</p>`,
    '</div>',
  ].join('');
  return { subject, text, html };
}

/** The reminder to a rep who has not accepted or rejected an MQL yet; `reassignIn` absent when the routing no longer reassigns. */
export function composeReminderEmail(lead: Lead, rep: RoutingRep, waited: string, reassignIn: string | undefined): AlertEmail {
  const { who } = summary(lead);
  return compose(`Reminder: MQL ${who} waiting ${waited}`, `${who} is waiting for you`, [
    `${rep.name}, this marketing-qualified lead was assigned to you ${waited} ago and is not accepted or rejected yet.`,
    ...(reassignIn ? [`Without an answer it goes to the next rep of your team in ${reassignIn}.`] : []),
  ], lead);
}

/** The alert to the rep who takes over a lead the previous rep did not answer. */
export function composeReassignedEmail(lead: Lead, rep: RoutingRep, team: RoutingTeam, waited: string): AlertEmail {
  const { who } = summary(lead);
  return compose(`MQL reassigned to you: ${who}`, `${who} is now yours`, [
    `${rep.name}, this marketing-qualified lead of ${team.name} waited ${waited} for its previous rep without an answer; it is now assigned to you.`,
    'Please accept or reject it.',
  ], lead);
}

/** The note to a team's inbox when a lead's rep did not answer and no other rep has room. */
export function composeUnreassignedEmail(lead: Lead, team: RoutingTeam, rep: RoutingRep | undefined, waited: string): AlertEmail {
  const { who } = summary(lead);
  return compose(`MQL not picked up: ${who}`, `${who} needs an owner`, [
    `This marketing-qualified lead waited ${waited} for ${rep ? rep.name : 'its rep'} without an answer, and no other rep of ${team.name} has room for it.`,
    'It stays with its rep until someone picks it up; please pick it up.',
  ], lead);
}

/**
 * One follow-up step of one qualification's round, recorded once: `claimed` while its email is being
 * sent, `done` after (`interrupted` when a reassignment's alert failed, so its retry finishes it at
 * once). A reassignment records who the lead went from and to (its audit record; the stage stays
 * `mql`, so it is no stage transition).
 */
export type FollowUpStep =
  | { readonly status: 'claimed' | 'done'; readonly outcome: 'reminded' | 'team-inbox'; readonly repId: string; readonly at: string }
  | { readonly status: 'claimed' | 'interrupted' | 'done'; readonly outcome: 'reassigned'; readonly repId: string; readonly at: string; readonly owner: LeadOwner; readonly waitedSince: string };

/** One follow-up round of one qualification: the timers set for one owner. */
export interface FollowUpKey extends AssignmentKey {
  readonly round: number;
}

/** The outcome of one attempt to move a lead to another rep; anything but `reassigned` means look again. */
export type ReassignAttempt = 'reassigned' | 'already-done' | 'lead-changed' | 'rep-full' | 'conflict';
