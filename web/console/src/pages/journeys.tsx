import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { listJourneys } from '../../../../functions/manage-journeys/routes';
import { useApi } from '../api';
import { useI18n } from '../i18n';
import { QueryTable } from '../frames';

/** The journeys, newest first, with their status and the version new leads enter. */
export default function JourneysPage() {
  const api = useApi();
  const { text, formatDate } = useI18n();
  const journeys = useQuery({ queryKey: ['journeys'], queryFn: () => api.call(listJourneys, { query: { limit: '100' } }) });
  return (
    <section aria-labelledby="journeys-title">
      <h1 id="journeys-title">{text('nav.journeys')}</h1>
      <p>
        <Link to="/journeys/new" className="button primary">
          {text('journeys.new')}
        </Link>
      </p>
      <QueryTable
        query={journeys}
        label={text('journeys.list')}
        empty={text('journeys.none')}
        columns={[{ label: text('journeys.name') }, { label: text('scoring.status') }, { label: text('journeys.version') }, { label: text('journeys.updated') }]}
        items={(page) => page.items}
        row={(journey) => (
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
        )}
      />
    </section>
  );
}
