import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';
import { cancelCampaign, pauseCampaign, resumeCampaign, scheduleCampaign, sendCampaign, testCampaign, unscheduleCampaign } from '../../../../functions/control-campaigns/routes';
import { getCampaign, getCampaignReport, previewCampaign } from '../../../../functions/manage-campaigns/routes';
import { refetchAfterChange } from '../after-change';
import { useApi } from '../api';
import { BarChart, COLOURS } from '../charts';
import { findLead } from '../find-lead';
import { useI18n } from '../i18n';
import { ErrorNotice, Loading } from '../notices';
import { useSubscriptionTypeName } from '../subscription-types';

/** How often a sending campaign's counters are read. */
const PROGRESS_EVERY_MS = 2_000;
const ACTIVE = new Set(['sending', 'scheduled', 'paused']);

const browserTimeZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone;
const timeZones = (): string[] => {
  const supported = (Intl as unknown as { supportedValuesOf?: (key: string) => string[] }).supportedValuesOf?.('timeZone') ?? [];
  return [...new Set([browserTimeZone(), 'UTC', ...supported])];
};

/**
 * The campaign's email as one lead would read it, and whether that lead would get it and why not (not
 * opted in to the type, suppressed, outside the audience): a lead of the audience's sample, or one
 * found by address, name or company (an exact address first, else the first match).
 */
function PreviewAsLead({ campaignId, sample }: { readonly campaignId: string; readonly sample: readonly { readonly leadId: string; readonly email: string }[] }) {
  const api = useApi();
  const { text, label } = useI18n();
  const [wanted, setWanted] = useState('');
  const previewAs = useMutation({
    mutationFn: async (choice: { readonly leadId: string; readonly email: string } | { readonly search: string }) => {
      let lead = choice;
      if ('search' in lead) {
        const { search } = lead;
        const { lead: found, scanned } = await findLead(api, search);
        if (!found) throw new Error(text('campaigns.noLeadMatches', { search, scanned }));
        lead = { leadId: found.id, email: found.email ?? search };
      }
      return { ...(await api.call(previewCampaign, { params: { campaignId }, query: { leadId: lead.leadId } })), email: lead.email };
    },
  });
  const shown = previewAs.data;
  return (
    <>
      {sample.length > 0 && (
        <ul aria-label={text('campaigns.sample')}>
          {sample.map((member) => (
            <li key={member.leadId}>
              <Link to={`/leads/${member.leadId}`}>{member.email}</Link>{' '}
              <button type="button" aria-label={text('campaigns.previewAsOne', { email: member.email })} onClick={() => previewAs.mutate(member)} disabled={previewAs.isPending}>
                {text('campaigns.preview')}
              </button>
            </li>
          ))}
        </ul>
      )}
      <form
        className="inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          if (wanted.trim()) previewAs.mutate({ search: wanted.trim() });
        }}
      >
        <label>
          {text('campaigns.previewAs')}
          <input type="search" value={wanted} onChange={(event) => setWanted(event.target.value)} required />
        </label>
        <button type="submit" disabled={previewAs.isPending}>
          {text('campaigns.preview')}
        </button>
      </form>
      {previewAs.isError && <ErrorNotice error={previewAs.error} />}
      {shown?.rendered && (
        <section aria-labelledby="lead-preview-title">
          <h3 id="lead-preview-title">{text('campaigns.asLeadReadsIt', { email: shown.email })}</h3>
          <p role="status">
            {shown.wouldReceive
              ? text('campaigns.wouldReceive', { email: shown.email })
              : text('campaigns.wouldNotReceive', { email: shown.email, reason: label('notReceiving', shown.wouldNotReceiveBecause ?? 'outside_audience') })}
          </p>
          <p>{text('templates.subjectLine', { subject: shown.rendered.subject })}</p>
          <div className="previews">
            {/* No script runs in it and it cannot reach the console: an email is content, never code. */}
            <iframe title={text('campaigns.emailAs', { email: shown.email })} sandbox="" srcDoc={shown.rendered.html} style={{ width: 640, height: 480 }} />
          </div>
        </section>
      )}
    </>
  );
}

/** One campaign: audience preview, schedule in a time zone or send now, live progress, pause/resume/cancel, the report. */
export default function CampaignPage() {
  const { campaignId = '' } = useParams();
  const api = useApi();
  const queryClient = useQueryClient();
  const { text, label, formatDate } = useI18n();
  const typeName = useSubscriptionTypeName();
  const campaign = useQuery({
    queryKey: ['campaign', campaignId],
    queryFn: () => api.call(getCampaign, { params: { campaignId } }),
    refetchInterval: (query) => (query.state.data && ACTIVE.has(query.state.data.status) ? PROGRESS_EVERY_MS : false),
  });
  const preview = useQuery({ queryKey: ['campaign-preview', campaignId], queryFn: () => api.call(previewCampaign, { params: { campaignId }, query: {} }) });
  const report = useQuery({
    queryKey: ['campaign-report', campaignId, campaign.data?.sent, campaign.data?.status],
    queryFn: () => api.call(getCampaignReport, { params: { campaignId } }),
    enabled: campaign.data !== undefined && campaign.data.status !== 'draft',
  });
  const [timeZone, setTimeZone] = useState(browserTimeZone);
  const refresh = () => refetchAfterChange(queryClient, { queryKey: ['campaign', campaignId] });
  const testSend = useMutation({ mutationFn: (to: string[]) => api.call(testCampaign, { params: { campaignId }, body: { to } }) });
  const action = useMutation({
    mutationFn: async (run: () => Promise<unknown>) => run(),
    onSuccess: refresh,
  });

  if (campaign.isPending) return <Loading />;
  if (campaign.isError) return <ErrorNotice error={campaign.error} onRetry={() => campaign.refetch()} />;
  const shown = campaign.data;
  const params = { params: { campaignId } };
  function schedule(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const sendAt = String(new FormData(event.currentTarget).get('sendAt') ?? '');
    action.mutate(() => api.call(scheduleCampaign, { ...params, body: { sendAt, timeZone } }));
  }
  function sendTest(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const to = String(new FormData(event.currentTarget).get('to') ?? '')
      .split(',')
      .map((address) => address.trim())
      .filter(Boolean);
    testSend.mutate(to);
  }
  const figures = report.data;
  return (
    <article aria-labelledby="campaign-title">
      <h1 id="campaign-title">
        {shown.name} <span className={`status status-${shown.status}`}>{label('campaignStatus', shown.status)}</span>
      </h1>
      <p>
        {text('campaigns.subscription')}: {typeName(shown.subscription)}. {shown.segmentRef ? `${text('campaigns.segment')}: ${shown.segmentRef.name} (v${shown.segmentRef.version}).` : `${text('campaigns.everyone')}.`}{' '}
        {text('campaigns.subject')}: {shown.template.subject}
      </p>
      {shown.schedule && <p>{text('campaigns.scheduledFor', { local: shown.schedule.sendAt.replace('T', ' '), zone: shown.schedule.timeZone, utc: formatDate(shown.schedule.sendsAtUtc) })}</p>}

      <section aria-labelledby="audience-title">
        <h2 id="audience-title">{text('campaigns.audience')}</h2>
        {preview.data ? (
          <p>
            {text('segments.count', { count: preview.data.audience.count })} {preview.data.audience.complete ? '' : text('segments.partial', { scanned: preview.data.audience.leadsScanned })}
          </p>
        ) : preview.isError ? (
          <ErrorNotice error={preview.error} />
        ) : (
          <Loading />
        )}
        <PreviewAsLead campaignId={campaignId} sample={preview.data?.audience.sample ?? []} />
      </section>

      <form onSubmit={sendTest} className="inline-form">
        <label>
          {text('campaigns.testTo')}
          <input name="to" type="text" required />
        </label>
        <button type="submit" disabled={testSend.isPending}>
          {text('campaigns.sendTest')}
        </button>
        {testSend.isSuccess && <span role="status">{text('campaigns.testQueued', { to: testSend.data.to.join(', ') })}</span>}
      </form>
      {testSend.isError && <ErrorNotice error={testSend.error} />}

      <section aria-labelledby="sending-title">
        <h2 id="sending-title">{text('campaigns.sending')}</h2>
        <p role="status" aria-live="polite">
          {text('campaigns.progress', { sent: shown.sent, skipped: shown.skipped, recipients: shown.recipients })}
          {shown.interrupted ? ` ${text('campaigns.interrupted', { interrupted: shown.interrupted })}` : ''}
        </p>
        {(shown.status === 'draft' || shown.status === 'scheduled') && (
          <form onSubmit={schedule} className="inline-form">
            <label>
              {text('campaigns.sendAt')}
              <input type="datetime-local" name="sendAt" step={1} required />
            </label>
            <label>
              {text('campaigns.timeZone')}
              <select value={timeZone} onChange={(event) => setTimeZone(event.target.value)}>
                {timeZones().map((zone) => (
                  <option key={zone}>{zone}</option>
                ))}
              </select>
            </label>
            <button type="submit">{text('campaigns.schedule')}</button>
          </form>
        )}
        <div className="actions">
          {shown.status === 'draft' && (
            <button type="button" className="primary" onClick={() => action.mutate(() => api.call(sendCampaign, params))}>
              {text('campaigns.sendNow')}
            </button>
          )}
          {shown.status === 'scheduled' && (
            <button type="button" onClick={() => action.mutate(() => api.call(unscheduleCampaign, params))}>
              {text('campaigns.unschedule')}
            </button>
          )}
          {shown.status === 'sending' && (
            <button type="button" onClick={() => action.mutate(() => api.call(pauseCampaign, params))}>
              {text('campaigns.pause')}
            </button>
          )}
          {shown.status === 'paused' && (
            <button type="button" onClick={() => action.mutate(() => api.call(resumeCampaign, params))}>
              {text('campaigns.resume')}
            </button>
          )}
          {ACTIVE.has(shown.status) && (
            <button type="button" className="danger" onClick={() => action.mutate(() => api.call(cancelCampaign, params))}>
              {text('campaigns.cancel')}
            </button>
          )}
        </div>
        {action.isError && <ErrorNotice error={action.error} />}
      </section>

      {figures && (
        <section aria-labelledby="report-title">
          <h2 id="report-title">{text('campaigns.report')}</h2>
          <p>
            {text('campaigns.rates', { delivery: figures.deliveryRate, open: figures.openRate, click: figures.clickRate, bounce: figures.bounceRate, unsubscribe: figures.unsubscribeRate })}
          </p>
          <BarChart
            title={text('campaigns.outcomes')}
            labels={(['sent', 'delivered', 'opened', 'clicked', 'bounced', 'complained', 'unsubscribed'] as const).map((outcome) => text(`outcome.${outcome}`))}
            series={[
              {
                label: text('campaigns.recipients'),
                values: [figures.sent, figures.delivered, figures.opened, figures.clicked, figures.bounced, figures.complained, figures.unsubscribed],
                colour: COLOURS.fit,
              },
            ]}
          />
        </section>
      )}
    </article>
  );
}
