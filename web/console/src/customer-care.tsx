import { useQuery } from '@tanstack/react-query';
import { getCustomerCare } from '../../../functions/manage-customer-care/routes';
import { useApi } from './api';
import { CustomerCareRecord } from './care';
import { useI18n } from './i18n';
import { ErrorNotice } from './notices';
import type { Session } from './session';

/** A customer's care record on its lead page: latest NPS and CSAT, open tickets, churn risk with its breakdown, projected lifetime value. Shown only when the lead has one. */
export function CustomerCare({ leadId, session }: { readonly leadId: string; readonly session: Session }) {
  const api = useApi();
  const { text, formatDate } = useI18n();
  const allowed = getCustomerCare.roles.includes(session.role);
  const record = useQuery({
    queryKey: ['customer-care', leadId],
    queryFn: async () => CustomerCareRecord.parse(await api.call(getCustomerCare, { params: { leadId } })),
    enabled: allowed,
  });
  if (!allowed || record.isPending) return null;
  if (record.isError) return <ErrorNotice error={record.error} onRetry={() => record.refetch()} />;
  const { fields, care, lifetimeValue } = record.data;
  if (Object.keys(care).length === 0) return null;
  const openTickets = (care.tickets ?? []).filter((ticket) => !ticket.resolvedAt);
  const value = (amount: number) => `${amount}${lifetimeValue.currency ? ` ${lifetimeValue.currency}` : ''}`;
  return (
    <section aria-labelledby="care-record-title">
      <h2 id="care-record-title">{text('care.record')}</h2>
      <dl>
        <dt>NPS</dt>
        <dd>{fields.latestNps === undefined ? '–' : `${fields.latestNps}${fields.latestNpsAt ? ` (${formatDate(fields.latestNpsAt)})` : ''}`}</dd>
        <dt>CSAT</dt>
        <dd>{fields.latestCsat === undefined ? '–' : `${fields.latestCsat}${fields.latestCsatAt ? ` (${formatDate(fields.latestCsatAt)})` : ''}`}</dd>
        <dt>{text('care.openTickets')}</dt>
        <dd>{fields.openTickets ?? openTickets.length}</dd>
        <dt>{text('care.lifetimeValue')}</dt>
        <dd>
          {text('care.projection', {
            projected: value(lifetimeValue.projected),
            average: value(lifetimeValue.averagePurchaseValue),
            perYear: lifetimeValue.purchasesPerYear,
            years: lifetimeValue.lifespan.years,
            historical: value(lifetimeValue.historical),
          })}
        </dd>
        {fields.exitReason !== undefined && (
          <>
            <dt>{text('care.exitReason')}</dt>
            <dd>{fields.exitReason}</dd>
          </>
        )}
      </dl>
      {openTickets.length > 0 && (
        <ul aria-label={text('care.openTickets')}>
          {openTickets.map((ticket) => (
            <li key={ticket.ticketId}>
              {ticket.ticketId} {ticket.topic ?? ''} ({ticket.status}, {formatDate(ticket.openedAt)})
            </li>
          ))}
        </ul>
      )}
      {care.risk && (
        <>
          <h3>{text('care.riskOf', { score: care.risk.score, band: care.risk.band })}</h3>
          <table aria-label={text('care.breakdown')}>
            <thead>
              <tr>
                <th scope="col">{text('care.input')}</th>
                <th scope="col">{text('care.value')}</th>
                <th scope="col" className="number">
                  {text('care.points')}
                </th>
                <th scope="col">{text('care.why')}</th>
              </tr>
            </thead>
            <tbody>
              {care.risk.breakdown.map((part) => (
                <tr key={part.input}>
                  <th scope="row">{part.input}</th>
                  <td>{part.value ?? '–'}</td>
                  <td className="number">{part.points}</td>
                  <td>{part.why}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
