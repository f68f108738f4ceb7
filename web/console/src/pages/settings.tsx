import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import type * as z from 'zod';
import { createWebhook, deleteWebhook, listWebhooks, rotateWebhookSecret } from '../../../../functions/manage-webhooks/routes';
import { liftSuppression, listSuppressions } from '../../../../functions/manage-suppressions/routes';
import { listSubscriptionTypes } from '../../../../functions/manage-campaigns/routes';
import { getSalesReasons, replaceSalesReasons } from '../../../../functions/sales-feedback/routes';
import { WEBHOOK_EVENT_TYPES } from '../../../../src/domain/events';
import { useApi } from '../api';
import { useI18n } from '../i18n';
import { EditableCell, ErrorNotice, fieldErrorsOf, Loading } from '../notices';
import { RoutingSettings, SendPolicySettings } from './routing-settings';
import { UsersSettings } from './users-settings';

/** Settings an admin keeps: the console's users and roles, owner routing, the send-time policy, the subscription types, webhooks (with secret rotation), the suppression list, the sales reason lists. */
export default function SettingsPage() {
  const { text } = useI18n();
  return (
    <section aria-labelledby="settings-title">
      <h1 id="settings-title">{text('settings.title')}</h1>
      <UsersSettings />
      <RoutingSettings />
      <SendPolicySettings />
      <SubscriptionTypes />
      <Webhooks />
      <Suppressions />
      <Reasons />
    </section>
  );
}

/** The subscription types subscribers opt into, with the words forms and the preference centre show in each language. */
function SubscriptionTypes() {
  const api = useApi();
  const { text } = useI18n();
  const types = useQuery({ queryKey: ['subscription-types'], queryFn: () => api.call(listSubscriptionTypes, {}) });
  return (
    <section aria-labelledby="subscription-types-title">
      <h2 id="subscription-types-title">{text('settings.subscriptionTypes')}</h2>
      <p className="help">{text('settings.subscriptionTypesHelp')}</p>
      {types.isPending ? (
        <Loading />
      ) : types.isError ? (
        <ErrorNotice error={types.error} onRetry={() => types.refetch()} />
      ) : (
        <table aria-label={text('settings.subscriptionTypes')}>
          <thead>
            <tr>
              <th scope="col">{text('routing.id')}</th>
              <th scope="col">{text('settings.typeLabel')}</th>
              <th scope="col">{text('editor.description')}</th>
              <th scope="col">{text('settings.doubleOptIn')}</th>
            </tr>
          </thead>
          <tbody>
            {types.data.items.map((type) => (
              <tr key={type.id}>
                <th scope="row">
                  <code>{type.id}</code>
                </th>
                <td>
                  <span lang="en">{type.label.en}</span> / <span lang="id">{type.label.id}</span>
                </td>
                <td>
                  <span lang="en">{type.description.en}</span> / <span lang="id">{type.description.id}</span>
                </td>
                <td>{text(type.doubleOptIn ? 'settings.yes' : 'settings.no')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Webhooks() {
  const api = useApi();
  const queryClient = useQueryClient();
  const { text, formatDate } = useI18n();
  const webhooks = useQuery({ queryKey: ['webhooks'], queryFn: () => api.call(listWebhooks, { query: { limit: '200' } }) });
  // A secret is shown once, in the answer that made it: kept here until the page is left.
  const [secret, setSecret] = useState<{ id: string; secret: string }>();
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['webhooks'] });
  const create = useMutation({
    mutationFn: (body: z.input<typeof createWebhook.request.body.schema>) => api.call(createWebhook, { body }),
    onSuccess: (created) => {
      setSecret({ id: created.id, secret: created.secret });
      refresh();
    },
  });
  const rotate = useMutation({
    mutationFn: (webhookId: string) => api.call(rotateWebhookSecret, { params: { webhookId }, body: {} }),
    onSuccess: (rotated) => {
      setSecret({ id: rotated.id, secret: rotated.secret });
      refresh();
    },
  });
  const remove = useMutation({ mutationFn: (webhookId: string) => api.call(deleteWebhook, { params: { webhookId } }), onSuccess: refresh });
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    create.mutate({ url: String(form.get('url') ?? ''), eventTypes: form.getAll('eventTypes').map(String) as (typeof WEBHOOK_EVENT_TYPES)[number][] });
  }
  return (
    <section aria-labelledby="webhooks-title">
      <h2 id="webhooks-title">{text('settings.webhooks')}</h2>
      {webhooks.isPending ? (
        <Loading />
      ) : webhooks.isError ? (
        <ErrorNotice error={webhooks.error} />
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">URL</th>
              <th scope="col">{text('settings.events')}</th>
              <th scope="col">{text('leads.created')}</th>
              <th scope="col">{text('settings.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {webhooks.data.items.map((webhook) => (
              <tr key={webhook.id}>
                <td>{webhook.url}</td>
                <td>{webhook.eventTypes.join(', ')}</td>
                <td>{formatDate(webhook.createdAt)}</td>
                <td>
                  <button type="button" onClick={() => rotate.mutate(webhook.id)}>
                    {text('settings.rotate')}
                  </button>{' '}
                  <button type="button" className="danger" onClick={() => window.confirm(text('settings.deleteConfirm', { url: webhook.url })) && remove.mutate(webhook.id)}>
                    {text('settings.delete')}
                  </button>
                  {webhook.previousSecretUntil && <p className="help">{text('settings.overlap', { until: formatDate(webhook.previousSecretUntil) })}</p>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {secret && (
        <p role="status" className="notice">
          {text('settings.secret')} <code>{secret.secret}</code>
        </p>
      )}
      {[create, rotate, remove].map((mutation, index) => mutation.isError && <ErrorNotice key={['create', 'rotate', 'remove'][index]} error={mutation.error} />)}
      <form onSubmit={submit} className="inline-form">
        <label>
          {text('settings.url')}
          <input name="url" type="url" required />
        </label>
        <fieldset>
          <legend>{text('settings.events')}</legend>
          {WEBHOOK_EVENT_TYPES.map((type) => (
            <label key={type} className="inline">
              <input type="checkbox" name="eventTypes" value={type} defaultChecked /> {type}
            </label>
          ))}
        </fieldset>
        <button type="submit" className="primary" disabled={create.isPending}>
          {text('settings.addWebhook')}
        </button>
      </form>
    </section>
  );
}

function Suppressions() {
  const api = useApi();
  const queryClient = useQueryClient();
  const { text, formatDate } = useI18n();
  const suppressions = useQuery({ queryKey: ['suppressions'], queryFn: () => api.call(listSuppressions, { query: { limit: '200' } }) });
  const lift = useMutation({
    mutationFn: ({ email, reason }: { email: string; reason: string }) => api.call(liftSuppression, { params: { email }, body: { reason } }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['suppressions'] }),
  });
  return (
    <section aria-labelledby="suppressions-title">
      <h2 id="suppressions-title">{text('settings.suppressions')}</h2>
      {suppressions.isPending ? (
        <Loading />
      ) : suppressions.isError ? (
        <ErrorNotice error={suppressions.error} />
      ) : suppressions.data.items.length === 0 ? (
        <p>{text('lead.none')}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">{text('leads.email')}</th>
              <th scope="col">{text('reports.reason')}</th>
              <th scope="col">{text('lead.at')}</th>
              <th scope="col">{text('settings.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {suppressions.data.items.map((suppression) => (
              <tr key={suppression.hash}>
                <td>{suppression.email ?? '—'}</td>
                <td>
                  {suppression.reason}: {suppression.detail}
                </td>
                <td>{formatDate(suppression.at)}</td>
                <td>
                  {suppression.email && suppression.reason !== 'erased' && (
                    <button
                      type="button"
                      onClick={() => {
                        const reason = window.prompt(text('settings.liftWhy'));
                        if (reason && suppression.email) lift.mutate({ email: suppression.email, reason });
                      }}
                    >
                      {text('settings.lift')}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {lift.isError && <ErrorNotice error={lift.error} />}
    </section>
  );
}

type ReasonLists = z.input<typeof replaceSalesReasons.request.body.schema>;
type ReasonKind = keyof ReasonLists;
type Reason = ReasonLists['lost'][number];
const REASON_KINDS = ['reject', 'won', 'lost'] as const satisfies readonly ReasonKind[];

function Reasons() {
  const api = useApi();
  const reasons = useQuery({ queryKey: ['sales-reasons'], queryFn: () => api.call(getSalesReasons, {}) });
  if (reasons.isPending) return <Loading />;
  if (reasons.isError) return <ErrorNotice error={reasons.error} />;
  return <ReasonsEditor saved={reasons.data} />;
}

/** The reject, won and lost reason lists sales choose from: codes and labels, and the lost reasons that disqualify. */
function ReasonsEditor({ saved }: { readonly saved: ReasonLists }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const { text } = useI18n();
  const [lists, setLists] = useState<ReasonLists>(saved);
  const save = useMutation({
    mutationFn: (body: ReasonLists) => api.call(replaceSalesReasons, { body }),
    onSuccess: (stored) => queryClient.setQueryData(['sales-reasons'], stored),
  });
  const errors = fieldErrorsOf(save.error);
  const update = (kind: ReasonKind, index: number, change: Partial<Reason>) => setLists((all) => ({ ...all, [kind]: all[kind].map((reason, at) => (at === index ? { ...reason, ...change } : reason)) }));
  return (
    <section aria-labelledby="reasons-title">
      <h2 id="reasons-title">{text('settings.reasons')}</h2>
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          save.mutate(lists);
        }}
      >
        {REASON_KINDS.map((kind) => (
          <fieldset key={kind}>
            <legend>{text(`settings.reasons.${kind}`)}</legend>
            <table aria-label={text(`settings.reasons.${kind}`)}>
              <thead>
                <tr>
                  <th scope="col">{text('settings.reasonCode')}</th>
                  <th scope="col">{text('settings.reasonLabel')}</th>
                  {kind === 'lost' && <th scope="col">{text('settings.reasonNever')}</th>}
                  <th scope="col">{text('settings.actions')}</th>
                </tr>
              </thead>
              <tbody>
                {lists[kind].map((reason: Reason, index) => {
                  const cell = (field: 'code' | 'label') => {
                    const id = `reason-${kind}-${index}-${field}`;
                    return (
                      <EditableCell
                        id={id}
                        label={`${text(field === 'code' ? 'settings.reasonCode' : 'settings.reasonLabel')}, ${text(`settings.reasons.${kind}`)} ${index + 1}`}
                        value={reason[field]}
                        error={errors.get(`${kind}[${index}].${field}`)}
                        onChange={(event) => update(kind, index, { [field]: event.target.value })}
                      />
                    );
                  };
                  return (
                    // biome-ignore lint/suspicious/noArrayIndexKey: a reason's code is what the admin edits here
                    <tr key={index}>
                      {cell('code')}
                      {cell('label')}
                      {kind === 'lost' && (
                        <td>
                          <input type="checkbox" aria-label={`${text('settings.reasonNever')}: ${reason.label || reason.code}`} checked={reason.never ?? false} onChange={(event) => update(kind, index, { never: event.target.checked })} />
                        </td>
                      )}
                      <td>
                        <button type="button" onClick={() => setLists((all) => ({ ...all, [kind]: all[kind].filter((_, at) => at !== index) }))}>
                          {text('settings.removeReason', { name: reason.label || reason.code || String(index + 1) })}
                        </button>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
            {errors.has(kind) && <p className="field-error">{errors.get(kind)}</p>}
            <button type="button" onClick={() => setLists((all) => ({ ...all, [kind]: [...all[kind], { code: '', label: '' }] }))}>
              {text('settings.addReason', { list: text(`settings.reasons.${kind}`) })}
            </button>
          </fieldset>
        ))}
        <div className="actions">
          <button type="submit" className="primary" disabled={save.isPending}>
            {text('settings.saveReasons')}
          </button>
          {save.isSuccess && <span role="status">{text('settings.reasonsSaved')}</span>}
        </div>
        {save.isError && <ErrorNotice error={save.error} />}
      </form>
    </section>
  );
}
