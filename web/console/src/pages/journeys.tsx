import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { listJourneys } from '../../../../functions/manage-journeys/routes';
import { useApi } from '../api';
import { useI18n } from '../i18n';
import { ErrorNotice, Loading } from '../notices';

/** The journeys, newest first, with their status and the version new leads enter. */
export default function JourneysPage() {
  const api = useApi();
  const { text, formatDate } = useI18n();
  const journeys = useQuery({ queryKey: ['journeys'], queryFn: () => api.call(listJourneys, { query: { limit: '100' } }) });
  return (
    <section aria-labelledby="journeys-title">
      <h1 id="journeys-title">{text('nav.journeys')}</h1>
      {journeys.isPending ? (
        <Loading />
      ) : journeys.isError ? (
        <ErrorNotice error={journeys.error} onRetry={() => journeys.refetch()} />
      ) : journeys.data.items.length === 0 ? (
        <p>{text('journeys.none')}</p>
      ) : (
        <div className="table-scroll">
          <table aria-label={text('journeys.list')}>
            <thead>
              <tr>
                <th scope="col">{text('journeys.name')}</th>
                <th scope="col">{text('scoring.status')}</th>
                <th scope="col">{text('journeys.version')}</th>
                <th scope="col">{text('journeys.updated')}</th>
              </tr>
            </thead>
            <tbody>
              {journeys.data.items.map((journey) => (
                <tr key={journey.id}>
                  <td>
                    <Link to={`/journeys/${journey.id}`}>{journey.name}</Link>
                  </td>
                  <td>
                    <span className={`status status-${journey.status}`}>{text(`journeys.status.${journey.status}`)}</span>
                  </td>
                  <td>{journey.publishedVersion ?? '–'}</td>
                  <td>{formatDate(journey.updatedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
