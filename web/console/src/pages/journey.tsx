import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useParams } from 'react-router';
import type * as z from 'zod';
import { archiveJourney, getJourney, getJourneyReport, pauseJourney, publishJourney, resumeJourney, saveJourneyDraft, validateJourneyDefinition } from '../../../../functions/manage-journeys/routes';
import { ApiError } from '../../../../src/api/client';
import { JOURNEY_CONTROLS, JourneyDefinition, type JourneyStatus } from '../../../../src/domain/journeys/definition';
import { successors } from '../../../../src/domain/journeys/validate';
import { useApi } from '../api';
import { useI18n, type Text } from '../i18n';
import { ErrorNotice, Loading } from '../notices';

interface StepCounts {
  readonly entered: number;
  readonly emails?: { readonly sent: number; readonly skipped: number };
  readonly arms?: Readonly<Record<string, number>>;
}

const BOX = { x: 16, width: 300, height: 58, gap: 34 } as const;
const rowTop = (index: number) => 8 + index * (BOX.height + BOX.gap);

/** The steps as boxes top to bottom and every way on as an arrow: down to the next box, or round the side to any other. */
function StepDiagram({ definition, counts, text }: { readonly definition: JourneyDefinition; readonly counts: ReadonlyMap<string, StepCounts>; readonly text: Text }) {
  const indexOf = new Map(definition.steps.map((step, index) => [step.id, index]));
  const edges = definition.steps.flatMap((step, from) =>
    successors(definition, from).flatMap(({ field, stepId }) => {
      const to = indexOf.get(stepId);
      return to === undefined ? [] : [{ from, to, label: field.length > 1 && step.type === 'split' ? (step.arms[Number(field[1])]?.name ?? '') : String(field[0]) }];
    }),
  );
  const sideEdges = edges.filter((edge) => edge.to !== edge.from + 1);
  const right = BOX.x + BOX.width;
  const width = right + 40 + sideEdges.length * 16 + 60;
  const height = rowTop(definition.steps.length) + 8;
  return (
    <svg className="journey-diagram" role="img" aria-labelledby="journey-diagram-title" width={width} height={height} viewBox={`0 0 ${width} ${height}`}>
      <title id="journey-diagram-title">{text('journeys.diagram')}</title>
      <defs>
        <marker id="journey-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
          <path d="M0,0 L10,5 L0,10 z" fill="currentColor" />
        </marker>
      </defs>
      {definition.steps.map((step, index) => {
        const shown = counts.get(step.id);
        const top = rowTop(index);
        return (
          <g key={step.id}>
            <rect x={BOX.x} y={top} width={BOX.width} height={BOX.height} rx={6} className={`journey-step journey-step-${step.type}`} />
            <text x={BOX.x + 10} y={top + 22} className="journey-step-name">
              {step.id} ({step.type})
            </text>
            <text x={BOX.x + 10} y={top + 44}>
              {text('journeys.entered', { count: shown?.entered ?? 0 })}
              {shown?.emails ? ` · ${text('journeys.emails', { sent: shown.emails.sent, skipped: shown.emails.skipped })}` : ''}
            </text>
          </g>
        );
      })}
      {edges.map((edge) => {
        const key = `${edge.from}-${edge.to}-${edge.label}`;
        if (edge.to === edge.from + 1) {
          const x = BOX.x + BOX.width / 2;
          return (
            <g key={key}>
              <line x1={x} y1={rowTop(edge.from) + BOX.height} x2={x} y2={rowTop(edge.to)} stroke="currentColor" markerEnd="url(#journey-arrow)" />
              <text x={x + 6} y={rowTop(edge.from) + BOX.height + 20} className="journey-edge">
                {edge.label === 'next' ? '' : edge.label}
              </text>
            </g>
          );
        }
        const lane = right + 24 + sideEdges.indexOf(edge) * 16;
        const fromY = rowTop(edge.from) + BOX.height / 2 + 8;
        const toY = rowTop(edge.to) + BOX.height / 2 - 8;
        return (
          <g key={key}>
            <path d={`M${right},${fromY} H${lane} V${toY} H${right}`} fill="none" stroke="currentColor" markerEnd="url(#journey-arrow)" />
            <text x={lane + 4} y={fromY - 4} className="journey-edge">
              {edge.label}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

/** One journey: its counts, the diagram of its draft's steps with counts per step and split arm, and the controls its status allows. */
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
    onSuccess: () => queryClient.invalidateQueries({ predicate: (query) => ['journey', 'journey-report', 'journeys'].includes(String(query.queryKey[0])) }),
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

      {shown.status !== 'archived' && <DraftEditor journeyId={journeyId} draft={shown.draft} />}

      <section aria-labelledby="journey-steps-title">
        <h2 id="journey-steps-title">{text('journeys.steps')}</h2>
        {definition.success ? (
          <>
            <div className="diagram-scroll">
              <StepDiagram definition={definition.data} counts={counts} text={text} />
            </div>
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

const CHECK_AFTER_MS = 400;
type Issue = { readonly field: string; readonly message: string };
type Definition = z.input<typeof saveJourneyDraft.request.body.schema>;

/** What the API found wrong with a definition, each problem by its path; an error it could not check at all says so. */
const issuesOf = (error: unknown): Issue[] =>
  error instanceof ApiError && error.status === 400 && error.issues.length ? error.issues : [{ field: '', message: error instanceof Error ? error.message : String(error) }];

/**
 * The draft as JSON, checked as it is typed (the API's own validation, stored templates included)
 * with each problem by its path; saving replaces the draft, which the publish button then publishes.
 */
function DraftEditor({ journeyId, draft }: { readonly journeyId: string; readonly draft: Readonly<Record<string, unknown>> }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const { text } = useI18n();
  const [source, setSource] = useState(() => JSON.stringify(draft, null, 2));
  const [issues, setIssues] = useState<readonly Issue[]>();

  useEffect(() => {
    setIssues(undefined);
    let current = true;
    const timer = setTimeout(() => {
      let definition: Definition;
      try {
        definition = JSON.parse(source) as Definition;
      } catch {
        setIssues([{ field: '', message: text('editor.badJson') }]);
        return;
      }
      api.call(validateJourneyDefinition, { body: definition }).then(
        () => current && setIssues([]),
        (error: unknown) => current && setIssues(issuesOf(error)),
      );
    }, CHECK_AFTER_MS);
    return () => {
      // A late answer about an earlier text must not replace the current one's.
      current = false;
      clearTimeout(timer);
    };
  }, [source, api, text]);

  const save = useMutation({
    mutationFn: () => api.call(saveJourneyDraft, { params: { journeyId }, body: JSON.parse(source) as Definition }),
    onSuccess: () => queryClient.invalidateQueries({ predicate: (query) => ['journey', 'journeys'].includes(String(query.queryKey[0])) }),
  });
  const invalid = issues !== undefined && issues.length > 0;
  return (
    <section aria-labelledby="journey-draft-title">
      <h2 id="journey-draft-title">{text('journeys.editDraft')}</h2>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          save.mutate();
        }}
      >
        <div className="field">
          <label htmlFor="journey-draft">{text('journeys.definition')}</label>
          <textarea id="journey-draft" rows={18} spellCheck={false} value={source} onChange={(event) => setSource(event.target.value)} aria-invalid={invalid} aria-describedby="journey-draft-check" />
        </div>
        <div id="journey-draft-check" role="status" aria-live="polite">
          <p className={invalid ? 'validation invalid' : 'validation'}>{issues === undefined ? text('editor.checking') : invalid ? text('editor.issues', { count: issues.length }) : text('editor.valid')}</p>
          {invalid && (
            <ul className="issues">
              {issues.map((issue) => (
                <li key={`${issue.field}:${issue.message}`}>
                  {issue.field && <code>{issue.field}</code>} {issue.message}
                </li>
              ))}
            </ul>
          )}
        </div>
        <div className="actions">
          <button type="submit" className="primary" disabled={save.isPending || invalid}>
            {text('journeys.saveDraft')}
          </button>
          {save.isSuccess && <span role="status">{text('journeys.draftSaved')}</span>}
        </div>
        {save.isError && <ErrorNotice error={save.error} />}
      </form>
    </section>
  );
}
