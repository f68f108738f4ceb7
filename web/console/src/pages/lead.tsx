import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { getLead } from '../../../../functions/get-lead/routes';
import { eraseLead, exportLead } from '../../../../functions/lead-data-rights/routes';
import { getSalesReasons, giveFeedback } from '../../../../functions/sales-feedback/routes';
import { refetchAfterChange } from '../after-change';
import { useApi } from '../api';
import { BarChart, COLOURS } from '../charts';
import { CustomerCare } from '../customer-care';
import { ScoreHistory } from '../score-history';
import { useI18n } from '../i18n';
import { ErrorNotice, Loading } from '../notices';
import { useRepNames } from '../rep-names';
import type { Session } from '../session';
import { useSubscriptionTypeName } from '../subscription-types';

interface Contribution {
  readonly ruleId: string;
  readonly description: string;
  readonly score: string;
  readonly kind?: string;
  readonly times?: number;
  readonly current: number;
}

/** The score's ledger by rule, biggest contribution first: why the lead scored (and qualified) as it did. */
function contributions(breakdown: Readonly<Record<string, { readonly score: string; readonly current: number } & Record<string, unknown>>>): Contribution[] {
  return Object.entries(breakdown)
    .map(([ruleId, tally]) => ({
      ruleId,
      description: typeof tally.description === 'string' ? tally.description : ruleId,
      score: tally.score,
      ...(typeof tally.kind === 'string' ? { kind: tally.kind } : {}),
      ...(typeof tally.times === 'number' ? { times: tally.times } : {}),
      current: tally.current,
    }))
    .filter((tally) => tally.current !== 0)
    .sort((a, b) => Math.abs(b.current) - Math.abs(a.current));
}

export default function LeadPage({ session }: { readonly session: Session }) {
  const { leadId = '' } = useParams();
  const api = useApi();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const { text, label, formatDate } = useI18n();
  const typeName = useSubscriptionTypeName();
  const owners = useRepNames(session);
  const lead = useQuery({ queryKey: ['lead', leadId], queryFn: () => api.call(getLead, { params: { leadId } }) });
  const reasons = useQuery({ queryKey: ['sales-reasons'], queryFn: () => api.call(getSalesReasons, {}), staleTime: 60_000 });
  const [rejectReason, setRejectReason] = useState('');
  const feedback = useMutation({
    mutationFn: (body: { action: 'accept' } | { action: 'reject'; reason: string }) => api.call(giveFeedback, { params: { leadId }, body: { ...body, actor: session.user } }),
    onSuccess: () => refetchAfterChange(queryClient, { queryKey: ['lead', leadId] }),
  });
  const download = useMutation({
    mutationFn: () => api.call(exportLead, { params: { leadId } }),
    onSuccess: (exported) => {
      const link = document.createElement('a');
      link.href = URL.createObjectURL(new Blob([JSON.stringify(exported, null, 2)], { type: 'application/json' }));
      link.download = `lead-${leadId}.json`;
      link.click();
      URL.revokeObjectURL(link.href);
    },
  });
  const erase = useMutation({
    mutationFn: () => api.call(eraseLead, { params: { leadId } }),
    onSuccess: () => {
      queryClient.removeQueries({ queryKey: ['lead', leadId] });
      refetchAfterChange(queryClient, { queryKey: ['leads'] });
      navigate('/leads');
    },
  });

  if (lead.isPending) return <Loading />;
  if (lead.isError) return <ErrorNotice error={lead.error} onRetry={() => lead.refetch()} />;
  const shown = lead.data;
  const score = shown.score;
  const ledger = score ? contributions(score.breakdown) : [];
  const name = [shown.firstName, shown.lastName].filter((part) => typeof part === 'string').join(' ');
  const profile = (['company', 'role', 'industry', 'teamSize', 'country', 'phone', 'preferredChannel'] as const).flatMap((field) => {
    const value = (shown as Record<string, unknown>)[field];
    return value === undefined ? [] : [[field, String(value)] as const];
  });
  const purchases = shown.purchases as Record<string, unknown>;

  return (
    <article aria-labelledby="lead-title" className="lead">
      <p>
        <Link to="/leads">{text('lead.back')}</Link>
      </p>
      <h1 id="lead-title">
        {name || shown.email} <span className={`stage stage-${shown.stage}`}>{label('stage', shown.stage)}</span>
      </h1>
      <div className="columns">
        <section aria-labelledby="profile-title">
          <h2 id="profile-title">{text('lead.profile')}</h2>
          <dl>
            <dt>{text('leads.email')}</dt>
            <dd>{shown.email}</dd>
            {profile.map(([field, value]) => (
              <div key={field}>
                <dt>{text(`profile.${field}`)}</dt>
                <dd>{value}</dd>
              </div>
            ))}
            <dt>{text('leads.created')}</dt>
            <dd>{formatDate(shown.createdAt)}</dd>
            <dt>{text('lead.owner')}</dt>
            <dd>{shown.owner ? `${owners.repName(shown.owner.repId)} (${owners.teamName(shown.owner.teamId)}), ${formatDate(shown.owner.assignedAt)}` : text('lead.noOwner')}</dd>
          </dl>
          <h3>{text('lead.attributes')}</h3>
          {Object.keys(shown.attributes).length ? (
            <dl>
              {Object.entries(shown.attributes).map(([attribute, value]) => (
                <div key={attribute}>
                  <dt>{attribute}</dt>
                  <dd>{String(value)}</dd>
                </div>
              ))}
            </dl>
          ) : (
            <p>{text('lead.none')}</p>
          )}
          <h3>{text('lead.consents')}</h3>
          {shown.subscriptions && Object.keys(shown.subscriptions).length ? (
            <dl>
              {Object.entries(shown.subscriptions).map(([type, status]) => (
                <div key={type}>
                  <dt>{typeName(type)}</dt>
                  <dd>{label('subscription', status)}</dd>
                </div>
              ))}
            </dl>
          ) : (
            <p>{text('lead.none')}</p>
          )}
          <h3>{text('lead.purchases')}</h3>
          <dl>
            <dt>{text('lead.purchaseCount')}</dt>
            <dd>{shown.purchases.count}</dd>
            <dt>{text('lead.rfm')}</dt>
            <dd>{label('rfm', shown.purchases.rfmSegment)}</dd>
            {typeof purchases.lifetimeValue === 'number' && (
              <>
                <dt>{text('lead.lifetimeValue')}</dt>
                <dd>{purchases.lifetimeValue}</dd>
              </>
            )}
          </dl>
        </section>

        <section aria-labelledby="score-title">
          <h2 id="score-title">{text('lead.score')}</h2>
          {score ? (
            <>
              <p className="score-line">
                <strong>{Math.round(score.total)}</strong> ({text('leads.fit')} {Math.round(score.fit)}, {text('leads.engagement')} {Math.round(score.engagement)}), {text('leads.grade')} {score.grade}.{' '}
                <strong>{score.qualified ? text('lead.qualified') : text('lead.notQualified')}</strong>
                {typeof score.qualifiedAt === 'string' && score.qualified ? `, ${formatDate(score.qualifiedAt)}` : ''}. {text('lead.rulesetVersion', { version: score.rulesetVersion })}
              </p>
              <h3>{text('lead.why')}</h3>
              <table>
                <thead>
                  <tr>
                    <th scope="col">{text('lead.rule')}</th>
                    <th scope="col">{text('lead.kind')}</th>
                    <th scope="col" className="number">
                      {text('lead.times')}
                    </th>
                    <th scope="col" className="number">
                      {text('lead.points')}
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {ledger.map((tally) => (
                    <tr key={tally.ruleId}>
                      <td>{tally.description}</td>
                      <td>{tally.score === 'fit' ? text('leads.fit') : text('leads.engagement')}</td>
                      <td className="number">{tally.times ?? ''}</td>
                      <td className="number">{tally.current > 0 ? `+${tally.current}` : tally.current}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <BarChart
                title={text('lead.chart')}
                horizontal
                labels={ledger.map((tally) => tally.description)}
                series={[
                  { label: text('leads.fit'), values: ledger.map((tally) => (tally.score === 'fit' ? tally.current : 0)), colour: COLOURS.fit },
                  { label: text('leads.engagement'), values: ledger.map((tally) => (tally.score === 'fit' ? 0 : tally.current)), colour: COLOURS.engagement },
                ]}
              />
              <ScoreHistory leadId={leadId} />
            </>
          ) : (
            <p>{text('lead.none')}</p>
          )}
        </section>
      </div>

      <CustomerCare leadId={leadId} session={session} />

      <section aria-labelledby="feedback-title">
        <h2 id="feedback-title">{text('lead.feedback')}</h2>
        <div className="actions">
          <button type="button" className="primary" disabled={feedback.isPending} onClick={() => feedback.mutate({ action: 'accept' })}>
            {text('lead.accept')}
          </button>
          <label>
            {text('lead.rejectReason')}
            <select value={rejectReason} onChange={(event) => setRejectReason(event.target.value)}>
              <option value="" />
              {reasons.data?.reject.map((reason) => (
                <option key={reason.code} value={reason.code}>
                  {reason.label}
                </option>
              ))}
            </select>
          </label>
          <button type="button" disabled={feedback.isPending || !rejectReason} onClick={() => feedback.mutate({ action: 'reject', reason: rejectReason })}>
            {text('lead.reject')}
          </button>
        </div>
        {feedback.isSuccess && <p role="status">{text('lead.feedbackDone', { stage: label('stage', feedback.data.stage) })}</p>}
        {feedback.isError && <ErrorNotice error={feedback.error} />}
      </section>

      <section aria-labelledby="stages-title">
        <h2 id="stages-title">{text('lead.stageHistory')}</h2>
        <table>
          <thead>
            <tr>
              <th scope="col">{text('lead.at')}</th>
              <th scope="col">{text('lead.from')}</th>
              <th scope="col">{text('lead.to')}</th>
              <th scope="col">{text('lead.cause')}</th>
            </tr>
          </thead>
          <tbody>
            {shown.stageHistory.map((change) => (
              <tr key={`${change.at}-${change.to}`}>
                <td>{formatDate(change.at)}</td>
                <td>{change.from ? label('stage', change.from) : ''}</td>
                <td>{label('stage', change.to)}</td>
                <td>{[typeof change.cause === 'string' ? label('cause', change.cause) : undefined, change.reason].filter((part) => typeof part === 'string').join(': ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <section aria-labelledby="timeline-title">
        <h2 id="timeline-title">{text('lead.timeline')}</h2>
        <ol className="timeline">
          {shown.recentEvents.map((event) => (
            <li key={event.id}>
              <time dateTime={event.occurredAt}>{formatDate(event.occurredAt)}</time> {event.type}
              {typeof (event.properties as Record<string, unknown> | undefined)?.url === 'string' ? ` ${(event.properties as Record<string, string>).url}` : ''}
            </li>
          ))}
        </ol>
      </section>

      <section aria-labelledby="rights-title">
        <h2 id="rights-title">{text('lead.dataRights')}</h2>
        <div className="actions">
          <button type="button" onClick={() => download.mutate()} disabled={download.isPending}>
            {text('lead.export')}
          </button>
          <button type="button" className="danger" disabled={erase.isPending} onClick={() => window.confirm(text('lead.eraseConfirm', { email: shown.email })) && erase.mutate()}>
            {text('lead.erase')}
          </button>
        </div>
        {download.isError && <ErrorNotice error={download.error} />}
        {erase.isError && <ErrorNotice error={erase.error} />}
      </section>
    </article>
  );
}
