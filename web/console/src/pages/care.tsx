import { useQuery } from '@tanstack/react-query';
import { getCareReport } from '../../../../functions/manage-customer-care/routes';
import { useApi } from '../api';
import { CareReport } from '../care';
import { BarChart, COLOURS, LineChart } from '../charts';
import { useI18n } from '../i18n';
import { ErrorNotice, Loading } from '../notices';

const SATISFACTION = { promoters: '#1d6b35', passives: '#8a6d00', detractors: '#a11d1d' } as const;

/** The after-sale report of the last six months: NPS over time with its mix, CSAT, tickets by topic, churn by exit reason, risk bands. */
export default function CarePage() {
  const api = useApi();
  const { text } = useI18n();
  const report = useQuery({ queryKey: ['care-report'], queryFn: async () => CareReport.parse(await api.call(getCareReport, { query: {} })) });
  if (report.isPending) return <Loading />;
  if (report.isError) return <ErrorNotice error={report.error} onRetry={() => report.refetch()} />;
  const data = report.data;
  // A month without answers has no score: a gap, not a score of 0.
  const score = (value: number | undefined) => value ?? null;
  const risk = data.riskDistribution;
  return (
    <section aria-labelledby="care-title">
      <h1 id="care-title">{text('care.title', { from: data.months[0] ?? '', to: data.months.at(-1) ?? '' })}</h1>
      {risk && (
        <p>
          {text('care.risk', { low: risk.low, medium: risk.medium, high: risk.high, unscored: risk.unscored })}
          {risk.partial ? ` ${text('care.riskPartial')}` : ''}
        </p>
      )}
      <div className="charts">
        <LineChart title={text('care.npsScore')} labels={data.months} series={[{ label: 'NPS', values: data.nps.map((month) => score(month.score)), colour: COLOURS.fit }]} />
        <BarChart
          title={text('care.npsMix')}
          labels={data.months}
          series={(['promoters', 'passives', 'detractors'] as const).map((category) => ({ label: text(`care.${category}`), values: data.nps.map((month) => month[category]), colour: SATISFACTION[category] }))}
        />
        <LineChart title={text('care.csat')} labels={data.months} series={[{ label: 'CSAT %', values: data.csat.map((month) => score(month.score)), colour: COLOURS.engagement }]} />
        <BarChart
          title={text('care.ticketsByTopic')}
          horizontal
          labels={data.ticketsByTopic.map((topic) => topic.topic)}
          series={[
            { label: text('care.opened'), values: data.ticketsByTopic.map((topic) => topic.opened), colour: COLOURS.fit },
            { label: text('care.stillOpen'), values: data.ticketsByTopic.map((topic) => topic.open), colour: COLOURS.engagement },
          ]}
        />
        <BarChart
          title={text('care.churnByReason')}
          horizontal
          labels={data.churnByExitReason.map((reason) => reason.reason)}
          series={[{ label: text('care.customers'), values: data.churnByExitReason.map((reason) => reason.count), colour: COLOURS.fit }]}
        />
        {risk && (
          <BarChart
            title={text('care.riskBands')}
            labels={[text('care.band.low'), text('care.band.medium'), text('care.band.high'), text('care.unscored')]}
            series={[{ label: text('care.customers'), values: [risk.low, risk.medium, risk.high, risk.unscored], colour: COLOURS.fit }]}
          />
        )}
      </div>
    </section>
  );
}
