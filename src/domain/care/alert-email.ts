import { escapeHtml } from '../html';
import type { Lead } from '../lead';
import type { ChurnRisk } from './churn-risk';
import { customerView } from './customer';

/** The email telling an owner or the customer-success inbox that a customer trigger fired, with the reasons. */
export function composeCustomerAlertEmail(lead: Pick<Lead, 'id' | 'email' | 'firstName' | 'lastName' | 'company' | 'care'>, triggerId: string, reasons: readonly string[], risk: ChurnRisk, now: string) {
  const name = [lead.firstName, lead.lastName].filter(Boolean).join(' ') || lead.email;
  const who = lead.company ? `${name} (${lead.company})` : name;
  const view = customerView(lead.care, now);
  const facts = [
    `Churn risk: ${risk.score} (${risk.band}, formula v${risk.formulaVersion})`,
    ...risk.breakdown.filter((entry) => entry.points !== 0).map((entry) => `  ${entry.points > 0 ? '+' : ''}${entry.points}  ${entry.why}`),
    `Latest NPS: ${view.latestNps ?? 'none'}; latest CSAT: ${view.latestCsat ?? 'none'}`,
    `Open tickets: ${view.openTickets}; tickets in 30 days: ${view.ticketsLast30Days}; last ticket: ${view.lastTicketAt ?? 'none'}`,
    `Lead id: ${lead.id}; email: ${lead.email}`,
  ];
  const subject = `Customer at risk: ${who.replace(/[\r\n]+/g, ' ')} (${triggerId})`;
  const text = ['Why:', ...reasons.map((reason) => `- ${reason}`), '', ...facts].join('\n');
  const html = `<p><strong>Why:</strong></p><ul>${reasons.map((reason) => `<li>${escapeHtml(reason)}</li>`).join('')}</ul><pre>${escapeHtml(facts.join('\n'))}</pre>`;
  return { subject, text, html };
}
