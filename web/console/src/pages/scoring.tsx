import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { listRulesets } from '../../../../functions/manage-rulesets/routes';
import { RulesetVersion } from '../../../../src/domain/scoring/ruleset';
import { useApi } from '../api';
import { useI18n } from '../i18n';
import { ErrorNotice, Loading } from '../notices';

/** Every ruleset version with its status and last back-test; a new draft starts from the active one. */
export default function ScoringPage() {
  const api = useApi();
  const navigate = useNavigate();
  const { text, formatDate } = useI18n();
  const rulesets = useQuery({ queryKey: ['rulesets'], queryFn: () => api.call(listRulesets, { query: { limit: '200' } }) });
  const [version, setVersion] = useState('');
  const versionProblem = version ? RulesetVersion.safeParse(version).error?.issues[0]?.message : undefined;

  function startDraft(event: FormEvent) {
    event.preventDefault();
    if (!versionProblem && rulesets.data?.active) navigate(`/scoring/${encodeURIComponent(version)}?from=${encodeURIComponent(rulesets.data.active)}`);
  }

  if (rulesets.isPending) return <Loading />;
  if (rulesets.isError) return <ErrorNotice error={rulesets.error} onRetry={() => rulesets.refetch()} />;
  return (
    <section aria-labelledby="scoring-title">
      <h1 id="scoring-title">{text('scoring.title')}</h1>
      <div className="table-scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">{text('scoring.version')}</th>
              <th scope="col">{text('scoring.status')}</th>
              <th scope="col" className="number">
                {text('scoring.rules')}
              </th>
              <th scope="col">{text('scoring.backtest')}</th>
            </tr>
          </thead>
          <tbody>
            {rulesets.data.items.map((item) => (
              <tr key={item.version}>
                <td>
                  <Link to={`/scoring/${encodeURIComponent(item.version)}`} aria-label={text('scoring.open', { version: item.version })}>
                    {item.version}
                  </Link>
                </td>
                <td>
                  <span className={`status status-${item.status}`}>{text(`scoring.${item.status}`)}</span>
                </td>
                <td className="number">{item.rules}</td>
                <td>
                  {item.backtest
                    ? `${formatDate(item.backtest.ranAt)}: ${item.backtest.draftMqls} / ${item.backtest.activeMqls} MQL, +${item.backtest.newlyQualified} −${item.backtest.droppedOut}`
                    : text('scoring.never')}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <form onSubmit={startDraft} className="inline-form">
        <label htmlFor="new-version">{text('scoring.newVersion')}</label>
        <input
          id="new-version"
          value={version}
          onChange={(event) => setVersion(event.target.value)}
          required
          aria-invalid={versionProblem !== undefined}
          aria-describedby={versionProblem ? 'new-version-problem' : undefined}
        />
        <button type="submit" className="primary" disabled={!version || versionProblem !== undefined || !rulesets.data.active}>
          {text('scoring.newDraft')}
        </button>
        {versionProblem && (
          <p id="new-version-problem" className="field-error">
            {versionProblem}
          </p>
        )}
      </form>
    </section>
  );
}
