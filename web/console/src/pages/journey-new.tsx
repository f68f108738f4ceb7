import { useNavigate } from 'react-router';
import { createJourney } from '../../../../functions/manage-journeys/routes';
import { useApi } from '../api';
import { useI18n } from '../i18n';
import { DraftEditor } from './journey-draft';

/** What a new journey starts as: a name to give, entered by hand, one wait to build on. */
const BLANK = { name: '', entry: { kind: 'manual' }, reentry: { kind: 'once' }, steps: [{ id: 'wait-1', type: 'wait', duration: { days: 1 } }] };
const NO_COUNTS = new Map();

/** A journey built from nothing in the draft editor, checked as it changes, created as a draft; its page then publishes it. */
export default function NewJourneyPage() {
  const api = useApi();
  const navigate = useNavigate();
  const { text } = useI18n();
  return (
    <article aria-labelledby="new-journey-title">
      <h1 id="new-journey-title">{text('journeys.new')}</h1>
      <p className="help">{text('journeys.newHelp')}</p>
      <DraftEditor
        draft={BLANK}
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
