import { useMutation, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import type * as z from 'zod';
import { createCampaign, listCampaigns } from '../../../../functions/manage-campaigns/routes';
import { listSegments } from '../../../../functions/manage-segments/routes';
import { listTemplates } from '../../../../functions/manage-templates/routes';
import { useApi } from '../api';
import { useI18n } from '../i18n';
import { QueryTable } from '../frames';
import { ErrorNotice } from '../notices';
import { typeChoices, useSubscriptionTypeName, useSubscriptionTypes } from '../subscription-types';

/** A new campaign: who (a subscription type and a saved segment) and what (a saved template, or subject and body). */
export default function CampaignsPage() {
  const api = useApi();
  const navigate = useNavigate();
  const { text, label, formatDate } = useI18n();
  const campaigns = useQuery({ queryKey: ['campaigns'], queryFn: () => api.call(listCampaigns, { query: { limit: '50' } }) });
  const segments = useQuery({ queryKey: ['segments'], queryFn: () => api.call(listSegments, { query: { limit: '200' } }) });
  const templates = useQuery({ queryKey: ['templates'], queryFn: () => api.call(listTemplates, { query: { limit: '200' } }) });
  const subscriptionTypes = useSubscriptionTypes();
  const typeName = useSubscriptionTypeName();
  const [templateId, setTemplateId] = useState('');
  const create = useMutation({
    mutationFn: (definition: z.input<typeof createCampaign.request.body.schema>) => api.call(createCampaign, { body: definition }),
    onSuccess: (campaign) => navigate(`/campaigns/${campaign.id}`),
  });

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const field = (name: string) => String(form.get(name) ?? '').trim();
    const segmentId = field('segmentId');
    create.mutate({
      name: field('name'),
      subscription: field('subscription'),
      ...(segmentId ? { segmentId } : {}),
      template: templateId ? { templateId } : { subject: field('subject'), html: field('html') },
    });
  }

  return (
    <section aria-labelledby="campaigns-title">
      <h1 id="campaigns-title">{text('nav.campaigns')}</h1>
      <QueryTable
        query={campaigns}
        label={text('campaigns.list')}
        empty={text('campaigns.none')}
        columns={[{ label: text('campaigns.name') }, { label: text('scoring.status') }, { label: text('campaigns.subscription') }, { label: text('leads.created') }]}
        items={(page) => page.items}
        row={(campaign) => (
          <tr key={campaign.id}>
            <td>
              <Link to={`/campaigns/${campaign.id}`}>{campaign.name}</Link>
            </td>
            <td>
              <span className={`status status-${campaign.status}`}>{label('campaignStatus', campaign.status)}</span>
              {campaign.schedule ? ` ${campaign.schedule.sendAt.replace('T', ' ')} ${campaign.schedule.timeZone}` : ''}
            </td>
            <td>{typeName(campaign.subscription)}</td>
            <td>{formatDate(campaign.createdAt)}</td>
          </tr>
        )}
      />
      <h2>{text('campaigns.new')}</h2>
      <form onSubmit={submit} className="stack">
        <div className="field">
          <label htmlFor="campaign-name">{text('campaigns.name')}</label>
          <input id="campaign-name" name="name" required />
        </div>
        <div className="field">
          <label htmlFor="campaign-subscription">{text('campaigns.subscription')}</label>
          <select id="campaign-subscription" name="subscription" defaultValue="newsletter">
            {typeChoices(subscriptionTypes.data?.types).map((type) => (
              <option key={type} value={type}>
                {typeName(type)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="campaign-segment">{text('campaigns.segment')}</label>
          <select id="campaign-segment" name="segmentId" defaultValue="">
            <option value="">{text('campaigns.everyone')}</option>
            {segments.data?.items.map((segment) => (
              <option key={segment.id} value={segment.id}>
                {segment.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="campaign-template">{text('campaigns.template')}</label>
          <select id="campaign-template" value={templateId} onChange={(event) => setTemplateId(event.target.value)}>
            <option value="">{text('campaigns.writeHere')}</option>
            {templates.data?.items.map((template) => (
              <option key={template.templateId} value={template.templateId}>
                {template.name} (v{template.latestVersion})
              </option>
            ))}
          </select>
        </div>
        {!templateId && (
          <>
            <div className="field">
              <label htmlFor="campaign-subject">{text('campaigns.subject')}</label>
              <input id="campaign-subject" name="subject" required />
            </div>
            <div className="field">
              <label htmlFor="campaign-html">{text('campaigns.html')}</label>
              <textarea id="campaign-html" name="html" rows={6} required defaultValue={'<p>Hello {{ lead.firstName | "there" }},</p>\n<p></p>'} />
            </div>
          </>
        )}
        <button type="submit" className="primary" disabled={create.isPending}>
          {text('campaigns.create')}
        </button>
        {create.isError && <ErrorNotice error={create.error} />}
      </form>
    </section>
  );
}
