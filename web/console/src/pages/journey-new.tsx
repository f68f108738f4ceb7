import { useState } from 'react';
import { useNavigate } from 'react-router';
import { createJourney } from '../../../../functions/manage-journeys/routes';
import { useApi } from '../api';
import { useI18n } from '../i18n';
import { ErrorNotice } from '../notices';
import { DraftEditor } from './journey-draft';

/** What a new journey starts as without a starter: a name to give, entered by hand, one wait to build on. */
const BLANK = { name: '', entry: { kind: 'manual' }, reentry: { kind: 'once' }, steps: [{ id: 'wait-1', type: 'wait', duration: { days: 1 } }] };
const NO_COUNTS = new Map();
/** The starter journeys of the repository (journeys/*.yaml), each fetched and read only when chosen. */
const STARTERS = import.meta.glob<string>('../../../../journeys/*.yaml', { query: '?raw', import: 'default' });
const starterName = (path: string) => path.replace(/^.*\/|\.yaml$/g, '');

/** A journey built in the draft editor, from nothing or a starter, checked as it changes, created as a draft; its page then publishes it. */
export default function NewJourneyPage() {
  const api = useApi();
  const navigate = useNavigate();
  const { text } = useI18n();
  const [start, setStart] = useState<{ readonly name: string; readonly draft: Readonly<Record<string, unknown>> }>({ name: '', draft: BLANK });
  const [loadError, setLoadError] = useState<unknown>();
  const choose = async (path: string) => {
    setLoadError(undefined);
    const load = STARTERS[path];
    if (!load) return setStart({ name: '', draft: BLANK });
    try {
      // The YAML reader is fetched with the first starter chosen, never on the console's first load.
      const [source, { parse }] = await Promise.all([load(), import('yaml')]);
      setStart({ name: path, draft: parse(source) as Record<string, unknown> });
    } catch (error) {
      setLoadError(error);
    }
  };
  return (
    <article aria-labelledby="new-journey-title">
      <h1 id="new-journey-title">{text('journeys.new')}</h1>
      <p className="help">{text('journeys.newHelp')}</p>
      <div className="field">
        <label htmlFor="journey-starter">{text('journeys.startFrom')}</label>
        <select id="journey-starter" value={start.name} onChange={(event) => void choose(event.target.value)}>
          <option value="">{text('journeys.blank')}</option>
          {Object.keys(STARTERS).map((path) => (
            <option key={path} value={path}>
              {starterName(path)}
            </option>
          ))}
        </select>
      </div>
      {loadError !== undefined && <ErrorNotice error={loadError} />}
      <DraftEditor
        key={start.name}
        draft={start.draft}
        counts={NO_COUNTS}
        saveLabel={text('journeys.create')}
        save={async (definition) => {
          const created = await api.call(createJourney, { body: definition });
          navigate(`/journeys/${created.id}`);
        }}
      />
    </article>
  );
}
