import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useParams } from 'react-router';
import { archiveJourney, getJourney, getJourneyReport, pauseJourney, publishJourney, resumeJourney, saveJourneyDraft } from '../../../../functions/manage-journeys/routes';
import { JOURNEY_CONTROLS, JourneyDefinition, type JourneyStatus } from '../../../../src/domain/journeys/definition';
import { queriesNamed, refetchAfterChange } from '../after-change';
import { useApi } from '../api';
import { useI18n } from '../i18n';
import { ErrorNotice, Loading } from '../notices';
import { StepDiagram } from './journey-diagram';
import { DraftEditor } from './journey-draft';

/** One journey: its counts, its draft's editor (or, archived, the diagram of its steps) with counts per step and split arm, and the controls its status allows. */
export default function JourneyPage() {
  const { journeyId = '' } = useParams();
  const api = useApi();
  const queryClient = useQueryClient();
  const { text } = useI18n();
  const params = { params: { journeyId } };
  const journey = useQuery({ queryKey: ['journey', journeyId], queryFn: () => api.call(getJourney, params) });
  const report = useQuery({ queryKey: ['journey-report', journeyId], queryFn: () => api.call(getJourneyReport, params) });
  const action = useMutation({
    mutationFn: async (run: () => Promise<unknown>) => run(),
    onSuccess: () => refetchAfterChange(queryClient, queriesNamed('journey', 'journey-report', 'journeys')),
  });

  if (journey.isPending) return <Loading />;
  if (journey.isError) return <ErrorNotice error={journey.error} onRetry={() => journey.refetch()} />;
  const shown = journey.data;
  const definition = JourneyDefinition.safeParse(shown.draft);
  const counts = new Map((report.data?.steps ?? []).map((step) => [step.stepId, step]));
  const may = (control: keyof typeof JOURNEY_CONTROLS) => (JOURNEY_CONTROLS[control].from as readonly JourneyStatus[]).includes(shown.status);
  const figures = report.data;
  return (
    <article aria-labelledby="journey-title">
      <h1 id="journey-title">
        {shown.name} <span className={`status status-${shown.status}`}>{text(`journeys.status.${shown.status}`)}</span>
      </h1>
      {shown.publishedVersion !== undefined && <p>{text('journeys.publishedVersion', { version: shown.publishedVersion })}</p>}
      <div className="actions">
        {shown.status !== 'archived' && (
          <button type="button" className="primary" disabled={action.isPending} onClick={() => action.mutate(() => api.call(publishJourney, params))}>
            {text('journeys.publish')}
          </button>
        )}
        {may('pause') && (
          <button type="button" disabled={action.isPending} onClick={() => action.mutate(() => api.call(pauseJourney, params))}>
            {text('journeys.pause')}
          </button>
        )}
        {may('resume') && (
          <button type="button" disabled={action.isPending} onClick={() => action.mutate(() => api.call(resumeJourney, params))}>
            {text('journeys.resume')}
          </button>
        )}
        {may('archive') && (
          <button type="button" className="danger" disabled={action.isPending} onClick={() => window.confirm(text('journeys.archiveConfirm', { name: shown.name })) && action.mutate(() => api.call(archiveJourney, params))}>
            {text('journeys.archive')}
          </button>
        )}
      </div>
      {action.isError && <ErrorNotice error={action.error} />}

      {report.isError && <ErrorNotice error={report.error} onRetry={() => report.refetch()} />}
      {figures && (
        <p role="status">
          {text('journeys.totals', { entered: figures.entered, waiting: figures.waiting, completed: figures.completed, exited: figures.exited, goal: figures.goalReached })}
        </p>
      )}

      {/* The editor draws the draft it edits; an archived journey's is drawn with its counts below. */}
      {shown.status !== 'archived' && <DraftEditor draft={shown.draft} counts={counts} save={(definition) => api.call(saveJourneyDraft, { params: { journeyId }, body: definition })} saveLabel={text('journeys.saveDraft')} />}

      <section aria-labelledby="journey-steps-title">
        <h2 id="journey-steps-title">{text('journeys.steps')}</h2>
        {definition.success ? (
          <>
            {shown.status === 'archived' && (
              <div className="diagram-scroll">
                <StepDiagram definition={definition.data} counts={counts} text={text} />
              </div>
            )}
            <table aria-label={text('journeys.stepCounts')}>
              <thead>
                <tr>
                  <th scope="col">{text('journeys.step')}</th>
                  <th scope="col">{text('journeys.enteredColumn')}</th>
                  <th scope="col">{text('journeys.emailsColumn')}</th>
                  <th scope="col">{text('journeys.arms')}</th>
                </tr>
              </thead>
              <tbody>
                {definition.data.steps.map((step) => {
                  const one = counts.get(step.id);
                  return (
                    <tr key={step.id}>
                      <th scope="row">
                        {step.id} ({step.type})
                      </th>
                      <td>{one?.entered ?? 0}</td>
                      <td>{one?.emails ? text('journeys.emails', { sent: one.emails.sent, skipped: one.emails.skipped }) : ''}</td>
                      <td>
                        {step.type === 'split'
                          ? step.arms.map((arm) => `${arm.name} (${arm.percent}%): ${one?.arms?.[arm.name] ?? 0}`).join(', ')
                          : ''}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </>
        ) : (
          <p>{text('journeys.unreadable')}</p>
        )}
      </section>
    </article>
  );
}
