import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import type * as z from 'zod';
import { createWebhook, deleteWebhook, listWebhooks, rotateWebhookSecret } from '../../../../functions/manage-webhooks/routes';
import { liftSuppression, listSuppressions } from '../../../../functions/manage-suppressions/routes';
import { deleteSubscriptionType, replaceSubscriptionTypes } from '../../../../functions/manage-send-settings/routes';
import { getSalesReasons, replaceSalesReasons } from '../../../../functions/sales-feedback/routes';
import { WEBHOOK_EVENT_TYPES } from '../../../../src/domain/events';
import { refetchAfterChange, storeAfterChange } from '../after-change';
import { useApi } from '../api';
import { useI18n } from '../i18n';
import { EditableCell, ErrorNotice, fieldErrorsOf, Loading } from '../notices';
import { useSubscriptionTypes } from '../subscription-types';
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

type Catalogue = z.input<typeof replaceSubscriptionTypes.request.body.schema>;
type SubscriptionType = Catalogue['types'][number];
type TextField = 'label.en' | 'label.id' | 'description.en' | 'description.id';
const TEXT_FIELDS = [
  ['label.en', 'settings.typeLabelEn'],
  ['label.id', 'settings.typeLabelId'],
  ['description.en', 'settings.typeDescriptionEn'],
  ['description.id', 'settings.typeDescriptionId'],
] as const satisfies readonly (readonly [TextField, string])[];
const FLAGS = [
  ['doubleOptIn', 'settings.doubleOptIn'],
  ['transactional', 'settings.transactional'],
  ['archived', 'settings.archived'],
] as const;

function SubscriptionTypes() {
  const types = useSubscriptionTypes();
  if (types.isPending) return <Loading />;
  if (types.isError) return <ErrorNotice error={types.error} onRetry={() => types.refetch()} />;
  return <SubscriptionTypesEditor saved={types.data} />;
}

/**
 * The subscription types subscribers opt into, with the words forms and the preference centre show in each
 * language: add one, rename in both languages, archive. A saved type's id is fixed and it cannot be removed.
 */
function SubscriptionTypesEditor({ saved }: { readonly saved: Catalogue }) {
  const api = useApi();
  const queryClient = useQueryClient();
  const { text } = useI18n();
  const [types, setTypes] = useState<SubscriptionType[]>(saved.types);
  const savedIds = new Set(saved.types.map((type) => type.id));
  const save = useMutation({
    mutationFn: (body: Catalogue) => api.call(replaceSubscriptionTypes, { body }),
    // The stored catalogue comes back as `saved`, so the next save sends its version.
    onSuccess: async (stored) => {
      setTypes(stored.types);
      await storeAfterChange(queryClient, ['subscription-types'], stored);
    },
  });
  // Deleting a saved type saves the catalogue without it; the API refuses (naming what uses it) a type in use.
  const remove = useMutation({
    mutationFn: (typeId: string) => api.call(deleteSubscriptionType, { params: { typeId }, query: { version: String(saved.version) } }),
    onSuccess: async (stored) => {
      setTypes(stored.types);
      await storeAfterChange(queryClient, ['subscription-types'], stored);
    },
  });
  const errors = fieldErrorsOf(save.error);
  const update = (index: number, change: Partial<SubscriptionType>) => setTypes((all) => all.map((type, at) => (at === index ? { ...type, ...change } : type)));
  const updateText = (index: number, field: TextField, value: string) => {
    const [part, language] = field.split('.') as ['label' | 'description', 'en' | 'id'];
    setTypes((all) => all.map((type, at) => (at === index ? { ...type, [part]: { ...type[part], [language]: value } } : type)));
  };
  return (
    <section aria-labelledby="subscription-types-title">
      <h2 id="subscription-types-title">{text('settings.subscriptionTypes')}</h2>
      <p className="help">{text('settings.subscriptionTypesHelp')}</p>
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          save.mutate({ version: saved.version, types });
        }}
      >
        <div className="table-scroll">
        <table aria-label={text('settings.subscriptionTypes')}>
          <thead>
            <tr>
              <th scope="col">{text('settings.typeId')}</th>
              {TEXT_FIELDS.map(([field, key]) => (
                <th key={field} scope="col">
                  {text(key)}
                </th>
              ))}
              {FLAGS.map(([flag, key]) => (
                <th key={flag} scope="col">
                  {text(key)}
                </th>
              ))}
              <th scope="col">{text('settings.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {types.map((type, index) => {
              const name = type.label.en || type.id || String(index + 1);
              const isSaved = savedIds.has(type.id);
              return (
                // biome-ignore lint/suspicious/noArrayIndexKey: a new type's id is what the admin types here
                <tr key={index}>
                  {isSaved ? (
                    <th scope="row">
                      <code>{type.id}</code>
                      {errors.has(`types[${index}].id`) && <p className="field-error">{errors.get(`types[${index}].id`)}</p>}
                    </th>
                  ) : (
                    <EditableCell id={`type-${index}-id`} label={`${text('settings.typeId')}, ${name}`} value={type.id} error={errors.get(`types[${index}].id`)} onChange={(event) => update(index, { id: event.target.value })} />
                  )}
                  {TEXT_FIELDS.map(([field, key]) => (
                    <EditableCell
                      key={field}
                      id={`type-${index}-${field}`}
                      label={`${text(key)}, ${name}`}
                      value={field === 'label.en' ? type.label.en : field === 'label.id' ? type.label.id : field === 'description.en' ? type.description.en : type.description.id}
                      error={errors.get(`types[${index}].${field}`)}
                      onChange={(event) => updateText(index, field, event.target.value)}
                    />
                  ))}
                  {FLAGS.map(([flag, key]) => {
                    const error = errors.get(`types[${index}].${flag}`);
                    return (
                      <td key={flag}>
                        <input
                          type="checkbox"
                          id={`type-${index}-${flag}`}
                          aria-label={`${text(key)}: ${name}`}
                          checked={type[flag] ?? false}
                          onChange={(event) => update(index, { [flag]: event.target.checked })}
                          {...(error ? { 'aria-invalid': true, 'aria-describedby': `type-${index}-${flag}-error` } : {})}
                        />
                        {error && (
                          <p id={`type-${index}-${flag}-error`} className="field-error">
                            {error}
                          </p>
                        )}
                      </td>
                    );
                  })}
                  <td>
                    {isSaved ? (
                      <button type="button" className="danger" disabled={remove.isPending} onClick={() => window.confirm(text('settings.deleteTypeConfirm', { id: type.id })) && remove.mutate(type.id)}>
                        {text('settings.deleteType', { name })}
                      </button>
                    ) : (
                      <button type="button" onClick={() => setTypes((all) => all.filter((_, at) => at !== index))}>
                        {text('settings.removeType', { name })}
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        </div>
        {errors.has('types') && <p className="field-error">{errors.get('types')}</p>}
        <div className="actions">
          <button type="button" onClick={() => setTypes((all) => [...all, { id: '', label: { en: '', id: '' }, description: { en: '', id: '' }, doubleOptIn: true, transactional: false, archived: false }])}>
            {text('settings.addType')}
          </button>
          <button type="submit" className="primary" disabled={save.isPending}>
            {text('settings.saveTypes')}
          </button>
          {save.isSuccess && <span role="status">{text('settings.typesSaved', { version: save.data.version })}</span>}
          {remove.isSuccess && <span role="status">{text('settings.typeDeleted', { id: remove.variables, version: remove.data.version })}</span>}
        </div>
        {save.isError && <ErrorNotice error={save.error} />}
        {remove.isError && <ErrorNotice error={remove.error} />}
      </form>
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
  const refresh = () => refetchAfterChange(queryClient, { queryKey: ['webhooks'] });
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
      ) : webhooks.data.items.length === 0 ? (
        <p>{text('settings.noWebhooks')}</p>
      ) : (
        <div className="table-scroll">
          <table aria-label={text('settings.webhooks')}>
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
        </div>
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
    onSuccess: () => refetchAfterChange(queryClient, { queryKey: ['suppressions'] }),
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
        <div className="table-scroll">
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
        </div>
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
    onSuccess: (stored) => storeAfterChange(queryClient, ['sales-reasons'], stored),
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
            <div className="table-scroll">
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
            </div>
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
