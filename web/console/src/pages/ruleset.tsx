import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useState } from 'react';
import { useParams, useSearchParams } from 'react-router';
import type * as z from 'zod';
import { ApiError } from '../../../../src/api/client';
import { backtestRuleset } from '../../../../functions/backtest-ruleset/routes';
import { activateRuleset, diffRuleset, getRescoringJob, getRuleset, saveRulesetDraft, validateRulesetRoute } from '../../../../functions/manage-rulesets/routes';
import type { RouteOutput } from '../../../../src/http/route-declarations';
import { GRADES, type Ruleset } from '../../../../src/domain/scoring/ruleset';
import { refetchAfterChange } from '../after-change';
import { useApi } from '../api';
import { BarChart, COLOURS, LineChart } from '../charts';
import { useI18n } from '../i18n';
import { ErrorNotice, Loading } from '../notices';

/** A rule as edited: its condition kept as the text typed, so a half-typed pattern is not lost. */
type EditedRule = Omit<Ruleset['rules'][number], 'when'> & { readonly whenText: string };
type Edited = Omit<Ruleset, 'rules'> & { readonly rules: readonly EditedRule[] };
interface Issue {
  readonly path: string;
  readonly message: string;
}

/** How long typing pauses before the draft is validated. */
const VALIDATE_AFTER_MS = 300;
/** How often activation progress is read. */
const PROGRESS_EVERY_MS = 1_000;

const editable = (ruleset: Ruleset, version: string): Edited => ({
  ...ruleset,
  version,
  rules: ruleset.rules.map(({ when, ...rule }) => ({ ...rule, whenText: JSON.stringify(when, null, 2) })),
});

/** The ruleset to send, or the conditions that are not JSON (by the validator's own path, `rules[<id>].when`). */
function assembled(edited: Edited): { ruleset: Ruleset; issues: Issue[] } {
  const issues: Issue[] = [];
  const rules = edited.rules.map(({ whenText, ...rule }) => {
    try {
      return { ...rule, when: JSON.parse(whenText) as Ruleset['rules'][number]['when'] };
    } catch {
      issues.push({ path: `rules[${rule.id}].when`, message: 'is not valid JSON' });
      return { ...rule, when: {} };
    }
  });
  return { ruleset: { ...edited, rules } as Ruleset, issues };
}

/** Issues whose path starts with `prefix` (a rule's `rules[<id>]`, or a setting). */
const issuesAt = (issues: readonly Issue[], prefix: string) => issues.filter((issue) => issue.path === prefix || issue.path.startsWith(`${prefix}.`) || issue.path.startsWith(`${prefix}[`));

export default function RulesetPage() {
  const { version = '' } = useParams();
  const [params] = useSearchParams();
  const from = params.get('from');
  const api = useApi();
  const queryClient = useQueryClient();
  const { text } = useI18n();

  const stored = useQuery({
    queryKey: ['ruleset', version],
    queryFn: async () => {
      try {
        return await api.call(getRuleset, { params: { version } });
      } catch (error) {
        // A new version: nothing stored yet (React Query keeps null, never undefined).
        if (error instanceof ApiError && error.status === 404 && from) return null;
        throw error;
      }
    },
  });
  const source = useQuery({ queryKey: ['ruleset', from], queryFn: () => api.call(getRuleset, { params: { version: from ?? '' } }), enabled: stored.isSuccess && !stored.data && from !== null });

  const [edited, setEdited] = useState<Edited>();
  const [changed, setChanged] = useState(false);
  useEffect(() => {
    if (edited) return;
    if (stored.data) setEdited(editable(stored.data.ruleset as Ruleset, version));
    else if (source.data) {
      setEdited(editable(source.data.ruleset as Ruleset, version));
      setChanged(true);
    }
  }, [stored.data, source.data, edited, version]);

  const [issues, setIssues] = useState<readonly Issue[]>();
  useEffect(() => {
    if (!edited) return;
    setIssues(undefined);
    let current = true;
    const timer = setTimeout(() => {
      const { ruleset, issues: local } = assembled(edited);
      api.call(validateRulesetRoute, { body: ruleset as z.input<typeof validateRulesetRoute.request.body.schema> }).then(
        (validation) => current && setIssues([...local, ...validation.issues.filter((issue) => !local.some((known) => known.path === issue.path))]),
        (error: unknown) => current && setIssues([...local, { path: '(ruleset)', message: error instanceof Error ? error.message : String(error) }]),
      );
    }, VALIDATE_AFTER_MS);
    return () => {
      // The answer about an earlier draft, arriving late, must not stand for the current one.
      current = false;
      clearTimeout(timer);
    };
  }, [edited, api]);

  const isDraft = !stored.data || stored.data.status === 'draft';
  const saved = Boolean(stored.data) && !changed;
  const save = useMutation({
    mutationFn: (ruleset: Ruleset) => api.call(saveRulesetDraft, { params: { version }, body: ruleset as z.input<typeof saveRulesetDraft.request.body.schema> }),
    onSuccess: async () => {
      setChanged(false);
      await refetchAfterChange(queryClient, { queryKey: ['ruleset', version] });
      await refetchAfterChange(queryClient, { queryKey: ['rulesets'] });
      backtest.reset();
    },
  });
  const diff = useQuery({ queryKey: ['ruleset-diff', version, stored.data?.updatedAt], queryFn: () => api.call(diffRuleset, { params: { version }, query: {} }), enabled: saved && stored.data?.status !== 'active' });
  const backtest = useMutation({
    mutationFn: () => api.call(backtestRuleset, { params: { version }, body: {} }),
    onSuccess: () => refetchAfterChange(queryClient, { queryKey: ['ruleset', version] }),
  });
  const activation = useMutation({
    mutationFn: () => api.call(activateRuleset, { params: { version } }),
    onSuccess: () => refetchAfterChange(queryClient, { queryKey: ['rulesets'] }),
  });
  const jobId = activation.data?.jobId;
  const job = useQuery({
    queryKey: ['rescoring', jobId],
    queryFn: () => api.call(getRescoringJob, { params: { jobId: jobId ?? '' } }),
    enabled: jobId !== undefined,
    refetchInterval: (query) => (query.state.data?.status === 'done' ? false : PROGRESS_EVERY_MS),
  });

  if (stored.isPending || (!stored.data && source.isPending && from)) return <Loading />;
  if (stored.isError) return <ErrorNotice error={stored.error} onRetry={() => stored.refetch()} />;
  if (source.isError) return <ErrorNotice error={source.error} />;
  if (!edited) return <Loading />;

  const update = (next: Edited) => {
    setEdited(next);
    setChanged(true);
  };
  const updateRule = (index: number, rule: EditedRule) => update({ ...edited, rules: edited.rules.map((existing, at) => (at === index ? rule : existing)) });
  const readOnly = !isDraft;
  const localAndServer = issues ?? [];
  const settingsIssues = localAndServer.filter((issue) => !issue.path.startsWith('rules['));

  return (
    <article aria-labelledby="ruleset-title" className="ruleset">
      <h1 id="ruleset-title">{text('editor.title', { version })}</h1>
      {readOnly && <p className="notice">{text('editor.readOnly', { status: text(`scoring.${stored.data?.status ?? 'draft'}`) })}</p>}
      <p role="status" aria-live="polite" className={issues?.length ? 'validation invalid' : 'validation'}>
        {issues === undefined ? text('editor.checking') : issues.length ? text('editor.issues', { count: issues.length }) : text('editor.valid')}
      </p>
      <fieldset disabled={readOnly}>
        <legend>{text('editor.settings')}</legend>
        <div className="settings">
          <NumberField label={text('editor.halfLife')} value={edited.halfLifeDays} issues={issuesAt(localAndServer, 'halfLifeDays')} onChange={(halfLifeDays) => update({ ...edited, halfLifeDays })} />
          <NumberField label={text('editor.minScore')} value={edited.mql.minScore} issues={issuesAt(localAndServer, 'mql.minScore')} onChange={(minScore) => update({ ...edited, mql: { ...edited.mql, minScore } })} />
          <label>
            {text('editor.minGrade')}
            <select value={edited.mql.minGrade} onChange={(event) => update({ ...edited, mql: { ...edited.mql, minGrade: event.target.value as Ruleset['mql']['minGrade'] } })}>
              {GRADES.map((grade) => (
                <option key={grade}>{grade}</option>
              ))}
            </select>
          </label>
          <NumberField
            label={text('editor.recycleBelow')}
            value={edited.mql.recycleBelowScore}
            issues={issuesAt(localAndServer, 'mql.recycleBelowScore')}
            onChange={(recycleBelowScore) => update({ ...edited, mql: { ...edited.mql, recycleBelowScore } })}
          />
        </div>
        <IssueList issues={settingsIssues.filter((issue) => !['halfLifeDays', 'mql.minScore', 'mql.recycleBelowScore'].includes(issue.path))} />
      </fieldset>

      {edited.rules.map((rule, index) => (
        <RuleEditor key={rule.id} rule={rule} readOnly={readOnly} issues={issuesAt(localAndServer, `rules[${rule.id}]`).concat(issuesAt(localAndServer, `rules[${index}]`))} onChange={(next) => updateRule(index, next)} />
      ))}

      {!readOnly && (
        <div className="actions sticky">
          <button type="button" className="primary" disabled={save.isPending || !changed} onClick={() => save.mutate(assembled(edited).ruleset)}>
            {text('editor.save')}
          </button>
          {save.isSuccess && !changed && <span role="status">{text('editor.saved')}</span>}
        </div>
      )}
      {save.isError && <ErrorNotice error={save.error} />}

      {saved && diff.data && (
        <section aria-labelledby="diff-title">
          <h2 id="diff-title">{text('editor.diff')}</h2>
          {diff.data.settings.length + diff.data.added.length + diff.data.removed.length + diff.data.changed.length === 0 ? (
            <p>{text('editor.noChanges')}</p>
          ) : (
            <ul className="diff">
              {diff.data.settings.map((change) => (
                <li key={change.path}>
                  <code>{change.path}</code>: {JSON.stringify(change.before)} → {JSON.stringify(change.after)}
                </li>
              ))}
              {diff.data.added.map((rule) => (
                <li key={`added-${rule.id}`}>
                  {text('editor.added')}: <code>{rule.id}</code>
                </li>
              ))}
              {diff.data.removed.map((rule) => (
                <li key={`removed-${rule.id}`}>
                  {text('editor.removed')}: <code>{rule.id}</code>
                </li>
              ))}
              {diff.data.changed.flatMap((rule) =>
                rule.changes.map((change) => (
                  <li key={`${rule.id}-${change.path}`}>
                    {text('editor.changed')}: <code>{rule.id}</code> <code>{change.path}</code>: {JSON.stringify(change.before)} → {JSON.stringify(change.after)}
                  </li>
                )),
              )}
            </ul>
          )}
        </section>
      )}

      {isDraft && (
        <section aria-labelledby="backtest-title">
          <h2 id="backtest-title">{text('backtest.title')}</h2>
          <button type="button" disabled={!saved || backtest.isPending} onClick={() => backtest.mutate()}>
            {backtest.isPending ? text('editor.backtesting') : text('editor.runBacktest')}
          </button>
          {backtest.isError && <ErrorNotice error={backtest.error} />}
          {backtest.data && <BacktestReport report={backtest.data} />}
          <h2>{text('editor.activate')}</h2>
          <p className="help">{text('editor.activateHelp')}</p>
          <button type="button" className="primary" disabled={!saved || !stored.data?.backtest || activation.isPending || jobId !== undefined} onClick={() => activation.mutate()}>
            {text('editor.activate')}
          </button>
          {activation.isError && <ErrorNotice error={activation.error} />}
        </section>
      )}
      {job.data && (
        <div role="status" aria-live="polite">
          <progress max={Math.max(job.data.total, 1)} value={job.data.done} aria-label={text('editor.rescoring', { progress: job.data.progress })} />{' '}
          {job.data.status === 'done' ? text('editor.rescored', { progress: job.data.progress }) : text('editor.rescoring', { progress: job.data.progress })}
        </div>
      )}
    </article>
  );
}

function IssueList({ issues, id }: { readonly issues: readonly Issue[]; readonly id?: string }) {
  if (!issues.length) return null;
  return (
    <ul className="field-error" id={id}>
      {issues.map((issue) => (
        <li key={`${issue.path}:${issue.message}`}>
          <code>{issue.path}</code> {issue.message}
        </li>
      ))}
    </ul>
  );
}

function NumberField({ label, value, issues, onChange }: { readonly label: string; readonly value: number; readonly issues: readonly Issue[]; readonly onChange: (value: number) => void }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} type="number" value={Number.isFinite(value) ? value : ''} onChange={(event) => onChange(event.target.valueAsNumber)} aria-invalid={issues.length > 0} aria-describedby={issues.length ? `${id}-issues` : undefined} />
      <IssueList issues={issues} id={`${id}-issues`} />
    </div>
  );
}

function RuleEditor({ rule, readOnly, issues, onChange }: { readonly rule: EditedRule; readonly readOnly: boolean; readonly issues: readonly Issue[]; readonly onChange: (rule: EditedRule) => void }) {
  const { text } = useI18n();
  const id = useId();
  const at = (field: string) => issues.filter((issue) => issue.path.endsWith(`].${field}`) || issue.path.includes(`].${field}.`));
  const field = (name: string) => ({ 'aria-invalid': at(name).length > 0, 'aria-describedby': at(name).length ? `${id}-${name}-issues` : undefined });
  const other = issues.filter((issue) => !['description', 'points', 'when', 'score'].some((name) => at(name).includes(issue)));
  return (
    <fieldset className="rule" disabled={readOnly} aria-invalid={issues.length > 0}>
      <legend>{text('editor.rule', { id: rule.id })}</legend>
      <div className="rule-grid">
        <div className="field wide">
          <label htmlFor={`${id}-description`}>{text('editor.description')}</label>
          <input id={`${id}-description`} value={rule.description} onChange={(event) => onChange({ ...rule, description: event.target.value })} {...field('description')} />
          <IssueList issues={at('description')} id={`${id}-description-issues`} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-score`}>{text('editor.kind')}</label>
          <select id={`${id}-score`} value={rule.score} onChange={(event) => onChange({ ...rule, score: event.target.value as EditedRule['score'] })} {...field('score')}>
            <option value="fit">{text('leads.fit')}</option>
            <option value="engagement">{text('leads.engagement')}</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-points`}>{text('editor.points')}</label>
          <input id={`${id}-points`} type="number" value={Number.isFinite(rule.points) ? rule.points : ''} onChange={(event) => onChange({ ...rule, points: event.target.valueAsNumber })} {...field('points')} />
          <IssueList issues={at('points')} id={`${id}-points-issues`} />
        </div>
        <div className="field full">
          <label htmlFor={`${id}-when`}>{text('editor.when')}</label>
          <textarea id={`${id}-when`} spellCheck={false} rows={Math.min(12, rule.whenText.split('\n').length)} value={rule.whenText} onChange={(event) => onChange({ ...rule, whenText: event.target.value })} {...field('when')} />
          <IssueList issues={at('when')} id={`${id}-when-issues`} />
        </div>
      </div>
      <IssueList issues={other} />
    </fieldset>
  );
}

type BacktestReportBody = RouteOutput<typeof backtestRuleset>;

function BacktestReport({ report }: { readonly report: BacktestReportBody }) {
  const { text } = useI18n();
  const weeks = [...new Set([...report.draft.mqlsPerWeek, ...report.active.mqlsPerWeek].map((week) => week.week))].sort();
  const perWeek = (outcome: BacktestReportBody['draft']) => weeks.map((week) => outcome.mqlsPerWeek.find((entry) => entry.week === week)?.mqls ?? 0);
  const bucket = (entry: { from?: number; to?: number }) => `${entry.from ?? '…'}–${entry.to ?? '…'}`;
  const buckets = report.draft.histogram.map(bucket);
  const won = report.draft.closedWon as { leads?: number; caught?: number; medianDaysBeforeWin?: number | null };
  type AlertLoad = { perRep?: { repId: string; alerts: number }[] };
  const reps = (outcome: BacktestReportBody['draft']) => (outcome.alertLoad as AlertLoad).perRep ?? [];
  const repIds = [...new Set([...reps(report.draft), ...reps(report.active)].map((rep) => rep.repId))];
  const alertsOf = (outcome: BacktestReportBody['draft']) => repIds.map((repId) => reps(outcome).find((rep) => rep.repId === repId)?.alerts ?? 0);
  return (
    <div className="backtest">
      <p>{text('backtest.summary', { leads: report.leads, events: report.events, draft: report.draft.mqls, active: report.active.mqls })}</p>
      <ul>
        <li>{text('backtest.newly', { count: report.newlyQualified.leads })}</li>
        <li>{text('backtest.dropped', { count: report.droppedOut.leads })}</li>
        <li>{text('backtest.won', { caught: won.caught ?? 0, won: won.leads ?? 0, days: won.medianDaysBeforeWin ?? '–' })}</li>
      </ul>
      <div className="charts">
        <BarChart
          title={text('backtest.histogram')}
          labels={buckets}
          series={[
            { label: text('backtest.draft'), values: report.draft.histogram.map((entry) => entry.leads), colour: COLOURS.draft },
            { label: text('backtest.active'), values: buckets.map((label) => report.active.histogram.find((entry) => bucket(entry) === label)?.leads ?? 0), colour: COLOURS.active },
          ]}
        />
        <LineChart
          title={text('backtest.perWeek')}
          labels={weeks}
          series={[
            { label: text('backtest.draft'), values: perWeek(report.draft), colour: COLOURS.draft },
            { label: text('backtest.active'), values: perWeek(report.active), colour: COLOURS.active },
          ]}
        />
        {repIds.length > 0 && (
          <BarChart
            title={text('backtest.alerts')}
            labels={repIds}
            series={[
              { label: text('backtest.draft'), values: alertsOf(report.draft), colour: COLOURS.draft },
              { label: text('backtest.active'), values: alertsOf(report.active), colour: COLOURS.active },
            ]}
          />
        )}
      </div>
    </div>
  );
}
