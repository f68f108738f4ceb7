import { useQueries, useQuery } from '@tanstack/react-query';
import { getHandoffReport } from '../../../../functions/handoff-reports/routes';
import { getCampaignReport, listCampaigns } from '../../../../functions/manage-campaigns/routes';
import { LIFECYCLE_STAGES } from '../../../../src/domain/handoff/lifecycle';
import { useApi } from '../api';
import { Link } from 'react-router';
import { BarChart, COLOURS } from '../charts';
import { useI18n } from '../i18n';
import { ErrorNotice, Loading } from '../notices';
import { canUse } from '../pages';
import type { Session } from '../session';

/**
 * The handoff report of the last six months: funnel by month, conversion, cohorts by week created,
 * time to MQL, MQL acceptance, won and lost reasons; and, for those who may use campaigns, how the
 * latest campaigns performed.
 */
export default function ReportsPage({ session }: { readonly session: Session }) {
  const api = useApi();
  const { text, label } = useI18n();
  const report = useQuery({ queryKey: ['handoff-report'], queryFn: () => api.call(getHandoffReport, { query: {} }) });
  if (report.isPending) return <Loading />;
  if (report.isError) return <ErrorNotice error={report.error} onRetry={() => report.refetch()} />;
  const data = report.data;
  const months = data.funnel.map((row) => row.month);
  const funnelStages = LIFECYCLE_STAGES.filter((stage) => data.funnel.some((row) => typeof (row as Record<string, unknown>)[stage] === 'number'));
  const palette = ['#1f5fa8', '#b34700', '#1d6b35', '#6b3fa0', '#8a6d00', '#a11d1d', '#4a5360', '#00707a'];
  const days = (value: number | null) => (value === null ? '–' : String(value));
  const withRate = (count: number, percent: number | null) => (percent === null ? String(count) : `${count} (${percent}%)`);
  return (
    <section aria-labelledby="reports-title">
      <h1 id="reports-title">{text('reports.title', { from: data.months.from, to: data.months.to })}</h1>
      <ul className="figures">
        <li>{text('reports.timeToMql', { leads: data.timeToMql.leads, median: days(data.timeToMql.medianDays), p90: days(data.timeToMql.p90Days) })}</li>
        <li>{text('reports.acceptance', { accepted: data.mqlAcceptance.accepted, rejected: data.mqlAcceptance.rejected, rate: data.mqlAcceptance.ratePercent ?? '–' })}</li>
      </ul>
      <div className="charts">
        <BarChart
          title={text('reports.funnel')}
          labels={months}
          series={funnelStages.map((stage, index) => ({
            label: label('stage', stage),
            values: data.funnel.map((row) => Number((row as Record<string, unknown>)[stage] ?? 0)),
            colour: palette[index % palette.length] ?? COLOURS.fit,
          }))}
        />
        <BarChart
          title={text('reports.conversion')}
          horizontal
          labels={data.conversion.map((step) => `${label('stage', step.from)} → ${label('stage', step.to)}`)}
          series={[{ label: '%', values: data.conversion.map((step) => step.ratePercent ?? 0), colour: COLOURS.fit }]}
        />
      </div>
      <section aria-labelledby="cohorts-title">
        <h2 id="cohorts-title">{text('reports.cohorts')}</h2>
        <p className="help">{text('reports.cohortsHelp')}</p>
        <div className="charts">
          <BarChart
            title={text('reports.cohortsChart')}
            labels={data.cohorts.map((cohort) => cohort.week)}
            series={(['mqlPercent', 'sqlPercent', 'wonPercent'] as const).map((milestone, index) => ({
              label: text(`reports.${milestone}`),
              values: data.cohorts.map((cohort) => cohort[milestone] ?? 0),
              colour: palette[index] ?? COLOURS.fit,
            }))}
          />
        </div>
        <div className="table-scroll">
          <table aria-label={text('reports.cohorts')}>
            <thead>
              <tr>
                <th scope="col">{text('reports.week')}</th>
                <th scope="col" className="number">
                  {text('reports.created')}
                </th>
                <th scope="col" className="number">
                  MQL
                </th>
                <th scope="col" className="number">
                  SQL
                </th>
                <th scope="col" className="number">
                  {text('reports.wonColumn')}
                </th>
                <th scope="col" className="number">
                  {text('reports.medianDaysToMql')}
                </th>
              </tr>
            </thead>
            <tbody>
              {data.cohorts.map((cohort) => (
                <tr key={cohort.week}>
                  <th scope="row">{cohort.week}</th>
                  <td className="number">{cohort.created}</td>
                  <td className="number">{withRate(cohort.mql, cohort.mqlPercent)}</td>
                  <td className="number">{withRate(cohort.sql, cohort.sqlPercent)}</td>
                  <td className="number">{withRate(cohort.won, cohort.wonPercent)}</td>
                  <td className="number">{days(cohort.medianDaysToMql)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      <div className="columns">
        {(['won', 'lost'] as const).map((outcome) => (
          <section key={outcome} aria-labelledby={`${outcome}-title`}>
            <h2 id={`${outcome}-title`}>{text(`reports.${outcome}`)}</h2>
            {data[outcome].length ? (
              <table>
                <thead>
                  <tr>
                    <th scope="col">{text('reports.reason')}</th>
                    <th scope="col" className="number">
                      {text('reports.count')}
                    </th>
                    <th scope="col">{text('reports.amounts')}</th>
                  </tr>
                </thead>
                <tbody>
                  {data[outcome].map((line) => (
                    <tr key={line.reason}>
                      <td>{line.reason}</td>
                      <td className="number">{line.count}</td>
                      <td>
                        {Object.entries(line.amounts)
                          .map(([currency, amount]) => `${amount} ${currency}`)
                          .join(', ')}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <p>{text('lead.none')}</p>
            )}
          </section>
        ))}
      </div>
      {canUse(session.role, 'campaigns') && <CampaignPerformance />}
    </section>
  );
}

/** Campaigns reported on: the latest this many that have begun sending, each with its own report. */
const CAMPAIGNS_COMPARED = 10;
const HAVE_SENT = new Set(['sending', 'paused', 'cancelled', 'sent']);

/** The latest campaigns that sent side by side: recipients sent to and each rate, charted and in a table. */
function CampaignPerformance() {
  const api = useApi();
  const { text, label } = useI18n();
  const campaigns = useQuery({ queryKey: ['campaigns'], queryFn: () => api.call(listCampaigns, { query: { limit: '50' } }) });
  const compared = (campaigns.data?.items ?? []).filter((campaign) => HAVE_SENT.has(campaign.status)).slice(0, CAMPAIGNS_COMPARED);
  const reports = useQueries({
    queries: compared.map((campaign) => ({
      queryKey: ['campaign-report', campaign.id, campaign.status],
      queryFn: () => api.call(getCampaignReport, { params: { campaignId: campaign.id } }),
    })),
  });
  const failed = reports.find((report) => report.isError);
  const shown = reports.flatMap((report) => (report.data ? [report.data] : []));
  return (
    <section aria-labelledby="campaign-performance-title">
      <h2 id="campaign-performance-title">{text('reports.campaigns')}</h2>
      {campaigns.isError ? (
        <ErrorNotice error={campaigns.error} onRetry={() => campaigns.refetch()} />
      ) : failed?.error ? (
        <ErrorNotice error={failed.error} onRetry={() => failed.refetch()} />
      ) : campaigns.isPending || shown.length < compared.length ? (
        <Loading />
      ) : shown.length === 0 ? (
        <p>{text('reports.noCampaigns')}</p>
      ) : (
        <>
          <BarChart
            title={text('reports.campaignRates')}
            labels={shown.map((report) => report.name)}
            series={[
              { label: text('reports.openRate'), values: shown.map((report) => report.openRate), colour: COLOURS.fit },
              { label: text('reports.clickRate'), values: shown.map((report) => report.clickRate), colour: COLOURS.engagement },
            ]}
          />
          <div className="table-scroll">
            <table aria-label={text('reports.campaigns')}>
              <thead>
                <tr>
                  <th scope="col">{text('campaigns.name')}</th>
                  <th scope="col">{text('scoring.status')}</th>
                  {(['sent', 'delivered', 'opened', 'clicked', 'bounced', 'unsubscribed'] as const).map((outcome) => (
                    <th key={outcome} scope="col" className="number">
                      {text(`outcome.${outcome}`)}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {shown.map((report) => (
                  <tr key={report.campaignId}>
                    <th scope="row">
                      <Link to={`/campaigns/${report.campaignId}`}>{report.name}</Link>
                    </th>
                    <td>{label('campaignStatus', report.status)}</td>
                    <td className="number">{report.sent}</td>
                    <td className="number">{`${report.delivered} (${report.deliveryRate}%)`}</td>
                    <td className="number">{`${report.opened} (${report.openRate}%)`}</td>
                    <td className="number">{`${report.clicked} (${report.clickRate}%)`}</td>
                    <td className="number">{`${report.bounced} (${report.bounceRate}%)`}</td>
                    <td className="number">{`${report.unsubscribed} (${report.unsubscribeRate}%)`}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
