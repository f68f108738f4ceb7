import { useMutation, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import type * as z from 'zod';
import { createCampaign } from '../../../../functions/manage-campaigns/routes';
import { listSegments } from '../../../../functions/manage-segments/routes';
import { listTemplates } from '../../../../functions/manage-templates/routes';
import { SUBSCRIPTION_TYPES } from '../../../../src/domain/subscriptions';
import { useApi } from '../api';
import { useI18n } from '../i18n';
import { ErrorNotice } from '../notices';

/** A new campaign: who (a subscription type and a saved segment) and what (a saved template, or subject and body). */
export default function CampaignsPage() {
  const api = useApi();
  const navigate = useNavigate();
  const { text } = useI18n();
  const segments = useQuery({ queryKey: ['segments'], queryFn: () => api.call(listSegments, { query: { limit: '200' } }) });
  const templates = useQuery({ queryKey: ['templates'], queryFn: () => api.call(listTemplates, { query: { limit: '200' } }) });
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
      subscription: field('subscription') as (typeof SUBSCRIPTION_TYPES)[number],
      ...(segmentId ? { segmentId } : {}),
      template: templateId ? { templateId } : { subject: field('subject'), html: field('html') },
    });
  }

  return (
    <section aria-labelledby="campaigns-title">
      <h1 id="campaigns-title">{text('campaigns.new')}</h1>
      <form onSubmit={submit} className="stack">
        <div className="field">
          <label htmlFor="campaign-name">{text('campaigns.name')}</label>
          <input id="campaign-name" name="name" required />
        </div>
        <div className="field">
          <label htmlFor="campaign-subscription">{text('campaigns.subscription')}</label>
          <select id="campaign-subscription" name="subscription" defaultValue="newsletter">
            {SUBSCRIPTION_TYPES.map((type) => (
              <option key={type}>{type}</option>
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
