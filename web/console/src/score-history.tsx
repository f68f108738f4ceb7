import { useQuery } from '@tanstack/react-query';
import { getLeadScoreHistory } from '../../../functions/get-lead/routes';
import { useApi } from './api';
import { COLOURS, LineChart } from './charts';
import { useI18n } from './i18n';
import { ErrorNotice, Loading } from './notices';

/**
 * The lead's fit and engagement over time, as the API replays them from its events (nothing is
 * stored per event for this): a point after each event and one for now, labelled with the ruleset.
 */
export function ScoreHistory({ leadId }: { readonly leadId: string }) {
  const api = useApi();
  const { text, formatDate } = useI18n();
  const history = useQuery({ queryKey: ['lead', leadId, 'score-history'], queryFn: () => api.call(getLeadScoreHistory, { params: { leadId } }) });
  if (history.isPending) return <Loading />;
  if (history.isError) return <ErrorNotice error={history.error} onRetry={() => history.refetch()} />;
  const { points, rulesetVersion } = history.data;
  if (!points.length || !rulesetVersion) return <p>{text('lead.historyNone')}</p>;
  return (
    <>
      <LineChart
        title={text('lead.history')}
        labels={points.map((point) => formatDate(point.at))}
        series={[
          { label: text('leads.fit'), values: points.map((point) => point.fit), colour: COLOURS.fit },
          { label: text('leads.engagement'), values: points.map((point) => point.engagement), colour: COLOURS.engagement },
        ]}
      />
      <p className="help">{text('lead.historyHelp', { version: rulesetVersion })}</p>
    </>
  );
}
