import type { LeadQualifiedDetail } from '../events';
import type { Lead } from '../lead';
import type { ScoredEvent } from '../scoring/engine';
import { escapeHtml } from '../html';
import type { AlertRecipient } from './routing';

export interface AlertEmail {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

const signed = (points: number) => (points > 0 ? `+${points}` : String(points));

function describeEvent(event: ScoredEvent): string {
  const detail = event.properties.url ?? event.properties.title ?? event.properties.contentId ?? event.properties.webinarId ?? event.properties.formId;
  return `${event.occurredAt.slice(0, 16).replace('T', ' ')}  ${event.type}${detail === undefined ? '' : `  ${String(detail)}`}`;
}

/** Who owns the lead, as the alert tells its reader; nothing without routing. */
function ownerLine(recipient: AlertRecipient): string | undefined {
  switch (recipient.kind) {
    case 'owner':
      return `${recipient.rep.name}, ${recipient.team.name}${recipient.kept ? ' (existing owner)' : ' (assigned now)'}`;
    case 'team-inbox':
      return recipient.reason === 'reps-at-capacity'
        ? `unassigned: every rep of ${recipient.team.name} is at capacity; please pick it up`
        : `unassigned: its owner is no longer in ${recipient.team.name}; please pick it up`;
    case 'sales-inbox':
      return undefined;
  }
}

/**
 * The email sales receives when a lead qualifies: who the lead is, why it qualified (the rules that
 * contributed most, with their points and counts) and what it did recently.
 */
export function composeAlertEmail(
  lead: Lead,
  qualified: LeadQualifiedDetail,
  recentActivity: readonly ScoredEvent[],
  recipient: AlertRecipient = { kind: 'sales-inbox' },
): AlertEmail {
  const name = [lead.firstName, lead.lastName].filter(Boolean).join(' ') || lead.email;
  const who = lead.company ? `${name} (${lead.company})` : name;
  const subject = `MQL: ${who} — score ${qualified.score}, grade ${qualified.grade}`;
  const facts: [string, string | number | undefined][] = [
    ['Owner', ownerLine(recipient)],
    ['Email', lead.email],
    ['Phone', lead.phone],
    ['Role', lead.role],
    ['Company', lead.company],
    ['Industry', lead.industry],
    ['Team size', lead.teamSize],
    ['Country', lead.country],
    ['Preferred channel', lead.preferredChannel],
    ['Source', [lead.firstTouch.utmSource, lead.firstTouch.utmMedium, lead.firstTouch.utmCampaign].filter(Boolean).join(' / ') || lead.firstTouch.formId],
    ['Score', `${qualified.score} (fit ${qualified.fit}, engagement ${qualified.engagement}), grade ${qualified.grade}`],
    ['Ruleset', `${qualified.rulesetVersion}, qualification #${qualified.qualification}`],
  ];
  const knownFacts = facts.filter((fact): fact is [string, string | number] => fact[1] !== undefined && fact[1] !== '');
  const reasons = qualified.topContributors.map((rule) => `${signed(rule.points)}  ${rule.description} x${rule.times}`);
  const activity = recentActivity.map(describeEvent);

  const text = [
    `${who} qualified as a marketing-qualified lead at ${qualified.qualifiedAt}.`,
    '',
    ...knownFacts.map(([label, value]) => `${label}: ${value}`),
    '',
    'Why it qualified:',
    ...reasons.map((reason) => `  ${reason}`),
    '',
    'Recent activity:',
    ...(activity.length ? activity.map((line) => `  ${line}`) : ['  (none recorded)']),
    '',
    `Lead id: ${lead.id}`,
  ].join('\n');

  const html = [
    '<div style="font-family:sans-serif">',
    `<h1 style="font-size:18px">${escapeHtml(who)} qualified</h1>`,
    '<table>',
    ...knownFacts.map(([label, value]) => `<tr><th align="left">${escapeHtml(label)}</th><td>${escapeHtml(String(value))}</td></tr>`),
    '</table>',
    '<h2 style="font-size:16px">Why it qualified</h2><ul>',
    ...reasons.map((reason) => `<li>${escapeHtml(reason)}</li>`),
    '</ul><h2 style="font-size:16px">Recent activity</h2><ul>',
    ...(activity.length ? activity.map((line) => `<li>${escapeHtml(line)}</li>`) : ['<li>(none recorded)</li>']),
    `</ul><p style="color:#666">Lead id: ${escapeHtml(lead.id)}</p>`,
    '</div>',
  ].join('\n');

  return { subject, text, html };
}

/** Claiming a qualification's alert before its email: `claimed` (with the claim's token) for the one sender that may send it. */
export type AlertClaim =
  | { readonly outcome: 'claimed'; readonly token: string }
  | { readonly outcome: 'already-sent' }
  | { readonly outcome: 'in-progress' };
